import { useQuery } from "@tanstack/react-query";
import { getJson, type AssetsResponse, type OverviewResponse, type AssetHealth } from "../lib/api.ts";
import { duration, timeAgo, shortId } from "../lib/format.ts";
import { Link, assetPath, runPath } from "../lib/router.tsx";
import { ASSET_LABEL, ASSET_TONE, Badge, Card, Empty, ErrorBanner, Loading, RunStatusBadge } from "../components/ui.tsx";
import { Heartbeats } from "./Deployment.tsx";

export function OverviewPage() {
  const q = useQuery({ queryKey: ["overview"], queryFn: ({ signal }) => getJson<OverviewResponse>("/api/overview", signal), refetchInterval: 15_000 });
  if (q.error) return <div className="page"><ErrorBanner error={q.error} /></div>;
  if (!q.data) return <div className="page"><Loading /></div>;
  const o = q.data;
  const order: AssetHealth[] = ["materialized", "stale", "failed", "in_progress", "missing"];
  return (
    <div className="page" data-testid="overview">
      <div className="page-head">
        <h1>Overview</h1>
        <span className="spacer" />
        <span className="muted small">
          {o.location.name} · {o.assets.total} assets · {o.runsInProgress} running · {o.activeBackfills} active backfills
        </span>
      </div>
      {o.location.status === "error" && o.location.error ? (
        <div className="banner err" role="alert">
          <strong>{o.location.name} failed to load: {o.location.error.message}</strong>
          {o.location.error.hint ? <div className="small">{o.location.error.hint}</div> : null}
          <div className="small">The UI keeps showing the last definitions that loaded. Fix the file and it reloads.</div>
        </div>
      ) : null}
      <div className="stats">
        <Link className="stat" to="/assets">
          <span className="n">{o.assets.total}</span>
          <span className="l">Assets</span>
        </Link>
        {order.map((s) => (
          <Link className="stat" key={s} to={`/assets?status=${s}`}>
            <span className="n">{o.assets.counts[s] ?? 0}</span>
            <span className="l">
              <span className={`dot s-${ASSET_TONE[s]}`} />
              {ASSET_LABEL[s]}
            </span>
          </Link>
        ))}
      </div>
      <div className="grid cols-2">
        <Card title="Failing checks" testId="failing-checks" bodyClass="">
          {o.failingChecks.length === 0 ? (
            <Empty title="All checks pass" icon="✓">Checks that fail show up here with the run that evaluated them.</Empty>
          ) : (
            <table className="table">
              <tbody>
                {o.failingChecks.map((c) => (
                  <tr key={c.checkKey}>
                    <td>
                      <Badge tone={c.severity === "ERROR" ? "err" : "warn"}>{c.severity}</Badge>
                    </td>
                    <td style={{ overflowWrap: "anywhere" }}>
                      <Link to={assetPath(c.assetKey)}>{c.checkKey}</Link>
                      {c.description ? <div className="muted small">{c.description}</div> : null}
                    </td>
                    <td className="muted small">{timeAgo(c.timestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Recent runs" actions={<Link to="/runs" className="small">All runs →</Link>} bodyClass="">
          {o.recentRuns.length === 0 ? (
            <Empty title="No runs yet" icon="▷">
              Materialise something: open the <Link to="/assets">catalog</Link> and press Materialize, or run <code>strata materialize --select '*'</code>.
            </Empty>
          ) : (
            <table className="table">
              <tbody>
                {o.recentRuns.slice(0, 8).map((r) => (
                  <tr key={r.runId}>
                    <td><RunStatusBadge status={r.status} /></td>
                    <td>
                      <Link to={runPath(r.runId)} className="mono">{shortId(r.runId)}</Link>
                      <div className="muted small cell" style={{ maxWidth: 260 }}>{r.selection || r.assetKeys.join(", ")}</div>
                    </td>
                    <td className="muted small">{timeAgo(r.createdAt)}</td>
                    <td className="muted small num">{duration(r.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Stale, failed and late assets" bodyClass="">
          <StaleList />
        </Card>
        <Card title="Code location and daemon" actions={<Link to="/deployment" className="small">Deployment →</Link>}>
          <dl className="kv">
            <dt>Location</dt>
            <dd className="row">
              <Badge tone={o.location.status === "loaded" ? "ok" : o.location.status === "error" ? "err" : "run"}>{o.location.status}</Badge>
              {o.location.name} · version {o.location.version}
            </dd>
            <dt>Loaded</dt>
            <dd>{timeAgo(o.location.loadedAt)} {o.location.loadMs ? `in ${duration(o.location.loadMs)}` : ""}</dd>
            <dt>Daemon</dt>
            <dd><Heartbeats daemon={o.daemon} compact /></dd>
          </dl>
        </Card>
      </div>
    </div>
  );
}

function StaleList() {
  const q = useQuery({ queryKey: ["assets", ""], queryFn: ({ signal }) => getJson<AssetsResponse>("/api/assets", signal) });
  const late = (a: AssetsResponse["assets"][number]) => a.freshness === "fail" || a.freshness === "warn";
  const rows = (q.data?.assets ?? []).filter((a) => a.status === "stale" || a.status === "failed" || late(a)).slice(0, 10);
  if (!q.data) return <Loading />;
  if (rows.length === 0) return <Empty title="Everything is up to date" icon="✓">Assets whose upstream changed since they were materialised, whose last run failed, or that are late for their freshness policy appear here.</Empty>;
  return (
    <table className="table">
      <tbody>
        {rows.map((a) => (
          <tr key={a.key}>
            <td>
              {a.status === "stale" || a.status === "failed" || !late(a) ? <Badge tone={ASSET_TONE[a.status]}>{ASSET_LABEL[a.status]}</Badge> : null}
              {late(a) ? <Badge tone={a.freshness === "fail" ? "err" : "warn"} title="Freshness policy">{a.freshness === "fail" ? "Late" : "Due soon"}</Badge> : null}
            </td>
            <td><Link to={assetPath(a.key)}>{a.key}</Link></td>
            <td className="muted small">{timeAgo(a.lastMaterialization?.timestamp)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
