import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, postJson, type ConcurrencyResponse, type PoolView, type PoolWaiterView, type QueueSettingsResponse, type QueueView } from "../lib/api.ts";
import { timeAgo } from "../lib/format.ts";
import { Link, assetPath, runPath } from "../lib/router.tsx";
import { Badge, Card, Empty, ErrorBanner, Loading } from "./ui.tsx";

const WAIT_LABEL: Record<PoolWaiterView["reason"], string> = {
  slot: "waiting for a slot",
  upstream: "after upstream steps",
  run_concurrency: "run's step limit",
  starting: "run starting",
  queued: "run queued",
};

/** Concurrency pools and the run queue's limits, for the Deployment page. */
export function PoolsPanel() {
  const q = useQuery({ queryKey: ["concurrency"], queryFn: ({ signal }) => getJson<ConcurrencyResponse>("/api/concurrency", signal), refetchInterval: 2000 });
  return (
    <>
      <Card title="Concurrency pools" testId="pools" bodyClass={q.data?.pools.length ? "" : "card-body"}>
        <ErrorBanner error={q.error} />
        {!q.data ? <Loading /> : q.data.pools.length === 0 ? <NoPools /> : <PoolsTable pools={q.data.pools} />}
      </Card>
      <Card title="Run queue" testId="run-queue">
        {!q.data ? <Loading /> : <QueueLimits queue={q.data.queue} />}
      </Card>
    </>
  );
}

function NoPools() {
  return (
    <Empty title="No concurrency pools" icon="≡">
      <span data-testid="pools-empty">
        A pool caps how many steps run at once across all runs, e.g. to spare a warehouse. Declare it in{" "}
        <code>defineDefinitions({"{"} pools: {"{"} warehouse: 2 {"}"} {"}"})</code> and give assets{" "}
        <code>pool: "warehouse"</code>; the limit changes with the code.
      </span>
    </Empty>
  );
}

