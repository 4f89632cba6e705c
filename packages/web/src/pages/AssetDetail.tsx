import { useEffect, useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { enc, getJson, postJson, type AssetDetailResponse, type CheckHistoryResponse, type MaterializationsResponse, type PartitionsResponse } from "../lib/api.ts";
import { dateTime, shortId, timeAgo } from "../lib/format.ts";
import { perf } from "../lib/perf.ts";
import { assetPath, Link, runPath } from "../lib/router.tsx";
import { ASSET_TONE, AssetStatus, Badge, Card, CheckStatus, Empty, ErrorBanner, HealthBadge, Loading } from "../components/ui.tsx";
import { LineChart } from "../components/LineChart.tsx";
import { Markdown, MetadataView } from "../components/Metadata.tsx";
import { AutomationPanel } from "./AssetAutomation.tsx";
import { LaunchDialog } from "./Launch.tsx";
import { PART_COLOR } from "../components/PartitionPicker.tsx";
import { barSegments } from "../lib/partition-pick.ts";


export function AssetDetailPage({ assetKey }: { assetKey: string }) {
  const [t0] = useState(() => performance.now());
  const q = useQuery({ queryKey: ["asset", assetKey], queryFn: ({ signal }) => getJson<AssetDetailResponse>(`/api/assets/${enc(assetKey)}`, signal) });
  const [launch, setLaunch] = useState(false);
  useEffect(() => {
    if (q.data) requestAnimationFrame(() => (perf().assetDetailPaintMs = performance.now() - t0));
  }, [q.data, t0]);
  if (q.error) return <div className="page"><ErrorBanner error={q.error} /><Link to="/assets">← Back to the catalog</Link></div>;
  if (!q.data) return <div className="page"><Loading /></div>;
  const { asset: a, latestMaterialization: latest, checks } = q.data;
  return (
    <div className="page" data-testid="asset-detail">
      <div className="crumbs"><Link to="/assets">Assets</Link><span>/</span><span>{a.group}</span></div>
      <div className="page-head">
        <h1 className="mono" style={{ fontSize: 20 }}>{a.key}</h1>
        <AssetStatus status={a.status} />
        {a.health ? <HealthBadge status={a.health} /> : null}
        <span className="spacer" />
        <Link className="btn" to={`/graph?select=${enc(`+${a.key}+`)}`}>Lineage</Link>
        <button className="btn primary" onClick={() => setLaunch(true)} data-testid="materialize">Materialize…</button>
      </div>
      {a.description ? <Markdown text={a.description} /> : <p className="muted" style={{ margin: 0 }}>No description. Add one with <code>description</code> in the asset definition.</p>}
      <div className="grid detail">
        <div className="stack" style={{ gap: 16 }}>
          <Card title="Latest materialization" actions={latest ? <span className="muted small">{dateTime(latest.timestamp)} · <Link to={runPath(latest.runId)} className="mono">{shortId(latest.runId)}</Link>{latest.partition ? ` · ${latest.partition}` : ""}</span> : null}>
            {latest ? <MetadataView metadata={latest.metadata} /> : <Empty title="Never materialized" icon="◇">Press Materialize to run it; its metadata (row counts, previews, schemas) shows here.</Empty>}
          </Card>
          <History assetKey={a.key} />
          <Card title={`Checks (${checks.length})`} bodyClass="" testId="checks">
            {checks.length === 0 ? <Empty title="No checks" icon="✓">Declare checks with <code>check()</code> or <code>checks:</code> on the asset to guard its data.</Empty> : checks.map((c) => <CheckRow key={c.key} assetKey={a.key} check={c} />)}
          </Card>
          {a.partitions ? <Partitions assetKey={a.key} /> : null}
        </div>
        <div className="stack" style={{ gap: 16 }}>
          <Card title="Definition">
            <dl className="kv">
              <dt>Group</dt><dd>{a.group}</dd>
              <dt>Kinds</dt><dd className="row">{a.kinds.length ? a.kinds.map((k) => <span key={k} className="chip kind">{k}</span>) : <span className="muted">none</span>}</dd>
              <dt>Owners</dt><dd>{a.owners.join(", ") || <span className="muted">none</span>}</dd>
              {Object.keys(a.tags).length ? (<><dt>Tags</dt><dd className="row">{Object.entries(a.tags).map(([k, v]) => <span key={k} className="chip">{v ? `${k}=${v}` : k}</span>)}</dd></>) : null}
              <dt>Code</dt>
              <dd>
                {a.codeRef ? (a.codeRef.url ? <a href={a.codeRef.url} target="_blank" rel="noreferrer"><code>{a.codeRef.file}:{a.codeRef.line}</code> ↗</a> : <code>{a.codeRef.file}:{a.codeRef.line}</code>) : <span className="muted">unknown</span>}
              </dd>
              {a.codeVersion ? (<><dt>Code version</dt><dd className="mono">{a.codeVersion}</dd></>) : null}
              <dt>I/O manager</dt><dd>{a.io}</dd>
              {a.resources.length ? (<><dt>Resources</dt><dd>{a.resources.join(", ")}</dd></>) : null}
              {a.pool ? (<><dt>Pool</dt><dd>{a.pool}</dd></>) : null}
              {a.partitions ? (<><dt>Partitions</dt><dd>{a.partitions}</dd></>) : null}
            </dl>
            {Object.keys(a.metadata).length ? <div style={{ marginTop: 12 }}><h3 style={{ marginBottom: 6 }}>Definition metadata</h3><MetadataView metadata={a.metadata} /></div> : null}
          </Card>
          <Card title="Lineage">
            <h3>Upstream ({a.upstream.length})</h3>
            <AssetLinks keys={a.upstream} none="A source asset: nothing upstream." />
            <h3 style={{ marginTop: 12 }}>Downstream ({a.downstream.length})</h3>
            <AssetLinks keys={a.downstream} none="Nothing depends on it yet." />
          </Card>
          <AutomationPanel assetKey={a.key}>
            {a.inProgressRunId ? <p className="small" style={{ margin: 0 }}>Being materialized by <Link to={runPath(a.inProgressRunId)}>{shortId(a.inProgressRunId)}</Link>.</p> : null}
            {a.lastFailedRunId ? <p className="small" style={{ margin: 0 }}>Last failed in <Link to={runPath(a.lastFailedRunId)}>{shortId(a.lastFailedRunId)}</Link>.</p> : null}
          </AutomationPanel>
          <DangerZone assetKey={a.key} />
        </div>
      </div>
      {launch ? <LaunchDialog assetKeys={[a.key]} partitionAsset={a.partitions ? a.key : undefined} onClose={() => setLaunch(false)} /> : null}
    </div>
  );
}

function AssetLinks({ keys, none }: { keys: string[]; none: string }) {
  if (!keys.length) return <p className="muted small" style={{ margin: "4px 0" }}>{none}</p>;
  return <ul className="list-plain">{keys.map((k) => <li key={k}><Link to={assetPath(k)}>{k}</Link></li>)}</ul>;
}

function History({ assetKey }: { assetKey: string }) {
  const q = useQuery({ queryKey: ["asset", assetKey, "history"], queryFn: ({ signal }) => getJson<MaterializationsResponse>(`/api/assets/${enc(assetKey)}/materializations?limit=5000`, signal) });
  const series = useMemo(() => {
    const m = new Map<string, { t: number; v: number }[]>();
    for (const r of q.data?.materializations ?? [])
      for (const [k, e] of Object.entries(r.metadata))
        if (e.type === "int" || e.type === "float") {
          let s = m.get(k);
          if (!s) m.set(k, (s = []));
          s.push({ t: r.timestamp, v: e.value });
        }
    return [...m.entries()];
  }, [q.data]);
  const [pick, setPick] = useState<string | null>(null);
  const current = series.find(([k]) => k === pick) ?? series[0];
  const mats = q.data?.materializations ?? [];
  return (
    <Card
      title={`History (${mats.length}${q.data?.nextBefore ? "+" : ""})`}
      testId="history"
      actions={series.length > 1 ? (
        <select className="input" value={current?.[0]} onChange={(e) => setPick(e.target.value)} aria-label="Metadata to plot">
          {series.map(([k]) => <option key={k}>{k}</option>)}
        </select>
      ) : null}
    >
      {!q.data ? <Loading /> : mats.length === 0 ? <p className="muted small" style={{ margin: 0 }}>No history yet.</p> : (
        <div className="stack">
          {current ? (<><div className="small muted">{current[0]} per materialization</div><LineChart points={current[1]} label={current[0]} /></>) : <p className="muted small">No numeric metadata to plot (return numbers such as <code>row_count</code> in the metadata).</p>}
          <div className="table-wrap" style={{ maxHeight: 220 }}>
            <table className="table">
              <thead><tr><th>When</th><th>Run</th><th>Partition</th><th>Data version</th></tr></thead>
              <tbody>
                {mats.slice(0, 100).map((m) => (
                  <tr key={m.eventId}>
                    <td>{dateTime(m.timestamp)}</td>
                    <td><Link to={runPath(m.runId)} className="mono">{shortId(m.runId)}</Link></td>
                    <td>{m.partition ?? "—"}</td>
                    <td className="mono small">{m.dataVersion?.slice(0, 12) ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Card>
  );
}

function CheckRow({ assetKey, check }: { assetKey: string; check: AssetDetailResponse["checks"][number] }) {
  const [open, setOpen] = useState(false);
  const h = useQuery({ queryKey: ["asset", assetKey, "check", check.name], queryFn: ({ signal }) => getJson<CheckHistoryResponse>(`/api/assets/${enc(assetKey)}/checks/${enc(check.name)}/history?limit=50`, signal), enabled: open });
  const ev = check.lastEvaluation;
  return (
    <div style={{ borderBottom: "1px solid var(--border)", padding: "10px 16px" }} data-testid="check-row">
      <div className="row">
        <CheckStatus status={check.status} />
        <strong>{check.name}</strong>
        <span className="chip">{check.severity}{check.blocking ? " · blocking" : ""}</span>
        <span className="spacer" style={{ flex: 1 }} />
        <span className="muted small">{timeAgo(check.lastEvaluatedAt)}</span>
        <button className="btn sm ghost" onClick={() => setOpen((o) => !o)} aria-expanded={open}>{open ? "Hide history" : "History"}</button>
      </div>
      {check.description ? <div className="muted small">{check.description}</div> : null}
      {ev && Object.keys(ev.metadata).length ? <div style={{ marginTop: 8 }}><MetadataView metadata={ev.metadata} /></div> : null}
      {open ? (
        h.data ? (
          <div className="row" style={{ marginTop: 8, gap: 3 }} aria-label="Check history, oldest first">
            {[...h.data.evaluations].reverse().map((e) => (
              <Link key={e.eventId} to={runPath(e.runId)} title={`${e.passed ? "passed" : "failed"} · ${dateTime(e.timestamp)}`}>
                <span className={`dot s-${e.passed ? "ok" : e.severity === "WARN" ? "warn" : "err"}`} style={{ width: 12, height: 12, borderRadius: 3 }} />
              </Link>
            ))}
            {h.data.evaluations.length === 0 ? <span className="muted small">Never evaluated.</span> : null}
          </div>
        ) : <Loading />
      ) : null}
    </div>
  );
}

function Partitions({ assetKey }: { assetKey: string }) {
  const q = useQuery({ queryKey: ["partitions", assetKey], queryFn: ({ signal }) => getJson<PartitionsResponse>(`/api/assets/${enc(assetKey)}/partitions`, signal) });
  if (!q.data) return <Card title="Partitions"><Loading /></Card>;
  const p = q.data;
  return (
    <Card title={`Partitions (${p.total.toLocaleString()})`} testId="partitions">
      <div className="stack">
        <div className="muted small">{p.description}</div>
        <div className="pbar" role="img" aria-label="Partition status">
          {p.ranges.length <= 300
            ? p.ranges.map((r, i) => (
                <div key={i} style={{ flexGrow: r.count, background: PART_COLOR[r.status] }} title={`${r.start}${r.count > 1 ? ` … ${r.end}` : ""}: ${r.status} (${r.count})`} />
              ))
            : barSegments(p.ranges).map((s) => (
                <div key={s.from} style={{ flexGrow: s.to - s.from + 1, background: PART_COLOR[s.status] }} title={`partitions ${s.from + 1}–${s.to + 1}: ${s.status === "materialized" ? "all materialized" : `some ${s.status.replace("_", " ")}`}`} />
              ))}
        </div>
        <div className="row small">
          {Object.entries(p.counts).filter(([, n]) => n > 0).map(([s, n]) => (
            <Badge key={s} tone={ASSET_TONE[s as keyof typeof ASSET_TONE]}>{s.replace("_", " ")}: {n}</Badge>
          ))}
        </div>
        <div className="table-wrap" style={{ maxHeight: 180 }}>
          <table className="table"><tbody>
            {p.ranges.filter((r) => r.status !== "materialized").slice(0, 50).map((r, i) => (
              <tr key={i}><td className="mono small">{r.start}{r.count > 1 ? ` … ${r.end}` : ""}</td><td>{r.status}</td><td className="num">{r.count}</td></tr>
            ))}
          </tbody></table>
        </div>
      </div>
    </Card>
  );
}

function DangerZone({ assetKey }: { assetKey: string }) {
  const client = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const wipe = useMutation({ mutationFn: () => postJson(`/api/assets/${enc(assetKey)}/wipe`), onSuccess: () => { setConfirm(false); void client.invalidateQueries(); } });
  return (
    <Card title="Wipe history">
      <p className="muted small" style={{ marginTop: 0 }}>Forgets every materialization of this asset (stored outputs are kept).</p>
      {confirm ? (
        <div className="row"><button className="btn danger" onClick={() => wipe.mutate()} disabled={wipe.isPending}>Yes, wipe {assetKey}</button><button className="btn ghost" onClick={() => setConfirm(false)}>Cancel</button></div>
      ) : <button className="btn danger sm" onClick={() => setConfirm(true)}>Wipe…</button>}
      <ErrorBanner error={wipe.error} />
    </Card>
  );
}
