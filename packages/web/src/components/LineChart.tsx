import { useMemo, useState } from "react";
import { dateTime, num } from "../lib/format.ts";

/** A small SVG line chart of (time, value) points, for numeric metadata over materialisations. */
export function LineChart({ points, label }: { points: { t: number; v: number }[]; label: string }) {
  const [hover, setHover] = useState<number | null>(null);
  const W = 640, H = 180, L = 48, R = 12, T = 10, B = 24;
  const geo = useMemo(() => {
    const pts = [...points].sort((a, b) => a.t - b.t);
    let t0 = Infinity, t1 = -Infinity, v0 = Infinity, v1 = -Infinity;
    for (const p of pts) {
      if (p.t < t0) t0 = p.t;
      if (p.t > t1) t1 = p.t;
      if (p.v < v0) v0 = p.v;
      if (p.v > v1) v1 = p.v;
    }
    if (t0 === t1) { t0 -= 1; t1 += 1; }
    if (v0 === v1) { v0 -= Math.abs(v0) * 0.1 || 1; v1 += Math.abs(v1) * 0.1 || 1; }
    const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (v: number) => T + (1 - (v - v0) / (v1 - v0)) * (H - T - B);
    // Down-sample to at most ~2 points per pixel column for long histories.
    const step = Math.max(1, Math.floor(pts.length / ((W - L - R) * 2)));
    const shown = pts.filter((_, i) => i % step === 0 || i === pts.length - 1);
    const d = shown.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
    const area = shown.length ? `${d}L${x(shown.at(-1)!.t).toFixed(1)},${H - B}L${x(shown[0]!.t).toFixed(1)},${H - B}Z` : "";
    const ticks = [0, 0.5, 1].map((f) => v0 + f * (v1 - v0));
    return { pts: shown, x, y, d, area, ticks, t0, t1 };
  }, [points, L, R, T, B]);
  if (points.length === 0) return null;
  const hp = hover === null ? undefined : geo.pts[hover];
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${label} over time, ${points.length} points`}
      data-testid="metadata-chart"
      onMouseLeave={() => setHover(null)}
      onMouseMove={(e) => {
        const r = e.currentTarget.getBoundingClientRect();
        const px = ((e.clientX - r.left) / r.width) * W;
        let best = 0, bd = Infinity;
        geo.pts.forEach((p, i) => {
          const dd = Math.abs(geo.x(p.t) - px);
          if (dd < bd) { bd = dd; best = i; }
        });
        setHover(best);
      }}
    >
      {geo.ticks.map((v, i) => (
        <g key={i}>
          <line className="grid-line" x1={L} x2={W - R} y1={geo.y(v)} y2={geo.y(v)} />
          <text x={L - 6} y={geo.y(v) + 3} textAnchor="end">{num(v)}</text>
        </g>
      ))}
      <text x={L} y={H - 6}>{new Date(geo.t0).toLocaleDateString()}</text>
      <text x={W - R} y={H - 6} textAnchor="end">{new Date(geo.t1).toLocaleDateString()}</text>
      <path className="area" d={geo.area} />
      <path className="line" d={geo.d} vectorEffect="non-scaling-stroke" />
      {geo.pts.length <= 60 && geo.pts.map((p, i) => <circle key={i} className="pt" cx={geo.x(p.t)} cy={geo.y(p.v)} r={2.5} />)}
      {hp ? (
        <g>
          <line className="axis" x1={geo.x(hp.t)} x2={geo.x(hp.t)} y1={T} y2={H - B} />
          <circle className="pt" cx={geo.x(hp.t)} cy={geo.y(hp.v)} r={4} />
          <text x={Math.min(geo.x(hp.t) + 6, W - 150)} y={T + 12}>{`${num(hp.v)} · ${dateTime(hp.t)}`}</text>
        </g>
      ) : null}
    </svg>
  );
}
