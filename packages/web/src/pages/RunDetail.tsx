import { useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { enc, getJson, postJson, qs, streamUrl, type EventRecord, type LaunchResponse, type RunDetailResponse, type RunEventsResponse, type StepStatus } from "../lib/api.ts";
import { dateTime, duration, shortId, time } from "../lib/format.ts";
import { assetPath, Link, navigate, runPath } from "../lib/router.tsx";
import { Card, ErrorBanner, Loading, RunStatusBadge, Seg } from "../components/ui.tsx";
import { VirtualList } from "../components/VirtualList.tsx";

const STEP_COLOR: Record<StepStatus, string> = { running: "var(--run)", succeeded: "var(--ok)", failed: "var(--err)", skipped: "var(--muted)", retrying: "var(--warn)", pending: "var(--surface-3)" };
const FINISHED = new Set(["SUCCESS", "FAILURE", "CANCELED"]);

/** Loads the stored log in pages, then follows it live over SSE (no gap, no duplicate: `after` = last id). */
function useRunLog(runId: string) {
  const events = useRef<EventRecord[]>([]);
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<"loading" | "live" | "done">("loading");
  useEffect(() => {
    events.current = [];
    let closed = false;
    let es: EventSource | undefined;
    let after = 0;
    let pending = false;
    const bump = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; setVersion((v) => v + 1); });
    };
    void (async () => {
      for (;;) {
        const page = await getJson<RunEventsResponse>(`/api/runs/${enc(runId)}/events${qs({ after, limit: 10000 })}`);
        if (closed) return;
        events.current.push(...page.events);
        after = page.nextAfter;
        bump();
        if (!page.hasMore) {
          if (FINISHED.has(page.runStatus)) { setState("done"); return; }
          break;
        }
      }
      es = new EventSource(streamUrl({ runId, after }));
      setState("live");
      es.addEventListener("run_event", (e) => {
        const ev = JSON.parse((e as MessageEvent<string>).data) as EventRecord;
        const last = events.current.at(-1);
        if (last && ev.id <= last.id) return;
        events.current.push(ev);
        bump();
        if (ev.type === "RUN_SUCCESS" || ev.type === "RUN_FAILURE" || ev.type === "RUN_CANCELED") { es?.close(); setState("done"); }
      });
    })();
    return () => { closed = true; es?.close(); };
  }, [runId]);
  return { events: events.current, version, state };
}

export function RunDetailPage({ runId }: { runId: string }) {
  const client = useQueryClient();
  const q = useQuery({ queryKey: ["run", runId], queryFn: ({ signal }) => getJson<RunDetailResponse>(`/api/runs/${enc(runId)}`, signal), refetchInterval: (qq) => (qq.state.data && FINISHED.has(qq.state.data.run.status) ? false : 2000) });
  const log = useRunLog(runId);
  useEffect(() => { void client.invalidateQueries({ queryKey: ["run", runId] }); }, [log.state, client, runId]);
  const reexec = useMutation({ mutationFn: (fromFailure: boolean) => postJson<LaunchResponse>(`/api/runs/${enc(runId)}/reexecute`, { fromFailure }), onSuccess: (r) => navigate(runPath(r.runId)) });
  const cancel = useMutation({ mutationFn: () => postJson(`/api/runs/${enc(runId)}/cancel`), onSuccess: () => void client.invalidateQueries({ queryKey: ["run", runId] }) });
  if (q.error) return <div className="page"><ErrorBanner error={q.error} /></div>;
  if (!q.data) return <div className="page"><Loading /></div>;
  const { run, steps } = q.data;
  const finished = FINISHED.has(run.status);
  return (
    <div className="page fill" data-testid="run-detail" style={{ overflow: "auto" }}>
      <div className="crumbs"><Link to="/runs">Runs</Link><span>/</span><span className="mono">{runId}</span></div>
      <div className="page-head">
        <h1>Run <span className="mono">{shortId(runId)}</span></h1>
        <span data-testid="run-status"><RunStatusBadge status={run.status} /></span>
        <span className="muted small">{dateTime(run.createdAt)} · {duration(run.durationMs ?? (run.startedAt ? Date.now() - run.startedAt : undefined))}</span>
        <span className="spacer" />
        {!finished ? <button className="btn danger" onClick={() => cancel.mutate()} disabled={cancel.isPending || run.status === "CANCELING"}>Cancel run</button> : null}
        <button className="btn" disabled={!finished || reexec.isPending} onClick={() => reexec.mutate(false)}>Re-execute all</button>
        <button className="btn" disabled={!finished || !q.data.canReexecuteFromFailure || reexec.isPending} onClick={() => reexec.mutate(true)} title={q.data.canReexecuteFromFailure ? "" : "Only failed runs can resume from the failure"}>Re-execute from failure</button>
      </div>
      <ErrorBanner error={reexec.error ?? cancel.error} />
      <div className="row small">
        {run.assetKeys.map((k) => <Link key={k} to={assetPath(k)} className="chip">{k}</Link>)}
        {run.partitionKey ? <span className="chip">partition {run.partitionKey}</span> : null}
        {run.parentRunId ? <span className="muted">re-execution of <Link to={runPath(run.parentRunId)}>{shortId(run.parentRunId)}</Link></span> : null}
      </div>
      <Card title="Timeline" testId="gantt">
        <Gantt steps={steps} start={run.startedAt ?? run.createdAt} end={run.endedAt} />
      </Card>
      <LogView events={log.events} version={log.version} state={log.state} steps={steps.map((s) => s.stepKey)} />
    </div>
  );
}

