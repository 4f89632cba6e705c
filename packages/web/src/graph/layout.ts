/**
 * Strata's layered layout (no elkjs/dagre: they take seconds at 2,000 nodes). Steps, all
 * O((N + E) log N) per pass:
 *  1. longest-path layering (Kahn's topological order; a cycle, which a valid graph never has,
 *     is broken by placing what is left after everything else);
 *  2. crossing reduction: barycentric ordering within each layer, alternating downward and upward
 *     sweeps, at most `sweeps` of them (stops early when an ordering repeats);
 *  3. coordinates: x by layer; y in horizontal bands, one per asset group (the group clusters,
 *     which never overlap), each node pulled towards the mean of its upstream neighbours, then
 *     packed without overlap inside its band.
 * Long edges get no dummy nodes: they are drawn as curves across layers.
 */
export interface LayoutInput {
  nodes: { key: string; group: string }[];
  edges: [number, number][];
  sweeps?: number;
}

export interface GroupBox {
  name: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  count: number;
}

export interface LayoutResult {
  x: Float64Array;
  y: Float64Array;
  layer: Int32Array;
  layers: number;
  /** Node indexes of each layer sorted by y (for hit testing and culling). */
  byLayer: Int32Array[];
  groups: GroupBox[];
  width: number;
  height: number;
  ms: number;
}

export const NODE_W = 220;
export const NODE_H = 46;
export const GAP_X = 110;
export const COL = NODE_W + GAP_X;
export const ROW = NODE_H + 14;
const BAND_PAD_TOP = 34;
const BAND_PAD_BOTTOM = 16;
const BAND_GAP = 28;

