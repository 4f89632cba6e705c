import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { enc, getJson, postJson, type LocationsResponse, type OverviewResponse } from "../lib/api.ts";
import { duration, timeAgo } from "../lib/format.ts";
import { Badge, Card, Empty, ErrorBanner, Loading } from "../components/ui.tsx";

/** Daemon heartbeats as the overview reports them (opaque JSON until the daemon defines it). */
export function Heartbeats({ daemon }: { daemon: unknown }) {
  if (daemon === null || daemon === undefined)
    return <span className="muted">Not running. Start <code>strata daemon</code> (or <code>strata dev</code>) for schedules, sensors and automation.</span>;
  if (typeof daemon === "object") {
    const entries = Object.entries(daemon as Record<string, unknown>);
    return (
      <ul className="list-plain" data-testid="heartbeats">
        {entries.map(([k, v]) => {
          const ts = typeof v === "number" ? v : typeof v === "object" && v && "timestamp" in v ? Number((v as { timestamp: unknown }).timestamp) : undefined;
          const fresh = ts !== undefined && Date.now() - ts < 120_000;
          return <li key={k}><Badge tone={fresh ? "ok" : "warn"}>{fresh ? "healthy" : "late"}</Badge>{k}<span className="muted small">{ts !== undefined ? timeAgo(ts) : JSON.stringify(v)}</span></li>;
        })}
      </ul>
    );
  }
  return <code>{JSON.stringify(daemon)}</code>;
}

export function DeploymentPage() {
  const client = useQueryClient();
  const locs = useQuery({ queryKey: ["locations"], queryFn: ({ signal }) => getJson<LocationsResponse>("/api/locations", signal), refetchInterval: 10_000 });
  const ov = useQuery({ queryKey: ["overview"], queryFn: ({ signal }) => getJson<OverviewResponse>("/api/overview", signal) });
  const reload = useMutation({ mutationFn: (name: string) => postJson(`/api/locations/${enc(name)}/reload`), onSettled: () => void client.invalidateQueries() });
  return (
    <div className="page" data-testid="deployment">
      <div className="page-head"><h1>Deployment</h1></div>
      <ErrorBanner error={locs.error ?? reload.error} />
      {!locs.data ? <Loading /> : locs.data.locations.map((l) => (
        <Card key={l.name} title={<span className="row">{l.name}<Badge tone={l.status === "loaded" ? "ok" : l.status === "error" ? "err" : "run"}>{l.status}</Badge></span>} actions={<button className="btn" onClick={() => reload.mutate(l.name)} disabled={reload.isPending} data-testid="reload">{reload.isPending ? "Reloading…" : "Reload"}</button>}>
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
      <Card title="Daemon">{ov.data ? <Heartbeats daemon={ov.data.daemon} /> : <Loading />}</Card>
      <Card title="Concurrency pools"><p className="muted small" style={{ margin: 0 }}>Not available: the API does not report concurrency pools yet.</p></Card>
    </div>
  );
}

export function AutomationPage({ kind }: { kind: "Schedules" | "Sensors" | "Automation" }) {
  return (
    <div className="page">
      <div className="page-head"><h1>{kind}</h1></div>
      <div className="card">
        <Empty title={`No ${kind.toLowerCase()} to show`} icon="⏱">
          Automation runs under <code>strata daemon</code>; start it to see schedules and sensors here.
        </Empty>
      </div>
    </div>
  );
}
