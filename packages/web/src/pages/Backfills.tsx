import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { enc, getJson, postJson, type BackfillDetailResponse, type BackfillsResponse, type BackfillSummary } from "../lib/api.ts";
import { dateTime, shortId, timeAgo } from "../lib/format.ts";
import { Link, runPath } from "../lib/router.tsx";
import { Badge, Card, Empty, ErrorBanner, Loading } from "../components/ui.tsx";

const TONE = { REQUESTED: "muted", IN_PROGRESS: "run", COMPLETED: "ok", FAILED: "err", CANCELING: "warn", CANCELED: "warn" } as const;
const CHUNK_COLOR: Record<string, string> = { PENDING: "var(--surface-3)", LAUNCHED: "var(--run)", SUCCESS: "var(--ok)", FAILED: "var(--err)", SKIPPED: "var(--muted)", CANCELED: "var(--warn)" };

function Progress({ b }: { b: BackfillSummary }) {
  return (
    <div className="pbar" style={{ height: 10, minWidth: 160 }} title={Object.entries(b.counts).map(([k, v]) => `${k}: ${v}`).join(", ")}>
      {Object.entries(b.counts).map(([k, v]) => (v ? <div key={k} style={{ flexGrow: v, background: CHUNK_COLOR[k] }} /> : null))}
    </div>
  );
}

export function BackfillsPage() {
  const q = useQuery({ queryKey: ["backfills"], queryFn: ({ signal }) => getJson<BackfillsResponse>("/api/backfills", signal), refetchInterval: 5000 });
  return (
    <div className="page">
      <div className="page-head"><h1>Backfills</h1></div>
      <ErrorBanner error={q.error} />
      <div className="card">
        {!q.data ? <Loading /> : q.data.backfills.length === 0 ? (
          <Empty title="No backfills yet" icon="⇶">Open a partitioned asset, press Materialize and pick "Range (backfill)", or run <code>strata backfill</code>.</Empty>
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
  return (
    <div className="page">
      <div className="crumbs"><Link to="/backfills">Backfills</Link><span>/</span><span className="mono">{id}</span></div>
      <div className="page-head">
        <h1>Backfill <span className="mono">{shortId(id)}</span></h1>
        <Badge tone={TONE[b.status]}>{b.status.toLowerCase().replace("_", " ")}</Badge>
        <span className="spacer" />
        {running ? <button className="btn danger" onClick={() => act.mutate("cancel")}>Cancel</button> : <button className="btn" onClick={() => act.mutate("resume")} disabled={b.status === "COMPLETED"}>Resume</button>}
      </div>
      <ErrorBanner error={act.error} />
      {b.error ? <div className="banner err">{b.error}</div> : null}
      <Card title="Progress">
        <dl className="kv">
          <dt>Selection</dt><dd className="mono">{b.selection}</dd>
          <dt>Partitions</dt><dd className="mono">{JSON.stringify(b.partitionSelection)}</dd>
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
      <Card title="Chunks" bodyClass="">
        <table className="table">
          <thead><tr><th>#</th><th>Status</th><th>Run</th><th>Partitions</th></tr></thead>
          <tbody>
            {chunks.map((c) => (
              <tr key={c.chunkId}>
                <td>{c.chunkId}</td><td>{c.status.toLowerCase()}</td>
                <td>{c.runId ? <Link to={runPath(c.runId)} className="mono">{shortId(c.runId)}</Link> : "—"}</td>
                <td className="mono small">{c.partitionKeys.length > 1 ? `${c.partitionKeys[0]} … ${c.partitionKeys.at(-1)} (${c.partitionKeys.length})` : c.partitionKeys[0]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
