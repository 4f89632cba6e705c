import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { enc, getJson, postJson, type DaemonResponse, type LocationsResponse } from "../lib/api.ts";
import { duration, timeAgo } from "../lib/format.ts";
import { Badge, Card, ErrorBanner, Loading } from "../components/ui.tsx";
import { PoolsPanel } from "../components/PoolsPanel.tsx";

/** The daemon's loops from their heartbeats (`daemon/heartbeat/<loop>`, as `strata status` shows them). */
export function Heartbeats({ daemon, compact = false }: { daemon: DaemonResponse; compact?: boolean }) {
  const beating = daemon.loops.filter((l) => l.heartbeat);
  if (beating.length === 0)
    return <span className="muted" data-testid="heartbeats-none">Never ran here. <code>strata dev</code> runs it (or <code>strata daemon</code> next to <code>strata ui</code>) for schedules, sensors and automation.</span>;
  if (compact) {
    const bad = beating.filter((l) => !l.healthy);
    return (
      <span className="row" data-testid="heartbeats">
        <Badge tone={!daemon.running ? "err" : bad.length ? "warn" : "ok"}>{!daemon.running ? "not running" : bad.length ? `${bad.length} loop${bad.length > 1 ? "s" : ""} unhealthy` : "healthy"}</Badge>
        <span className="muted small">{daemon.running ? `${beating.length} loops` : "last heartbeat"} · {timeAgo(daemon.lastHeartbeatAt)}</span>
      </span>
    );
  }
  return (
    <table className="table" data-testid="heartbeats">
      <thead><tr><th>Loop</th><th>State</th><th>Heartbeat</th><th>Interval</th><th>Last tick took</th><th>Last error</th></tr></thead>
      <tbody>
        {daemon.loops.map((l) => {
          const h = l.heartbeat;
          return (
            <tr key={l.loop} data-testid="heartbeat-row" data-loop={l.loop}>
              <td className="mono">{l.loop}</td>
              <td>{!h ? <span className="muted">—</span> : <Badge tone={l.healthy ? "ok" : h.lastError ? "err" : "warn"}>{l.healthy ? "ok" : h.lastError ? "error" : "stale"}</Badge>}</td>
              <td className="small" title={h ? new Date(h.at).toLocaleString() : undefined}>{h ? `${timeAgo(h.at)} · pid ${h.pid}` : ""}</td>
              <td className="small">{h ? duration(h.intervalMs) : ""}</td>
              <td className="small">{h?.lastDurationMs !== undefined ? duration(h.lastDurationMs) : ""}</td>
              <td className="small" style={{ color: "var(--err)" }}>{h?.lastError ?? ""}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function DeploymentPage() {
  const client = useQueryClient();
  const locs = useQuery({ queryKey: ["locations"], queryFn: ({ signal }) => getJson<LocationsResponse>("/api/locations", signal), refetchInterval: 10_000 });
  const daemon = useQuery({ queryKey: ["daemon"], queryFn: ({ signal }) => getJson<DaemonResponse>("/api/daemon", signal), refetchInterval: 5000 });
  const reload = useMutation({ mutationFn: (name: string) => postJson(`/api/locations/${enc(name)}/reload`), onSettled: () => void client.invalidateQueries() });
  return (
    <div className="page" data-testid="deployment">
      <div className="page-head"><h1>Deployment</h1></div>
      <ErrorBanner error={locs.error ?? reload.error} />
      {!locs.data ? <Loading /> : locs.data.locations.map((l) => (
        <Card key={l.name} title={<span className="row">{l.name}<Badge tone={l.status === "loaded" ? "ok" : l.status === "error" ? "err" : "run"}>{l.status}</Badge></span>} actions={<button className="btn" onClick={() => reload.mutate(l.name)} disabled={reload.isPending && reload.variables === l.name} data-testid="reload">{reload.isPending && reload.variables === l.name ? "Reloading…" : "Reload"}</button>}>
          {l.error ? <div className="banner err" style={{ marginBottom: 12 }}><strong>{l.error.message}</strong>{l.error.where ? <div className="mono small">{l.error.where}</div> : null}{l.error.hint ? <div className="small">{l.error.hint}</div> : null}</div> : null}
          <dl className="kv">
            <dt>Root</dt><dd className="mono">{l.root}</dd>
            <dt>Entry</dt><dd className="mono">{l.entry}</dd>
            <dt>Version</dt><dd>{l.version}{l.watching ? " · watching for changes" : ""}</dd>
            <dt>Loaded</dt><dd>{timeAgo(l.loadedAt)}{l.loadMs ? ` in ${duration(l.loadMs)}` : ""}{l.pid ? ` · pid ${l.pid}` : ""}</dd>
            <dt>Definitions</dt><dd>{l.assetCount} assets, {l.checkCount} checks</dd>
            <dt>Active runs</dt><dd>{l.activeRuns.length}</dd>
          </dl>
          {l.resources.length ? (
            <table className="table" style={{ marginTop: 12 }}>
              <thead><tr><th>Resource</th><th>Config</th></tr></thead>
              <tbody>{l.resources.map((r) => (
                <tr key={r.name}><td className="mono">{r.name}{r.description ? <div className="muted small">{r.description}</div> : null}</td>
                  <td className="small">{r.fields.map((f) => <div key={f.name}><span className="mono">{f.name}</span>: {f.env ? <code>env {f.env}</code> : f.secret ? <span className="muted">secret</span> : <code>{JSON.stringify(f.value)}</code>}</div>)}</td></tr>
              ))}</tbody>
            </table>
          ) : null}
        </Card>
      ))}
      <Card title="Daemon" bodyClass={daemon.data?.loops.some((l) => l.heartbeat) ? "" : "card-body"}>{daemon.data ? <Heartbeats daemon={daemon.data} /> : <Loading />}</Card>
      <PoolsPanel />
    </div>
  );
}
