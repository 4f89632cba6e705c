import { useCallback, useEffect, useImperativeHandle, useRef, useState, type Ref } from "react";
import type { GraphResponse } from "../lib/api.ts";
import { perf } from "../lib/perf.ts";
import { COL, NODE_H, NODE_W, type LayoutResult } from "./layout.ts";

type GNode = GraphResponse["nodes"][number];

export interface GraphHandle {
  focus(index: number): void;
  fit(): void;
}

interface View {
  tx: number;
  ty: number;
  k: number;
}

const STATUS_VAR: Record<GNode["status"], string> = {
  materialized: "--ok",
  stale: "--stale",
  failed: "--err",
  in_progress: "--run",
  missing: "--muted",
};

function readColors() {
  const cs = getComputedStyle(document.documentElement);
  const v = (n: string) => cs.getPropertyValue(n).trim() || "#888";
  return {
    bg: v("--surface"),
    node: v("--surface"),
    nodeBorder: v("--border-strong"),
    text: v("--text"),
    text3: v("--text-3"),
    edge: v("--border-strong"),
    accent: v("--accent"),
    group: v("--surface-2"),
    groupBorder: v("--border"),
    status: Object.fromEntries(Object.entries(STATUS_VAR).map(([k, n]) => [k, v(n)])) as Record<GNode["status"], string>,
    checkErr: v("--err"),
    checkWarn: v("--warn"),
  };
}

/**
 * The lineage canvas: draws only what is in view (binary search per layer), with level of detail
 * (labels and curves only when zoomed in enough), and highlights the upstream/downstream of the
 * hovered or selected node.
 */
