import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { enc, getJson, postJson, type BackfillDetailResponse, type BackfillsResponse, type BackfillSummary } from "../lib/api.ts";
import { dateTime, shortId, timeAgo } from "../lib/format.ts";
import { Link, runPath } from "../lib/router.tsx";
import { Badge, Card, Empty, ErrorBanner, Loading } from "../components/ui.tsx";
import { VirtualList } from "../components/VirtualList.tsx";

const CHUNK_ROW = 34;

const TONE = { REQUESTED: "muted", IN_PROGRESS: "run", COMPLETED: "ok", FAILED: "err", CANCELING: "warn", CANCELED: "warn" } as const;
const CHUNK_COLOR: Record<string, string> = { PENDING: "var(--surface-3)", LAUNCHED: "var(--run)", SUCCESS: "var(--ok)", FAILED: "var(--err)", SKIPPED: "var(--muted)", CANCELED: "var(--warn)" };

function Progress({ b }: { b: BackfillSummary }) {
  return (
    <div className="pbar" style={{ height: 10, minWidth: 160 }} title={Object.entries(b.counts).map(([k, v]) => `${k}: ${v}`).join(", ")}>
      {Object.entries(b.counts).map(([k, v]) => (v ? <div key={k} style={{ flexGrow: v, background: CHUNK_COLOR[k] }} /> : null))}
    </div>
  );
}

/** `{ range: "A...B", missing: true }` → "A … B (missing only)"; falls back to the JSON for shapes it does not know. */
function describeSelection(sel: Record<string, unknown>): string {
  const only = [sel.missing ? "missing" : "", sel.failed ? "failed" : ""].filter(Boolean).join(" or ");
  const suffix = only ? ` (${only} only)` : "";
  if (typeof sel.range === "string") return sel.range.split(",").map((r) => r.replace("...", " … ")).join(", ") + suffix;
  if (Array.isArray(sel.keys)) return `${sel.keys.length <= 5 ? sel.keys.join(", ") : `${sel.keys.slice(0, 5).join(", ")} and ${sel.keys.length - 5} more`}${suffix}`;
  if (sel.all) return `all partitions${suffix}`;
  return JSON.stringify(sel);
}

