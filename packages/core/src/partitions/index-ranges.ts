/**
 * Sorted, disjoint, non-adjacent inclusive ranges of ordinal indices: `[[0, 99], [120, 130]]`.
 * The compact form of a partition subset: 100,000 contiguous daily keys are one pair.
 *
 * @example
 * normalizeRanges([[5, 9], [0, 4], [20, 20]]); // [[0, 9], [20, 20]]
 */
export type IndexRange = readonly [start: number, end: number];

export function normalizeRanges(ranges: Iterable<IndexRange>): IndexRange[] {
  const sorted = [...ranges].filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Ranges from unsorted indices (duplicates allowed). */
export function rangesFromIndices(indices: Iterable<number>): IndexRange[] {
  const sorted = Int32Array.from(indices).sort();
  const out: [number, number][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i <= last[1] + 1) last[1] = Math.max(last[1], i);
    else out.push([i, i]);
  }
  return out;
}

export function rangesSize(ranges: readonly IndexRange[]): number {
  let n = 0;
  // Indexed, not destructured: called for every node of an automation tick, often in cold code.
  for (let i = 0; i < ranges.length; i++) n += ranges[i]![1] - ranges[i]![0] + 1;
  return n;
}

/** O(log n) membership. */
export function rangesContain(ranges: readonly IndexRange[], i: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const [a, b] = ranges[mid]!;
    if (i < a) hi = mid - 1;
    else if (i > b) lo = mid + 1;
    else return true;
  }
  return false;
}

export function unionRanges(x: readonly IndexRange[], y: readonly IndexRange[]): IndexRange[] {
  return normalizeRanges([...x, ...y]);
}

export function intersectRanges(x: readonly IndexRange[], y: readonly IndexRange[]): IndexRange[] {
  const out: IndexRange[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i]![0], y[j]![0]);
    const b = Math.min(x[i]![1], y[j]![1]);
    if (a <= b) out.push([a, b]);
    if (x[i]![1] < y[j]![1]) i++;
    else j++;
  }
  return out;
}

/** `x` minus `y`. */
export function subtractRanges(x: readonly IndexRange[], y: readonly IndexRange[]): IndexRange[] {
  const out: IndexRange[] = [];
  let j = 0;
  for (const [a0, b] of x) {
    let a = a0;
    while (j < y.length && y[j]![1] < a) j++;
    let k = j;
    while (k < y.length && y[k]![0] <= b) {
      if (y[k]![0] > a) out.push([a, y[k]![0] - 1]);
      a = Math.max(a, y[k]![1] + 1);
      k++;
    }
    if (a <= b) out.push([a, b]);
  }
  return out;
}