export function GraphCanvas({
  graph,
  lay,
  selected,
  matches,
  onSelect,
  onOpen,
  handle,
}: {
  graph: GraphResponse;
  lay: LayoutResult;
  selected: number | null;
  matches: Set<number> | null;
  onSelect: (i: number | null) => void;
  onOpen: (i: number) => void;
  handle: Ref<GraphHandle>;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const view = useRef<View>({ tx: 20, ty: 20, k: 1 });
  const [hover, setHover] = useState<number | null>(null);
  const [info, setInfo] = useState("");
  const frame = useRef(0);
  const firstDrawn = useRef(false);
  const colors = useRef<ReturnType<typeof readColors> | null>(null);

  // adjacency for highlight
  const adj = useRef<{ out: number[][]; inn: number[][] } | null>(null);
  if (!adj.current || adj.current.out.length !== graph.nodes.length) {
    const out: number[][] = graph.nodes.map(() => []), inn: number[][] = graph.nodes.map(() => []);
    for (const [a, b] of graph.edges) {
      out[a]?.push(b);
      inn[b]?.push(a);
    }
    adj.current = { out, inn };
  }
  const focusNode = hover ?? selected;
  const lit = useRef<Uint8Array | null>(null);
  lit.current = (() => {
    if (focusNode === null) return null;
    const m = new Uint8Array(graph.nodes.length);
    const walk = (start: number, dir: number[][], bit: number) => {
      const stack = [start];
      while (stack.length) {
        const v = stack.pop()!;
        for (const w of dir[v]!) if (!(m[w]! & bit)) { m[w] = m[w]! | bit; stack.push(w); }
      }
    };
    m[focusNode] = 3;
    walk(focusNode, adj.current.inn, 1);
    walk(focusNode, adj.current.out, 2);
    return m;
  })();

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = canvasRef.current;
    if (!canvas) return;
    const t0 = performance.now();
    const ctx = canvas.getContext("2d", { alpha: false })!;
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth, H = canvas.clientHeight;
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr);
      canvas.height = Math.round(H * dpr);
    }
    const c = (colors.current ??= readColors());
    const { tx, ty, k } = view.current;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = c.bg;
    ctx.fillRect(0, 0, W, H);
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * tx, dpr * ty);
    // world viewport
    const wx0 = -tx / k, wy0 = -ty / k, wx1 = (W - tx) / k, wy1 = (H - ty) / k;
    const L = lit.current;
    const { x, y, byLayer } = lay;

    // groups
    for (const g of lay.groups) {
      if (g.x1 < wx0 || g.x0 > wx1 || g.y1 < wy0 || g.y0 > wy1) continue;
      ctx.fillStyle = c.group;
      ctx.strokeStyle = c.groupBorder;
      ctx.lineWidth = 1 / k;
      ctx.fillRect(g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
      ctx.strokeRect(g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
      if (k > 0.12) {
        ctx.fillStyle = c.text3;
        ctx.font = `600 ${Math.max(13, 12 / k)}px system-ui, sans-serif`;
        ctx.fillText(`${g.name} · ${g.count}`, g.x0 + 10, g.y0 + Math.min(22, (g.y1 - g.y0) / 2 + 5));
      }
    }

    // edges (culled by bounding box), dimmed ones first, lit ones on top
    const curves = k > 0.25;
    const edgePath = (lits: boolean) => {
      ctx.beginPath();
      let any = false;
      for (const [a, b] of graph.edges) {
        const isLit = L !== null && (L[a]! & L[b]! & 3) !== 0;
        if (isLit !== lits) continue;
        const x1 = x[a]! + NODE_W, y1 = y[a]! + NODE_H / 2, x2 = x[b]!, y2 = y[b]! + NODE_H / 2;
        if (x2 < wx0 || x1 > wx1 || (y1 < wy0 && y2 < wy0) || (y1 > wy1 && y2 > wy1)) continue;
        ctx.moveTo(x1, y1);
        if (curves) {
          const dx = Math.min(COL / 2, (x2 - x1) / 2);
          ctx.bezierCurveTo(x1 + dx, y1, x2 - dx, y2, x2, y2);
        } else ctx.lineTo(x2, y2);
        any = true;
      }
      return any;
    };
    ctx.globalAlpha = L ? 0.25 : 0.9;
    ctx.strokeStyle = c.edge;
    ctx.lineWidth = Math.max(1, 1 / k) * (k < 0.25 ? 0.6 : 1);
    if (edgePath(false)) ctx.stroke();
    ctx.globalAlpha = 1;
    if (L) {
      ctx.strokeStyle = c.accent;
      ctx.lineWidth = Math.max(1.6, 1.6 / k);
      if (edgePath(true)) ctx.stroke();
    }

    // nodes: layers in view, binary search on y
    const l0 = Math.max(0, Math.floor((wx0 - NODE_W) / COL)), l1 = Math.min(lay.layers - 1, Math.floor(wx1 / COL));
    const detailed = k >= 0.42;
    let drawn = 0;
    ctx.font = "600 13px system-ui, sans-serif";
    for (let l = l0; l <= l1; l++) {
      const ids = byLayer[l]!;
      let lo = 0, hi = ids.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (y[ids[m]!]! + NODE_H < wy0) lo = m + 1;
        else hi = m;
      }
      for (let i = lo; i < ids.length; i++) {
        const v = ids[i]!;
        const nx = x[v]!, ny = y[v]!;
        if (ny > wy1) break;
        drawn++;
        const node = graph.nodes[v]!;
        const dim = (L !== null && L[v] === 0) || (matches !== null && !matches.has(v));
        ctx.globalAlpha = dim ? 0.28 : 1;
        const sc = c.status[node.status];
        if (!detailed) {
          ctx.fillStyle = sc;
          ctx.fillRect(nx, ny, NODE_W, NODE_H);
          if (v === selected || (matches?.has(v) ?? false)) {
            ctx.strokeStyle = c.accent;
            ctx.lineWidth = 3 / k;
            ctx.strokeRect(nx, ny, NODE_W, NODE_H);
          }
          continue;
        }
        ctx.fillStyle = c.node;
        ctx.beginPath();
        ctx.roundRect(nx, ny, NODE_W, NODE_H, 7);
        ctx.fill();
        ctx.lineWidth = v === selected ? 2.5 : v === hover ? 2 : 1;
        ctx.strokeStyle = v === selected || v === hover || (matches?.has(v) ?? false) ? c.accent : c.nodeBorder;
        ctx.stroke();
        ctx.fillStyle = sc;
        ctx.beginPath();
        ctx.roundRect(nx, ny, 6, NODE_H, [7, 0, 0, 7]);
        ctx.fill();
        if (k > 0.55) {
          const slash = node.key.lastIndexOf("/");
          const name = slash >= 0 ? node.key.slice(slash + 1) : node.key;
          ctx.fillStyle = c.text;
          ctx.font = "600 13px system-ui, sans-serif";
          ctx.fillText(clip(ctx, name, NODE_W - 28), nx + 14, ny + 19);
          ctx.fillStyle = c.text3;
          ctx.font = "11.5px system-ui, sans-serif";
          const sub = [slash >= 0 ? node.key.slice(0, slash) : "", node.kinds?.join(", ") ?? "", node.partitioned ? "partitioned" : ""].filter(Boolean).join(" · ");
          ctx.fillText(clip(ctx, sub || node.status.replace("_", " "), NODE_W - 28), nx + 14, ny + 36);
        }
        if (node.checks === "failed" || node.checks === "warning") {
          ctx.fillStyle = node.checks === "failed" ? c.checkErr : c.checkWarn;
          ctx.beginPath();
          ctx.arc(nx + NODE_W - 12, ny + 12, 4.5, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    }
    ctx.globalAlpha = 1;
    const ms = performance.now() - t0;
    const p = perf();
    p.frames.push(ms);
    if (p.frames.length > 2000) p.frames.splice(0, 1000);
    if (!firstDrawn.current) {
      firstDrawn.current = true;
      if (p.graph) {
        p.graph.firstDrawMs = ms;
        p.graph.drawnAt = performance.now();
      }
    }
    if (p.graph) p.graph.lastDrawMs = ms;
    setInfo(`${graph.nodes.length.toLocaleString()} assets · ${graph.edges.length.toLocaleString()} edges · ${drawn.toLocaleString()} drawn · zoom ${(k * 100).toFixed(0)}%`);
  }, [graph, lay, selected, hover, matches]);

  const schedule = useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  const fit = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const W = canvas.clientWidth, H = canvas.clientHeight;
    const k = Math.min(1.2, Math.max(0.02, Math.min((W - 40) / Math.max(lay.width, 1), (H - 40) / Math.max(lay.height, 1))));
    view.current = { k, tx: (W - lay.width * k) / 2, ty: Math.max(20, (H - lay.height * k) / 2) };
    schedule();
  }, [lay, schedule]);

  useImperativeHandle(handle, () => ({
    fit,
    focus(i: number) {
      const canvas = canvasRef.current;
      if (!canvas) return;
      const k = Math.max(view.current.k, 0.8);
      view.current = { k, tx: canvas.clientWidth / 2 - (lay.x[i]! + NODE_W / 2) * k, ty: canvas.clientHeight / 2 - (lay.y[i]! + NODE_H / 2) * k };
      schedule();
    },
  }), [fit, lay, schedule]);

  // first draw: fit (or focus the only selected node), synchronously after layout
  useEffect(() => {
    firstDrawn.current = false;
    fit();
    if (frame.current) cancelAnimationFrame(frame.current);
    draw();
  }, [lay]);

  useEffect(() => {
    schedule();
  }, [schedule]);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const ro = new ResizeObserver(() => schedule());
    ro.observe(canvas);
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    const retheme = () => {
      colors.current = null;
      schedule();
    };
    mq.addEventListener("change", retheme);
    const mo = new MutationObserver(retheme);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => {
      ro.disconnect();
      mq.removeEventListener("change", retheme);
      mo.disconnect();
    };
  }, [schedule]);

  const hit = useCallback(
    (clientX: number, clientY: number): number | null => {
      const canvas = canvasRef.current!;
      const r = canvas.getBoundingClientRect();
      const { tx, ty, k } = view.current;
      const wx = (clientX - r.left - tx) / k, wy = (clientY - r.top - ty) / k;
      const l = Math.floor(wx / COL);
      if (l < 0 || l >= lay.layers || wx - l * COL > NODE_W) return null;
      const ids = lay.byLayer[l]!;
      let lo = 0, hi = ids.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (lay.y[ids[m]!]! + NODE_H < wy) lo = m + 1;
        else hi = m;
      }
      const v = ids[lo];
      return v !== undefined && lay.y[v]! <= wy ? v : null;
    },
    [lay],
  );

  // wheel zoom (around the cursor) and drag pan
  useEffect(() => {
    const canvas = canvasRef.current!;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      const mx = e.clientX - r.left, my = e.clientY - r.top;
      const v = view.current;
      if (e.shiftKey) {
        v.tx -= e.deltaY;
        v.ty -= e.deltaX;
      } else {
        const k = Math.min(3, Math.max(0.01, v.k * Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0018))));
        v.tx = mx - ((mx - v.tx) * k) / v.k;
        v.ty = my - ((my - v.ty) * k) / v.k;
        v.k = k;
      }
      schedule();
    };
    canvas.addEventListener("wheel", onWheel, { passive: false });
    return () => canvas.removeEventListener("wheel", onWheel);
  }, [schedule]);

  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  return (
    <>
      <canvas
        ref={canvasRef}
        tabIndex={0}
        role="img"
        aria-label={`Lineage graph of ${graph.nodes.length} assets. Arrow keys pan, + and - zoom, 0 fits, Enter opens the selected asset.`}
        data-testid="graph-canvas"
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, moved: false };
          e.currentTarget.setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) {
            const dx = e.clientX - d.x, dy = e.clientY - d.y;
            if (d.moved || Math.abs(dx) + Math.abs(dy) > 3) {
              d.moved = true;
              e.currentTarget.classList.add("dragging");
              view.current.tx += dx;
              view.current.ty += dy;
              d.x = e.clientX;
              d.y = e.clientY;
              schedule();
            }
            return;
          }
          const h = hit(e.clientX, e.clientY);
          if (h !== hover) setHover(h);
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = null;
          e.currentTarget.classList.remove("dragging");
          if (d && !d.moved) onSelect(hit(e.clientX, e.clientY));
        }}
        onPointerLeave={() => setHover(null)}
        onDoubleClick={(e) => {
          const h = hit(e.clientX, e.clientY);
          if (h !== null) onOpen(h);
        }}
        onKeyDown={(e) => {
          const v = view.current;
          const step = 80;
          if (e.key === "ArrowLeft") v.tx += step;
          else if (e.key === "ArrowRight") v.tx -= step;
          else if (e.key === "ArrowUp") v.ty += step;
          else if (e.key === "ArrowDown") v.ty -= step;
          else if (e.key === "+" || e.key === "=" || e.key === "-") {
            const canvas = canvasRef.current!;
            const f = e.key === "-" ? 1 / 1.25 : 1.25;
            const cx = canvas.clientWidth / 2, cy = canvas.clientHeight / 2;
            const k = Math.min(3, Math.max(0.01, v.k * f));
            v.tx = cx - ((cx - v.tx) * k) / v.k;
            v.ty = cy - ((cy - v.ty) * k) / v.k;
            v.k = k;
          } else if (e.key === "0") fit();
          else if (e.key === "Enter" && selected !== null) onOpen(selected);
          else if (e.key === "Escape") onSelect(null);
          else return;
          e.preventDefault();
          schedule();
        }}
      />
      <div className="graph-info" data-testid="graph-info">{info}</div>
    </>
  );
}

function clip(ctx: CanvasRenderingContext2D, s: string, max: number): string {
  if (ctx.measureText(s).width <= max) return s;
  let lo = 0, hi = s.length;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (ctx.measureText(s.slice(0, m) + "…").width <= max) lo = m;
    else hi = m - 1;
  }
  return s.slice(0, lo) + "…";
}