export function BackfillsPage() {
  const q = useQuery({ queryKey: ["backfills"], queryFn: ({ signal }) => getJson<BackfillsResponse>("/api/backfills", signal), refetchInterval: 5000 });
  return (
    <div className="page">
      <div className="page-head"><h1>Backfills</h1></div>
      <ErrorBanner error={q.error} />
      <div className="card">
        {!q.data ? <Loading /> : q.data.backfills.length === 0 ? (
          <Empty title="No backfills yet" icon="⇶">Open a partitioned asset, press Materialize and pick a range of partitions, "All missing" or "All failed"; or run <code>strata backfill create</code>.</Empty>
        ) : (
          <table className="table">
            <thead><tr><th>Status</th><th>Backfill</th><th>Selection</th><th>Progress</th><th>Runs</th><th>Created</th></tr></thead>
            <tbody>
              {q.data.backfills.map((b) => (
                <tr key={b.backfillId}>
                  <td><Badge tone={TONE[b.status]}>{b.status.toLowerCase().replace("_", " ")}</Badge></td>
                  <td><Link to={`/backfills/${enc(b.backfillId)}`} className="mono">{shortId(b.backfillId)}</Link></td>
                  <td className="mono small">{b.selection}</td>
                  <td><Progress b={b} /></td>
                  <td className="num">{b.runs}</td>
                  <td className="muted small">{timeAgo(b.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

export function BackfillDetailPage({ id }: { id: string }) {
  const client = useQueryClient();
  const q = useQuery({ queryKey: ["backfills", id], queryFn: ({ signal }) => getJson<BackfillDetailResponse>(`/api/backfills/${enc(id)}`, signal), refetchInterval: 3000 });
  const act = useMutation({ mutationFn: (a: "cancel" | "resume") => postJson(`/api/backfills/${enc(id)}/${a}`), onSuccess: () => void client.invalidateQueries({ queryKey: ["backfills"] }) });
  if (q.error) return <div className="page"><ErrorBanner error={q.error} /></div>;
  if (!q.data) return <div className="page"><Loading /></div>;
  const { backfill: b, assets, chunks } = q.data;
  const running = b.status === "REQUESTED" || b.status === "IN_PROGRESS";
  const ordered = [...chunks].sort((x, y) => x.chunkId - y.chunkId);
  return (
    <div className="page" data-testid="backfill-detail">
      <div className="crumbs"><Link to="/backfills">Backfills</Link><span>/</span><span className="mono">{id}</span></div>
      <div className="page-head">
        <h1>Backfill <span className="mono">{shortId(id)}</span></h1>
        <span data-testid="backfill-status" data-status={b.status}><Badge tone={TONE[b.status]}>{b.status.toLowerCase().replace("_", " ")}</Badge></span>
        <span className="spacer" />
        {running ? <button className="btn danger" onClick={() => act.mutate("cancel")}>Cancel</button> : <button className="btn" onClick={() => act.mutate("resume")} disabled={b.status === "COMPLETED"}>Resume</button>}
      </div>
      <ErrorBanner error={act.error} />
      {b.error ? <div className="banner err">{b.error}</div> : null}
      <Card title="Progress">
        <dl className="kv">
          <dt>Selection</dt><dd className="mono">{b.selection}</dd>
          <dt>Partitions</dt><dd className="mono" data-testid="backfill-partitions">{describeSelection(b.partitionSelection)}</dd>
          <dt>Created</dt><dd>{dateTime(b.createdAt)}</dd>
          <dt>Runs</dt><dd>{Object.entries(b.counts).filter(([, v]) => v).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(" · ") || "none yet"}</dd>
        </dl>
        <div style={{ marginTop: 12 }}><Progress b={b} /></div>
      </Card>
      <Card title="Partitions by asset">
        {Object.entries(assets).map(([k, ranges]) => (
          <div key={k} className="stack" style={{ gap: 4, marginBottom: 10 }}>
            <span className="small mono">{k}</span>
            <div className="pbar" style={{ height: 14 }}>{ranges.map((r, i) => <div key={i} style={{ flexGrow: r.count, background: CHUNK_COLOR[r.status] }} title={`${r.start}…${r.end}: ${r.status}`} />)}</div>
          </div>
        ))}
      </Card>
      <Card title={`Chunks (${chunks.length.toLocaleString()})`} bodyClass="">
        <div className="vhead chunk-grid"><span>#</span><span>Status</span><span>Run</span><span>Partitions</span></div>
        {/* Virtualised: a backfill of 50,000 partitions can have as many chunks. */}
        <div style={{ height: Math.min(420, Math.max(1, chunks.length) * CHUNK_ROW + 2), display: "flex", flexDirection: "column" }}>
          <VirtualList
            count={ordered.length}
            rowHeight={CHUNK_ROW}
            label="Chunks"
            testId="backfill-chunks"
            renderRow={(i, style) => {
              const c = ordered[i]!;
              return (
                <div key={c.chunkId} className="vrow chunk-grid" style={style} role="listitem">
                  <span className="cell">{c.chunkId}</span>
                  <span className="cell">{c.status.toLowerCase()}</span>
                  <span className="cell">{c.runId ? <Link to={runPath(c.runId)} className="mono">{shortId(c.runId)}</Link> : "—"}</span>
                  <span className="cell mono small">{c.partitionKeys.length > 1 ? `${c.partitionKeys[0]} … ${c.partitionKeys.at(-1)} (${c.partitionKeys.length})` : c.partitionKeys[0]}</span>
                </div>
              );
            }}
          />
        </div>
      </Card>
    </div>
  );
}
