import { Fragment, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  enc,
  getJson,
  postJson,
  type InstigatorActionResponse,
  type ScheduleView,
  type SchedulesResponse,
  type SensorView,
  type SensorsResponse,
  type TickStatusName,
  type TicksResponse,
  type TickView,
} from "../lib/api.ts";
import { dateTime, shortId, timeAgo } from "../lib/format.ts";
import { Link, runPath } from "../lib/router.tsx";
import { Badge, Card, Empty, ErrorBanner, Loading } from "../components/ui.tsx";

const TICK_TONE: Record<TickStatusName, "ok" | "err" | "muted" | "run"> = { SUCCESS: "ok", FAILURE: "err", SKIPPED: "muted", STARTED: "run" };

function timeUntil(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return "—";
  const s = Math.round((ms - now) / 1000);
  if (s <= 1) return "now";
  if (s < 60) return `in ${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `in ${m}m`;
  const h = Math.round(m / 60);
  return h < 48 ? `in ${h}h` : `in ${Math.round(h / 24)}d`;
}

const TickBadge = ({ t }: { t: TickView }) => <Badge tone={TICK_TONE[t.status]}>{t.status.toLowerCase()}</Badge>;

function TickHistory({ name }: { name: string }) {
  const q = useQuery({
    queryKey: ["ticks", name],
    queryFn: ({ signal }) => getJson<TicksResponse>(`/api/instigators/${enc(name)}/ticks?limit=50`, signal),
    refetchInterval: 5000,
  });
  if (q.error) return <ErrorBanner error={q.error} />;
  if (!q.data) return <Loading />;
  if (q.data.ticks.length === 0) return <p className="muted small" style={{ margin: 0 }}>No ticks yet. The daemon records one each time it evaluates {name}.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="tick-history">
        <thead><tr><th>Tick</th><th>Status</th><th>Scheduled for</th><th>Runs</th><th>Why</th></tr></thead>
        <tbody>
          {q.data.ticks.map((t) => (
            <tr key={t.tickId} data-testid="tick-row">
              <td className="small" title={dateTime(t.createdAt)}>{timeAgo(t.createdAt)}</td>
              <td><TickBadge t={t} /></td>
              <td className="small">{t.scheduledAt ? dateTime(t.scheduledAt) : "—"}</td>
              <td className="small">{t.runIds.length ? t.runIds.map((id) => <Link key={id} to={runPath(id)} className="mono" style={{ marginRight: 6 }}>{shortId(id)}</Link>) : "—"}</td>
              <td className="small">{t.error ? <span style={{ color: "var(--err)" }}>{t.error}</span> : (t.skipReason ?? "")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Row = ScheduleView | SensorView;

function InstigatorTable({ kind, rows }: { kind: "schedules" | "sensors"; rows: Row[] }) {
  const client = useQueryClient();
  const [open, setOpen] = useState<string | undefined>();
  const act = useMutation({
    mutationFn: ({ name, verb }: { name: string; verb: "start" | "stop" }) => postJson<InstigatorActionResponse>(`/api/${kind}/${enc(name)}/${verb}`),
    onSettled: () => void client.invalidateQueries({ queryKey: [kind] }),
  });
  return (
    <>
      <ErrorBanner error={act.error} />
      <table className="table" data-testid={`${kind}-table`}>
        <thead><tr><th /><th>Name</th><th>Status</th><th>{kind === "schedules" ? "Cron" : "Interval"}</th><th>Next tick</th><th>Last tick</th><th>Targets</th><th /></tr></thead>
        <tbody>
          {rows.map((r) => {
            const running = r.status === "RUNNING";
            const pending = act.isPending && act.variables?.name === r.name;
            const expanded = open === r.name;
            return (
              <Fragment key={r.name}>
                <tr data-testid="instigator-row" data-name={r.name} data-status={r.status}>
                  <td>
                    <button className="btn ghost sm" aria-expanded={expanded} aria-label={`Tick history of ${r.name}`} onClick={() => setOpen(expanded ? undefined : r.name)} data-testid="toggle-ticks">
                      {expanded ? "▾" : "▸"}
                    </button>
                  </td>
                  <td>
                    <span className="mono">{r.name}</span>
                    {r.description ? <div className="muted small">{r.description}</div> : null}
                    {r.where ? <div className="muted small mono">{r.where}</div> : null}
                  </td>
                  <td><Badge tone={running ? "ok" : "muted"}>{running ? "running" : "stopped"}</Badge></td>
                  <td className="small">
                    {r.kind === "schedule" ? <><code>{r.cron}</code> <span className="muted">{r.timezone}</span></> : <>every {r.intervalSeconds}s <span className="muted">({r.type})</span></>}
                  </td>
                  <td className="small" title={r.nextTickAt ? dateTime(r.nextTickAt) : undefined} data-testid="next-tick">{running ? timeUntil(r.nextTickAt) : <span className="muted">stopped</span>}</td>
                  <td className="small">{r.lastTick ? <span className="row"><TickBadge t={r.lastTick} /><span className="muted">{timeAgo(r.lastTick.createdAt)}</span></span> : <span className="muted">no tick yet</span>}</td>
                  <td className="small mono">{(r.kind === "schedule" ? r.assetKeys : r.targetAssetKeys).slice(0, 3).join(", ")}{(r.kind === "schedule" ? r.assetKeys : r.targetAssetKeys).length > 3 ? " …" : ""}</td>
                  <td>
                    <button
                      className={`btn sm${running ? " danger" : " primary"}`}
                      disabled={pending}
                      onClick={() => act.mutate({ name: r.name, verb: running ? "stop" : "start" })}
                      data-testid={running ? "stop-instigator" : "start-instigator"}
                    >
                      {pending ? "…" : running ? "Stop" : "Start"}
                    </button>
                  </td>
                </tr>
                {expanded ? (
                  <tr>
                    <td colSpan={8} style={{ background: "var(--surface-2)" }}><TickHistory name={r.name} /></td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function DaemonNotice({ running }: { running: boolean | undefined }) {
  if (running !== false) return null;
  return (
    <div className="banner warn" data-testid="daemon-not-running">
      No daemon is running against this instance, so nothing ticks. Run <code>strata dev</code> (or <code>strata daemon</code> next to <code>strata ui</code>).
    </div>
  );
}

/** Schedules and sensors: status, next tick, last tick, tick history, start/stop. */
export function AutomationPage({ kind }: { kind: "Schedules" | "Sensors" | "Automation" }) {
  const schedules = useQuery({ queryKey: ["schedules"], queryFn: ({ signal }) => getJson<SchedulesResponse>("/api/schedules", signal), refetchInterval: 5000, enabled: kind !== "Sensors" });
  const sensors = useQuery({ queryKey: ["sensors"], queryFn: ({ signal }) => getJson<SensorsResponse>("/api/sensors", signal), refetchInterval: 5000, enabled: kind !== "Schedules" });
  const daemonRunning = schedules.data?.daemonRunning ?? sensors.data?.daemonRunning;
  return (
    <div className="page" data-testid="automation">
      <div className="page-head"><h1>{kind}</h1></div>
      <DaemonNotice running={daemonRunning} />
      {kind !== "Sensors" ? (
        <Card title="Schedules" bodyClass="" testId="schedules">
          <ErrorBanner error={schedules.error} />
          {!schedules.data ? (schedules.error ? null : <Loading />) : schedules.data.schedules.length === 0 ? (
            <Empty title="No schedules" icon="⏱">Define one with <code>schedule({"{ name, cron, target }"})</code> and add it to <code>defineDefinitions({"{ schedules }"})</code>.</Empty>
          ) : <InstigatorTable kind="schedules" rows={schedules.data.schedules} />}
        </Card>
      ) : null}
      {kind !== "Schedules" ? (
        <Card title="Sensors" bodyClass="" testId="sensors">
          <ErrorBanner error={sensors.error} />
          {!sensors.data ? (sensors.error ? null : <Loading />) : sensors.data.sensors.length === 0 ? (
            <Empty title="No sensors" icon="◎">Define one with <code>sensor({"{ name, intervalSeconds, target }"}, fn)</code> and add it to <code>defineDefinitions({"{ sensors }"})</code>.</Empty>
          ) : <InstigatorTable kind="sensors" rows={sensors.data.sensors} />}
        </Card>
      ) : null}
    </div>
  );
}