function Gantt({ steps, start, end }: { steps: RunDetailResponse["steps"]; start: number; end?: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (end) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [end]);
  if (steps.length === 0) return <p className="muted small" style={{ margin: 0 }}>No steps yet: the run is being planned.</p>;
  const t1 = Math.max(end ?? now, ...steps.map((s) => s.endedAt ?? s.startedAt ?? 0), start + 1);
  const span = t1 - start;
  return (
    <div className="gantt">
      {steps.map((s) => {
        const a = s.startedAt ?? t1, b = s.endedAt ?? (s.status === "running" ? now : a);
        return (
          <div key={s.stepKey} className="gantt-row">
            <div className="cell mono small" title={s.error?.message ?? s.stepKey}>{s.stepKey}{s.attempts > 1 ? ` ×${s.attempts}` : ""}</div>
            <div className="gantt-track">
              {s.startedAt ? (
                <div className="gantt-bar" style={{ left: `${((a - start) / span) * 100}%`, width: `${Math.max(0.3, ((b - a) / span) * 100)}%`, ["--c" as string]: STEP_COLOR[s.status] }} title={`${s.status} · ${duration(b - a)}`} />
              ) : <span className="muted small" style={{ paddingLeft: 6, lineHeight: "28px" }}>{s.status}</span>}
            </div>
          </div>
        );
      })}
      <div className="row muted small" style={{ justifyContent: "space-between", paddingLeft: 200 }}><span>0 s</span><span>{duration(span)}</span></div>
    </div>
  );
}

const LEVEL_RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;

function LogView({ events, version, state, steps }: { events: EventRecord[]; version: number; state: string; steps: string[] }) {
  const [level, setLevel] = useState<keyof typeof LEVEL_RANK>("debug");
  const [step, setStep] = useState("");
  const [text, setText] = useState("");
  const [open, setOpen] = useState<EventRecord | null>(null);
  // lowercase search text is computed once per event, lazily
  const lower = useRef(new WeakMap<EventRecord, string>());
  const rows = useMemo(() => {
    const min = LEVEL_RANK[level];
    const t = text.trim().toLowerCase();
    if (min === 0 && !step && !t) return events.slice();
    return events.filter((e) => {
      if (LEVEL_RANK[e.level] < min) return false;
      if (step && e.stepKey !== step) return false;
      if (t) {
        let s = lower.current.get(e);
        if (s === undefined) lower.current.set(e, (s = `${e.message} ${e.type} ${e.stepKey ?? ""} ${e.assetKey ?? ""}`.toLowerCase()));
        if (!s.includes(t)) return false;
      }
      return true;
    });
  }, [events, version, level, step, text]);
  return (
    <Card title={`Log (${rows.length.toLocaleString()}${rows.length !== events.length ? ` of ${events.length.toLocaleString()}` : ""})`} testId="run-log" bodyClass="" actions={<span className={`badge s-${state === "live" ? "run" : state === "done" ? "ok" : "muted"}`}><span className="dot" />{state === "live" ? "Live" : state === "done" ? "Complete" : "Loading"}</span>}>
      <div className="toolbar" style={{ padding: "10px 14px", borderBottom: "1px solid var(--border)" }}>
        <Seg label="Minimum level" value={level} onChange={setLevel} options={[{ value: "debug", label: "All" }, { value: "info", label: "Info+" }, { value: "warn", label: "Warn+" }, { value: "error", label: "Errors" }]} />
        <select className="input" value={step} onChange={(e) => setStep(e.target.value)} aria-label="Step">
          <option value="">All steps</option>
          {steps.map((s) => <option key={s}>{s}</option>)}
        </select>
        <input className="input grow" style={{ maxWidth: 320 }} value={text} onChange={(e) => setText(e.target.value)} placeholder="Search the log…" aria-label="Search the log" />
      </div>
      <div style={{ height: 420, display: "flex", flexDirection: "column" }}>
        <VirtualList
          count={rows.length}
          rowHeight={26}
          stickToBottom
          label="Run log"
          testId="log-list"
          renderRow={(i, style) => {
            const e = rows[i]!;
            return (
              <div key={e.id} className="vrow log-grid" style={{ ...style, cursor: "pointer" }} role="listitem" onClick={() => setOpen(open?.id === e.id ? null : e)} data-type={e.type}>
                <span className="muted">{time(e.timestamp)}</span>
                <span className={`lvl-${e.level}`}>{e.level.toUpperCase()}</span>
                <span className="cell muted" title={e.stepKey}>{e.stepKey ?? "—"}</span>
                <span className="cell" title={e.message}><span className="muted">{e.type === "LOG" ? "" : `${e.type} `}</span>{e.message}</span>
              </div>
            );
          }}
        />
      </div>
      {open ? <pre className="json" style={{ margin: 12 }}>{JSON.stringify(open, null, 2)}</pre> : null}
    </Card>
  );
}
