import { useInfiniteQuery } from "@tanstack/react-query";
import { getJson, qs, type RunsResponse, type RunStatus } from "../lib/api.ts";
import { duration, shortId, timeAgo } from "../lib/format.ts";
import { Link, runPath, setQueryParam, useLocation, assetPath } from "../lib/router.tsx";
import { Empty, ErrorBanner, Loading, RunStatusBadge } from "../components/ui.tsx";

const STATUSES: RunStatus[] = ["QUEUED", "STARTING", "STARTED", "SUCCESS", "FAILURE", "CANCELING", "CANCELED"];

export function RunsPage() {
  const { search } = useLocation();
  const status = search.get("status") ?? "";
  const asset = search.get("asset") ?? "";
  const tag = search.get("tag") ?? "";
  const q = useInfiniteQuery({
    queryKey: ["runs", status, asset, tag],
    queryFn: ({ pageParam, signal }) => getJson<RunsResponse>(`/api/runs${qs({ status, asset, tag, limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 10_000,
  });
  const runs = q.data?.pages.flatMap((p) => p.runs) ?? [];
  const filtered = Boolean(status || asset || tag);
  return (
    <div className="page" data-testid="runs">
      <div className="page-head"><h1>Runs</h1></div>
      <div className="toolbar">
        <select className="input" value={status} onChange={(e) => setQueryParam("status", e.target.value || undefined)} aria-label="Status">
          <option value="">Status: all</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s.toLowerCase()}</option>)}
        </select>
        <input className="input" defaultValue={asset} placeholder="Asset key" aria-label="Asset" onKeyDown={(e) => e.key === "Enter" && setQueryParam("asset", e.currentTarget.value.trim() || undefined)} onBlur={(e) => setQueryParam("asset", e.currentTarget.value.trim() || undefined)} />
        <input className="input" defaultValue={tag} placeholder="Tag key=value" aria-label="Tag" onKeyDown={(e) => e.key === "Enter" && setQueryParam("tag", e.currentTarget.value.trim() || undefined)} onBlur={(e) => setQueryParam("tag", e.currentTarget.value.trim() || undefined)} />
      </div>
      <ErrorBanner error={q.error} />
      <div className="card">
        {!q.data ? <Loading /> : runs.length === 0 ? (
          <Empty title={filtered ? "No run matches these filters" : "No runs yet"} icon="▷">
            {filtered ? "Clear the filters to see every run." : <>Launch one from an asset's page (Materialize), or run <code>strata materialize --select '*'</code>.</>}
          </Empty>
        ) : (
          <table className="table">
            <thead><tr><th>Status</th><th>Run</th><th>Assets</th><th>Partition</th><th>Tags</th><th>Created</th><th className="num">Duration</th></tr></thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.runId} data-testid="run-row">
                  <td><RunStatusBadge status={r.status} /></td>
                  <td><Link to={runPath(r.runId)} className="mono">{shortId(r.runId)}</Link>{r.parentRunId ? <div className="muted small">re-execution</div> : null}</td>
                  <td style={{ maxWidth: 340 }}>
                    <div className="cell">{r.assetKeys.slice(0, 3).map((k, i) => <span key={k}>{i ? ", " : ""}<Link to={assetPath(k)}>{k}</Link></span>)}{r.assetKeys.length > 3 ? ` +${r.assetKeys.length - 3}` : ""}</div>
                  </td>
                  <td className="mono small">{r.partitionKey ?? "—"}</td>
                  <td className="small">{Object.entries(r.tags).filter(([k]) => !k.startsWith("strata/")).slice(0, 3).map(([k, v]) => <span key={k} className="chip" style={{ marginRight: 4 }}>{k}={v}</span>)}</td>
                  <td className="muted small">{timeAgo(r.createdAt)}</td>
                  <td className="num small">{duration(r.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {q.hasNextPage ? <div className="card-body"><button className="btn" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>Load older runs</button></div> : null}
      </div>
    </div>
  );
}