function PoolsTable({ pools }: { pools: PoolView[] }) {
  return (
    <table className="table">
      <thead><tr><th>Pool</th><th>Slots in use</th><th>Held by</th><th>Waiting</th><th>Assets</th></tr></thead>
      <tbody>
        {pools.map((p) => {
          const full = p.limit !== undefined && p.slots.length >= p.limit;
          return (
            <tr key={p.name} data-testid="pool-row" data-pool={p.name}>
              <td className="mono">{p.name}{p.limit === undefined ? <div className="muted small">no longer declared</div> : null}</td>
              <td style={{ minWidth: 150 }}>
                <div className="row" data-testid="pool-usage">
                  <Badge tone={full ? "warn" : p.slots.length ? "run" : "muted"}>{p.slots.length} / {p.limit ?? "?"}</Badge>
                  {full ? <span className="small muted">full</span> : null}
                </div>
                {p.limit ? <div className="pbar" style={{ height: 6, marginTop: 6 }} aria-hidden="true"><div style={{ flexGrow: p.slots.length, background: full ? "var(--warn)" : "var(--run)" }} /><div style={{ flexGrow: Math.max(0, p.limit - p.slots.length) }} /></div> : null}
              </td>
              <td className="small" data-testid="pool-holders">
                {p.slots.length === 0 ? <span className="muted">free</span> : p.slots.map((s) => (
                  <div key={`${s.runId}/${s.stepKey}`}>
                    <Link to={runPath(s.runId)} className="mono">{s.runId.slice(-8)}</Link> · <span className="mono">{s.assetKeys.join(", ") || s.stepKey}</span> <span className="muted">{timeAgo(s.claimedAt)}</span>
                  </div>
                ))}
              </td>
              <td className="small" data-testid="pool-waiting">
                {p.waiting.length === 0 ? <span className="muted">none</span> : p.waiting.map((w) => (
                  <div key={`${w.runId}/${w.reason}`} data-reason={w.reason}>
                    <Link to={runPath(w.runId)} className="mono">{w.runId.slice(-8)}</Link> · <span className="mono">{w.assetKeys.join(", ")}</span>{" "}
                    <Badge tone={w.reason === "slot" ? "warn" : "muted"}>{WAIT_LABEL[w.reason]}</Badge>
                  </div>
                ))}
              </td>
              <td className="small">
                {p.assets.length === 0 ? <span className="muted">none assigned</span> : (
                  <div className="row">
                    {p.assets.slice(0, 6).map((k) => <Link key={k} to={assetPath(k)} className="chip">{k}</Link>)}
                    {p.assets.length > 6 ? <span className="muted">+{p.assets.length - 6}</span> : null}
                  </div>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const limitText = (l: { key: string; value?: string; limit: number }) => `${l.key}${l.value !== undefined ? `=${l.value}` : ""}:${l.limit}`;

/** Tag limits as `strata queue config --tag-limit` takes them: `key:limit` or `key=value:limit`, one per line. */
export function parseTagLimits(text: string): { limits?: QueueSettingsResponse["tagConcurrencyLimits"]; error?: string } {
  const limits: QueueSettingsResponse["tagConcurrencyLimits"] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([^=:]+)(?:=([^:]*))?:(\d+)$/.exec(line);
    if (!m) return { error: `Line ${i + 1}: write key:limit or key=value:limit, e.g. team=growth:2` };
    limits.push({ key: m[1]!.trim(), ...(m[2] !== undefined ? { value: m[2] } : {}), limit: Number(m[3]) });
  }
  return { limits };
}

function QueueLimits({ queue }: { queue: QueueView }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [max, setMax] = useState("");
  const [tagText, setTagText] = useState("");
  const maxN = Number(max);
  const maxError = max.trim() === "" || !Number.isInteger(maxN) || maxN < 0 ? "A whole number ≥ 0" : undefined;
  const tags = parseTagLimits(tagText);
  const save = useMutation({
    mutationFn: () => postJson<QueueSettingsResponse>("/api/concurrency/queue", { maxConcurrentRuns: maxN, tagConcurrencyLimits: tags.limits ?? [] }),
    onSuccess: () => {
      setEditing(false);
      void client.invalidateQueries({ queryKey: ["concurrency"] });
    },
  });
  const startEdit = () => {
    setMax(String(queue.maxConcurrentRuns));
    setTagText(queue.tagConcurrencyLimits.map(limitText).join("\n"));
    save.reset();
    setEditing(true);
  };
  return (
    <div className="stack">
      <p className="muted small" style={{ margin: 0 }}>
        The daemon's run queue starts queued runs within these limits (the settings of <code>strata queue config</code>): runs of schedules, sensors and
        automation, and runs launched here while the daemon runs (<code>strata dev</code>); without a daemon, launches start at once.
      </p>
      {editing ? (
        <div className="stack" data-testid="queue-form">
          <label className="field">
            Max concurrent runs
            <input className={`input${maxError ? " invalid" : ""}`} style={{ width: 120 }} inputMode="numeric" value={max} onChange={(e) => setMax(e.target.value)} aria-label="Max concurrent runs" />
            {maxError ? <span className="field-err">{maxError}</span> : null}
          </label>
          <label className="field">
            Tag limits (one key:limit or key=value:limit per line)
            <textarea className={`input${tags.error ? " invalid" : ""}`} rows={3} value={tagText} onChange={(e) => setTagText(e.target.value)} placeholder="team=growth:2" aria-label="Tag limits" />
            {tags.error ? <span className="field-err">{tags.error}</span> : null}
          </label>
          <div className="row">
            <button className="btn primary" disabled={Boolean(maxError || tags.error) || save.isPending} onClick={() => save.mutate()} data-testid="queue-save">{save.isPending ? "Saving…" : "Save limits"}</button>
            <button className="btn ghost" onClick={() => setEditing(false)}>Cancel</button>
          </div>
          <ErrorBanner error={save.error} />
        </div>
      ) : (
        <dl className="kv" data-testid="queue-limits">
          <dt>Max concurrent runs</dt><dd data-testid="queue-max">{queue.maxConcurrentRuns}</dd>
          <dt>In progress</dt><dd>{queue.inProgress}</dd>
          <dt>Queued</dt><dd>{queue.queued}</dd>
          <dt>Tag limits</dt>
          <dd data-testid="queue-tag-limits">
            {queue.tagConcurrencyLimits.length === 0 ? <span className="muted">none</span> : queue.tagConcurrencyLimits.map((l) => (
              <div key={limitText(l)}><span className="mono">{l.key}{l.value !== undefined ? `=${l.value}` : ""}</span>: {l.inUse} of {l.limit} in progress</div>
            ))}
          </dd>
        </dl>
      )}
      {!editing ? <div><button className="btn sm" onClick={startEdit} data-testid="queue-edit">Edit limits</button></div> : null}
      {queue.queue.length ? (
        <table className="table" data-testid="queue-runs">
          <thead><tr><th>#</th><th>Run</th><th>Selection</th><th>Queued</th><th>Why it waits</th></tr></thead>
          <tbody>{queue.queue.map((r, i) => (
            <tr key={r.runId}><td>{i + 1}</td><td><Link to={runPath(r.runId)} className="mono">{r.runId}</Link></td><td className="mono small">{r.selection}</td><td className="small">{timeAgo(r.createdAt)}</td><td className="small">{r.next ? <Badge tone="ok">starts on the next queue tick</Badge> : r.reason}</td></tr>
          ))}</tbody>
        </table>
      ) : null}
    </div>
  );
}
