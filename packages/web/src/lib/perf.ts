/** Timings the benchmark and the browser tests read from the page (window.__strataPerf). */
export interface StrataPerf {
  graph?: { nodes: number; edges: number; layoutMs: number; firstDrawMs: number; requestedAt: number; drawnAt: number; lastDrawMs: number };
  frames: number[];
  catalogFilterMs?: number;
  catalogRows?: number;
  assetDetailPaintMs?: number;
}

declare global {
  interface Window {
    __strataPerf?: StrataPerf;
  }
}

export function perf(): StrataPerf {
  if (typeof window === "undefined") return { frames: [] };
  return (window.__strataPerf ??= { frames: [] });
}