export function layout(input: LayoutInput): LayoutResult {
  const t0 = performance.now();
  const n = input.nodes.length;
  const sweeps = input.sweeps ?? 6;
  const { edges } = input;

  // CSR adjacency, both directions.
  const outDeg = new Int32Array(n), inDeg = new Int32Array(n);
  for (const [a, b] of edges) {
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) continue;
    outDeg[a]!++;
    inDeg[b]!++;
  }
  const outStart = new Int32Array(n + 1), inStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    outStart[i + 1] = outStart[i]! + outDeg[i]!;
    inStart[i + 1] = inStart[i]! + inDeg[i]!;
  }
  const outAdj = new Int32Array(outStart[n]!), inAdj = new Int32Array(inStart[n]!);
  const oFill = outStart.slice(0, n), iFill = inStart.slice(0, n);
  for (const [a, b] of edges) {
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) continue;
    outAdj[oFill[a]!++] = b;
    inAdj[iFill[b]!++] = a;
  }

  // 1. Longest-path layering.
  const layer = new Int32Array(n);
  const remaining = inDeg.slice();
  const queue = new Int32Array(n);
  let qh = 0, qt = 0;
  for (let i = 0; i < n; i++) if (remaining[i] === 0) queue[qt++] = i;
  const done = new Uint8Array(n);
  const drain = () => {
    while (qh < qt) {
      const v = queue[qh++]!;
      done[v] = 1;
      for (let k = outStart[v]!; k < outStart[v + 1]!; k++) {
        const w = outAdj[k]!;
        if (layer[v]! + 1 > layer[w]!) layer[w] = layer[v]! + 1;
        if (--remaining[w]! === 0) queue[qt++] = w;
      }
    }
  };
  drain();
  for (let i = 0; i < n && qt < n; i++) {
    if (done[i] || remaining[i] === 0) continue;
    remaining[i] = 0; // cycle: break it here
    queue[qt++] = i;
    drain();
  }
  let layers = 0;
  for (let i = 0; i < n; i++) if (layer[i]! + 1 > layers) layers = layer[i]! + 1;

  // Groups, ordered by their first layer then name.
  const groupIndex = new Map<string, number>();
  const groupNames: string[] = [];
  const gOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = input.nodes[i]!.group;
    let gi = groupIndex.get(g);
    if (gi === undefined) {
      gi = groupNames.length;
      groupIndex.set(g, gi);
      groupNames.push(g);
    }
    gOf[i] = gi;
  }
  const G = groupNames.length;
  const gMinLayer = new Int32Array(G).fill(1 << 30), gMaxLayer = new Int32Array(G).fill(-1), gCount = new Int32Array(G);
  for (let i = 0; i < n; i++) {
    const g = gOf[i]!;
    gCount[g]!++;
    if (layer[i]! < gMinLayer[g]!) gMinLayer[g] = layer[i]!;
    if (layer[i]! > gMaxLayer[g]!) gMaxLayer[g] = layer[i]!;
  }
  const gOrder = Array.from({ length: G }, (_, g) => g).sort(
    (a, b) => gMinLayer[a]! - gMinLayer[b]! || groupNames[a]!.localeCompare(groupNames[b]!),
  );
  const gRank = new Int32Array(G);
  gOrder.forEach((g, r) => (gRank[g] = r));

  // Initial order in each layer: group rank, then key.
  const perLayer: number[][] = Array.from({ length: layers }, () => []);
  for (let i = 0; i < n; i++) perLayer[layer[i]!]!.push(i);
  const keys = input.nodes.map((nd) => nd.key);
  for (const L of perLayer) L.sort((a, b) => gRank[gOf[a]!]! - gRank[gOf[b]!]! || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const pos = new Float64Array(n);
  const setPos = () => {
    for (const L of perLayer) for (let i = 0; i < L.length; i++) pos[L[i]!] = i;
  };
  setPos();

  // 2. Barycentric sweeps (groups stay contiguous: sort key is group rank first).
  const bary = new Float64Array(n);
  const orderSig = () => {
    let h = 0;
    for (const L of perLayer) for (let i = 0; i < L.length; i++) h = (Math.imul(h, 31) + L[i]! * (i + 7)) | 0;
    return h;
  };
  let lastSig = orderSig();
  for (let s = 0; s < sweeps; s++) {
    const down = s % 2 === 0;
    const start = down ? 1 : layers - 2, end = down ? layers : -1, step = down ? 1 : -1;
    for (let l = start; l !== end; l += step) {
      const L = perLayer[l]!;
      for (const v of L) {
        const [st, en, adj] = down ? [inStart[v]!, inStart[v + 1]!, inAdj] : [outStart[v]!, outStart[v + 1]!, outAdj];
        if (en === st) {
          bary[v] = pos[v]!;
          continue;
        }
        let sum = 0;
        for (let k = st; k < en; k++) sum += pos[adj[k]!]!;
        bary[v] = sum / (en - st);
      }
      L.sort((a, b) => gRank[gOf[a]!]! - gRank[gOf[b]!]! || bary[a]! - bary[b]!);
      for (let i = 0; i < L.length; i++) pos[L[i]!] = i;
    }
    const sig = orderSig();
    if (sig === lastSig && s > 0) break;
    lastSig = sig;
  }

  // 3. Coordinates. Band height of a group = its largest bucket in any layer.
  const bucket = new Int32Array(G * Math.max(layers, 1));
  for (let i = 0; i < n; i++) bucket[gOf[i]! * layers + layer[i]!]!++;
  const bandTop = new Float64Array(G), bandH = new Float64Array(G);
  let yCursor = 0;
  for (const g of gOrder) {
    let mx = 0;
    for (let l = 0; l < layers; l++) mx = Math.max(mx, bucket[g * layers + l]!);
    bandTop[g] = yCursor;
    bandH[g] = BAND_PAD_TOP + mx * ROW + BAND_PAD_BOTTOM - (ROW - NODE_H);
    yCursor += bandH[g]! + BAND_GAP;
  }
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let l = 0; l < layers; l++) {
    const L = perLayer[l]!;
    let i = 0;
    while (i < L.length) {
      const g = gOf[L[i]!]!;
      let j = i;
      while (j < L.length && gOf[L[j]!] === g) j++;
      const top = bandTop[g]! + BAND_PAD_TOP;
      const bottom = bandTop[g]! + bandH[g]! - BAND_PAD_BOTTOM - NODE_H;
      // desired positions: mean of upstream centres inside the band, else packed slot
      for (let k = i; k < j; k++) {
        const v = L[k]!;
        const st = inStart[v]!, en = inStart[v + 1]!;
        let want = top + (k - i) * ROW;
        if (en > st && l > 0) {
          let sum = 0, c = 0;
          for (let e = st; e < en; e++) {
            const u = inAdj[e]!;
            if (gOf[u] === g) {
              sum += y[u]!;
              c++;
            }
          }
          if (c > 0) want = sum / c;
        }
        y[v] = want;
      }
      // forward: no overlap, not above the top; backward: not below the bottom
      let prev = -Infinity;
      for (let k = i; k < j; k++) {
        const v = L[k]!;
        const yy = Math.max(y[v]!, top, prev + ROW);
        y[v] = yy;
        prev = yy;
      }
      let next = Infinity;
      for (let k = j - 1; k >= i; k--) {
        const v = L[k]!;
        const yy = Math.min(y[v]!, bottom, next - ROW);
        y[v] = yy;
        next = yy;
      }
      for (let k = i; k < j; k++) x[L[k]!] = l * COL;
      i = j;
    }
  }
  const byLayer = perLayer.map((L) => Int32Array.from(L));
  const groups: GroupBox[] = gOrder.map((g) => ({
    name: groupNames[g]!,
    x0: gMinLayer[g]! * COL - 20,
    x1: gMaxLayer[g]! * COL + NODE_W + 20,
    y0: bandTop[g]!,
    y1: bandTop[g]! + bandH[g]!,
    count: gCount[g]!,
  }));
  return {
    x,
    y,
    layer,
    layers,
    byLayer,
    groups,
    width: Math.max(0, layers * COL - GAP_X),
    height: Math.max(0, yCursor - BAND_GAP),
    ms: performance.now() - t0,
  };
}

/** Number of edge crossings between adjacent layers (for tests and tuning; O(E²) per layer pair worst case). */
export function countCrossings(r: LayoutResult, edges: [number, number][]): number {
  const byPair = new Map<number, [number, number][]>();
  for (const [a, b] of edges) {
    if (r.layer[b]! - r.layer[a]! !== 1) continue;
    const k = r.layer[a]!;
    let list = byPair.get(k);
    if (!list) byPair.set(k, (list = []));
    list.push([r.y[a]!, r.y[b]!]);
  }
  let c = 0;
  for (const list of byPair.values())
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const [a1, b1] = list[i]!, [a2, b2] = list[j]!;
        if ((a1 - a2) * (b1 - b2) < 0) c++;
      }
  return c;
}
