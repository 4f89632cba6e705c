import { useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { enc, getJson, type AssetAutomationResponse, type AutomationEvaluationView, type ConditionEvaluationNode, type FreshnessView } from "../lib/api.ts";
import { dateTime, timeAgo } from "../lib/format.ts";
import { Badge, Card, ErrorBanner, HealthBadge, Loading } from "../components/ui.tsx";

const FRESH_TONE = { fresh: "ok", warn: "warn", fail: "err", unknown: "muted" } as const;

/** Health, freshness and automation (condition tree of the latest evaluation, short history) of one asset. */
export function AutomationPanel({ assetKey, children }: { assetKey: string; children?: ReactNode }) {
  const q = useQuery({
    queryKey: ["asset", assetKey, "automation"],
    queryFn: ({ signal }) => getJson<AssetAutomationResponse>(`/api/assets/${enc(assetKey)}/automation?limit=10`, signal),
    refetchInterval: 15_000,
  });
  const d = q.data;
  return (
    <Card title="Health, freshness and automation" testId="automation-panel" actions={d ? <HealthBadge status={d.health.status} reasons={d.health.reasons} /> : null}>
      <ErrorBanner error={q.error} />
      {!d ? (q.error ? null : <Loading />) : (
        <div className="stack" style={{ gap: 12 }}>
          <div data-testid="asset-health" data-status={d.health.status}>
            {d.health.reasons.length ? (
              <ul className="list-plain small">{d.health.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
            ) : <p className="muted small" style={{ margin: 0 }}>Healthy: the latest materialisation succeeded, its checks pass{d.freshness ? " and it is fresh" : ""}.</p>}
          </div>
          <Freshness f={d.freshness} />
          <Automation d={d} />
          {children}
        </div>
      )}
    </Card>
  );
}

function Freshness({ f }: { f: FreshnessView | undefined }) {
  if (!f)
    return (
      <div data-testid="freshness-none">
        <h3>Freshness</h3>
        <p className="muted small" style={{ margin: 0 }}>No freshness policy. Add <code>freshness: freshnessPolicy.timeWindow({"{ failAfter: \"1d\" }"})</code> to the asset to be told when it is late.</p>
      </div>
    );
  return (
    <div data-testid="freshness" data-state={f.state}>
      <h3 className="row">Freshness <Badge tone={FRESH_TONE[f.state]}>{f.state}</Badge></h3>
      <dl className="kv small">
        <dt>Policy</dt><dd>{f.label}</dd>
        <dt>State</dt><dd>{f.reason || f.state}</dd>
        <dt>Since</dt><dd>{f.since !== undefined ? <span title={dateTime(f.since)}>{timeAgo(f.since)}</span> : <span className="muted">computed now (no daemon has evaluated it yet)</span>}</dd>
      </dl>
    </div>
  );
}

function Automation({ d }: { d: AssetAutomationResponse }) {
  const [open, setOpen] = useState<number | undefined>(undefined);
  if (!d.condition)
    return (
      <div data-testid="automation-none">
        <h3>Automation</h3>
        <p className="muted small" style={{ margin: 0 }}>No automation condition. Add <code>automation: AutomationCondition.eager()</code> to the asset and run <code>strata dev</code> (or <code>strata daemon</code>) to materialise it when its inputs change.</p>
      </div>
    );
  const shown = d.evaluations.find((e) => e.id === open) ?? d.evaluations[0];
  return (
    <div data-testid="automation">
      <h3>Automation <span className="muted mono small" style={{ fontWeight: 400 }}>{d.condition.label}</span></h3>
      {!shown ? (
        <p className="muted small" style={{ margin: 0 }} data-testid="no-evaluations">Not evaluated yet. The daemon (<code>strata dev</code> or <code>strata daemon</code>) evaluates the condition on every automation tick.</p>
      ) : (
        <>
          <div className="small muted" style={{ marginBottom: 4 }}>
            {shown === d.evaluations[0] ? "Latest evaluation" : "Evaluation"} {timeAgo(shown.evaluatedAt)} · {shown.requestedCount ? <strong>requested {shown.requestedCount}{shown.requestedRanges ? ` (${ranges(shown.requestedRanges)})` : ""}</strong> : "nothing requested"}
          </div>
          {shown.error ? <div className="banner err small">{shown.error.message}</div> : null}
          {shown.tree ? <ul className="cond-tree" data-testid="condition-tree"><TreeNode n={shown.tree} /></ul> : null}
          {d.evaluations.length > 1 ? <History evals={d.evaluations} shown={shown} onPick={setOpen} /> : null}
        </>
      )}
    </div>
  );
}

function ranges(r: { start: string; end: string }[]): string {
  const s = r.slice(0, 3).map((x) => (x.start === x.end ? x.start : `${x.start}…${x.end}`)).join(", ");
  return r.length > 3 ? `${s}, +${r.length - 3} more` : s;
}

function TreeNode({ n }: { n: ConditionEvaluationNode }) {
  const partitioned = n.candidates > 1;
  return (
    <li data-value={n.skipped ? "skipped" : String(n.value)}>
      <span className={`cond-mark ${n.skipped ? "skip" : n.value ? "yes" : "no"}`} aria-label={n.skipped ? "skipped" : n.value ? "true" : "false"}>{n.skipped ? "–" : n.value ? "✔" : "✘"}</span>
      <span className="mono">{n.label ?? n.type}</span>
      {n.assetKey ? <span className="muted small"> on {n.assetKey}</span> : null}
      {partitioned ? <span className="muted small"> · {n.trueCount}/{n.candidates} partitions</span> : null}
      {n.trueRanges?.length && partitioned ? <span className="muted small mono" title={ranges(n.trueRanges)}> · {ranges(n.trueRanges)}</span> : null}
      {n.skipped ? <span className="muted small"> · skipped</span> : null}
      {n.children.length ? <ul>{n.children.map((c, i) => <TreeNode key={i} n={c} />)}</ul> : null}
    </li>
  );
}

function History({ evals, shown, onPick }: { evals: AutomationEvaluationView[]; shown: AutomationEvaluationView; onPick: (id: number) => void }) {
  return (
    <div style={{ marginTop: 8 }}>
      <div className="small muted">History (evaluations are kept when they change)</div>
      <table className="table small" data-testid="evaluation-history">
        <tbody>
          {evals.map((e) => (
            <tr key={e.id} className={e === shown ? "sel" : undefined}>
              <td><button className="btn ghost sm" onClick={() => onPick(e.id)} aria-pressed={e === shown}>{dateTime(e.evaluatedAt)}</button></td>
              <td>{e.error ? <Badge tone="err">error</Badge> : e.requestedCount ? <Badge tone="run">requested {e.requestedCount}</Badge> : <span className="muted">no request</span>}</td>
              <td className="muted">{e.tree ? `${e.tree.trueCount}/${e.tree.candidates} true` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
