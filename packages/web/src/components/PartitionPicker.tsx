import { useEffect, useId, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { enc, getJson, type PartitionKeysResponse, type PartitionsResponse } from "../lib/api.ts";
import { barSegments, checkRange, keyIndex, multiRange, suggest, type DimensionSpec, type KeyIndex, type PartitionChoice, type PartitionDisplayStatus } from "../lib/partition-pick.ts";
import { ASSET_TONE, Badge, ErrorBanner, Loading, Seg } from "./ui.tsx";

// Segments only change with a status refetch, not with every keystroke.
const segmentCache = new WeakMap<PartitionsResponse, ReturnType<typeof barSegments>>();
function barSegmentsOf(status: PartitionsResponse) {
  let s = segmentCache.get(status);
  if (!s) segmentCache.set(status, (s = barSegments(status.ranges)));
  return s;
}

export const PART_COLOR: Record<PartitionDisplayStatus, string> = { materialized: "var(--ok)", stale: "var(--stale)", failed: "var(--err)", in_progress: "var(--run)", missing: "var(--surface-3)" };
const KIND_LABEL: Record<PartitionKeysResponse["kind"], string> = { time_window: "Time windows", static: "Static", dynamic: "Dynamic", multi: "Multi-dimensional" };

type Mode = "range" | "missing" | "failed";
export interface PickerResult {
  choice?: PartitionChoice;
  error?: string;
}

/**
 * Chooses partitions of `assetKey`'s definition: one key or a range (validated against the
 * keys, with suggestions), per-dimension values of a multi-partition, all missing or all
 * failed. The status bar draws at most 300 segments; clicking one picks its range.
 */
export function PartitionPicker({ assetKey, onChange }: { assetKey: string; onChange: (r: PickerResult) => void }) {
  const keysQ = useQuery({ queryKey: ["partition-keys", assetKey], queryFn: ({ signal }) => getJson<PartitionKeysResponse>(`/api/assets/${enc(assetKey)}/partition-keys`, signal), staleTime: 30_000 });
  const statusQ = useQuery({ queryKey: ["partitions", assetKey], queryFn: ({ signal }) => getJson<PartitionsResponse>(`/api/assets/${enc(assetKey)}/partitions`, signal) });
  const ix = useMemo(() => keyIndex(keysQ.data?.keys ?? []), [keysQ.data]);
  const [mode, setMode] = useState<Mode>("range");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [dims, setDims] = useState<DimensionSpec[]>([]);
  const def = keysQ.data;
  const status = statusQ.data;

  const result: PickerResult = useMemo(() => {
    if (!def) return { error: "Loading the partitions…" };
    if (mode === "missing" || mode === "failed") {
      const count = status?.counts[mode] ?? 0;
      return count > 0 ? { choice: { kind: mode, count } } : { error: status ? `No ${mode} partitions` : "Loading the partition status…" };
    }
    if (def.kind === "multi" && def.dimensions) {
      const r = multiRange(def.dimensions, def.dimensions.map((_, i) => dims[i] ?? { all: true }));
      return r.error ? { error: r.error } : { choice: { kind: "range", start: r.start!, end: r.end!, count: r.count! } };
    }
    const r = checkRange(ix, start, end.trim() === "" ? start : end);
    return r.error ? { error: r.error } : { choice: { kind: "range", start: ix.keys[r.from!]!, end: ix.keys[r.to!]!, count: r.to! - r.from! + 1 } };
  }, [def, status, mode, start, end, dims, ix]);

  // Report only real changes: the memo's object identity changes with every status refetch.
  const resultKey = JSON.stringify(result);
  useEffect(() => onChange(JSON.parse(resultKey) as PickerResult), [resultKey, onChange]);

  if (keysQ.error) return <ErrorBanner error={keysQ.error} />;
  if (!def) return <Loading label="Loading partitions…" />;
  const pick = (from: number, to: number) => {
    setMode("range");
    setStart(ix.keys[from]!);
    setEnd(to > from ? ix.keys[to]! : "");
  };
  const n = ix.keys.length;
  const c = result.choice;
  const selected = c?.kind === "range" && def.kind !== "multi" ? { from: ix.index.get(c.start) ?? 0, to: ix.index.get(c.end) ?? 0 } : undefined;
  const segments = status ? barSegmentsOf(status) : [];
  return (
    <div className="stack" data-testid="partition-picker">
      <div className="row small">
        <Badge tone="muted">{KIND_LABEL[def.kind]}</Badge>
        <span className="muted" data-testid="partition-definition">{n.toLocaleString()} partitions · {def.description}</span>
      </div>
      {status ? (
        <>
          <div className="pbar" role="group" aria-label="Partition status (click a range to pick it)" data-testid="picker-bar">
            {segments.map((s) => (
              <div key={s.from} role="button" tabIndex={-1} data-status={s.status} style={{ flexGrow: s.to - s.from + 1, background: PART_COLOR[s.status], cursor: "pointer" }} title={`${ix.keys[s.from]}${s.to > s.from ? ` … ${ix.keys[s.to]}` : ""}: ${s.status.replace("_", " ")} (${s.to - s.from + 1})`} onClick={() => def.kind !== "multi" && pick(s.from, s.to)} />
            ))}
          </div>
          {selected && n > 0 ? (
            <div className="pick-track" aria-hidden="true">
              <div style={{ left: `${(selected.from / n) * 100}%`, width: `max(2px, ${((selected.to - selected.from + 1) / n) * 100}%)` }} />
            </div>
          ) : null}
          <div className="row small">
            {(Object.entries(status.counts) as [PartitionDisplayStatus, number][]).filter(([, c]) => c > 0).map(([s, c]) => (
              <Badge key={s} tone={ASSET_TONE[s]}>{s.replace("_", " ")}: {c.toLocaleString()}</Badge>
            ))}
          </div>
        </>
      ) : statusQ.error ? <ErrorBanner error={statusQ.error} /> : <Loading label="Loading partition status…" />}
      <div>
        <Seg<Mode>
        label="Which partitions"
        value={mode}
        onChange={setMode}
        options={[
          { value: "range", label: def.kind === "multi" ? "Choose per dimension" : "Key or range" },
          { value: "missing", label: `All missing${status ? ` (${status.counts.missing.toLocaleString()})` : ""}` },
          { value: "failed", label: `All failed${status ? ` (${status.counts.failed.toLocaleString()})` : ""}` },
        ]}
        />
      </div>
      {mode === "range" && def.kind !== "multi" ? (
        <>
          <div className="row">
            <KeyInput ix={ix} value={start} onChange={setStart} label="First partition" placeholder={`e.g. ${ix.keys[n - 1] ?? ""}`} />
            <span className="muted">…</span>
            <KeyInput ix={ix} value={end} onChange={setEnd} label="Last partition" placeholder="(optional) last key" />
          </div>
          {n > 0 ? (
            <div className="row small">
              <span className="muted">Quick:</span>
              <button type="button" className="btn ghost sm" onClick={() => pick(n - 1, n - 1)}>Latest</button>
              {n > 7 ? <button type="button" className="btn ghost sm" onClick={() => pick(n - 7, n - 1)}>Last 7</button> : null}
              {n > 30 ? <button type="button" className="btn ghost sm" onClick={() => pick(n - 30, n - 1)}>Last 30</button> : null}
              <button type="button" className="btn ghost sm" onClick={() => pick(0, n - 1)}>All {n.toLocaleString()}</button>
            </div>
          ) : null}
        </>
      ) : null}
      {mode === "range" && def.kind === "multi" && def.dimensions ? (
        <div className="stack">
          {def.dimensions.map((d, i) => (
            <DimensionRow key={d.name} name={d.name} keys={d.keys} spec={dims[i] ?? { all: true }} onChange={(s) => setDims((prev) => def.dimensions!.map((_, j) => (j === i ? s : (prev[j] ?? { all: true }))))} />
          ))}
        </div>
      ) : null}
      {mode !== "range" && status ? (
        <div className="muted small">
          {status.ranges.filter((r) => r.status === mode).slice(0, 4).map((r) => `${r.start}${r.count > 1 ? ` … ${r.end}` : ""}`).join(", ")}
          {status.ranges.filter((r) => r.status === mode).length > 4 ? ", …" : ""}
        </div>
      ) : null}
      {result.error && mode === "range" && def.kind !== "multi" && start.trim() === "" ? (
        <span className="muted small" data-testid="partition-hint">{result.error}</span>
      ) : result.error && !result.error.startsWith("Loading") ? (
        <span className="field-err" data-testid="partition-error">{result.error}</span>
      ) : result.choice ? (
        <span className="small" data-testid="partition-summary">{summary(result.choice)}</span>
      ) : null}
    </div>
  );
}

function summary(c: PartitionChoice): string {
  const n = c.count.toLocaleString();
  if (c.kind !== "range") return `${n} ${c.kind} partition${c.count > 1 ? "s" : ""}: launches a backfill.`;
  if (c.count === 1) return `Partition ${c.start}: launches one run.`;
  return `${n} partitions, ${c.start} … ${c.end}: launches a backfill (runs split per the assets' backfill policy).`;
}

function DimensionRow({ name, keys, spec, onChange }: { name: string; keys: string[]; spec: DimensionSpec; onChange: (s: DimensionSpec) => void }) {
  const ix = useMemo(() => keyIndex(keys), [keys]);
  return (
    <div className="row" data-testid="dimension-row" data-dimension={name}>
      <span className="mono small" style={{ minWidth: 64 }}>{name}</span>
      <Seg<"all" | "some">
        label={`${name} values`}
        value={spec.all ? "all" : "some"}
        onChange={(v) => onChange(v === "all" ? { all: true } : { start: "", end: "" })}
        options={[{ value: "all", label: `All ${keys.length.toLocaleString()}` }, { value: "some", label: "Values" }]}
      />
      {!spec.all ? (
        <>
          <KeyInput ix={ix} value={spec.start} onChange={(v) => onChange({ ...spec, start: v })} label={`First ${name}`} placeholder={`e.g. ${keys[0] ?? ""}`} />
          <span className="muted">…</span>
          <KeyInput ix={ix} value={spec.end} onChange={(v) => onChange({ ...spec, end: v })} label={`Last ${name}`} placeholder="(optional)" />
        </>
      ) : null}
    </div>
  );
}

/** A key input with up to 8 suggestions from the definition's keys (never a 50,000-item list). */
function KeyInput({ ix, value, onChange, label, placeholder }: { ix: KeyIndex; value: string; onChange: (v: string) => void; label: string; placeholder: string }) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const options = open ? suggest(ix, value) : [];
  const bad = value.trim() !== "" && !ix.index.has(value.trim());
  return (
    <span className="key-input grow">
      <input
        className={`input${bad ? " invalid" : ""}`}
        value={value}
        onChange={(e) => { onChange(e.target.value); setOpen(true); }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => { if (e.key === "Escape" && open) { e.stopPropagation(); setOpen(false); } }}
        placeholder={placeholder}
        aria-label={label}
        aria-invalid={bad}
        aria-autocomplete="list"
        aria-controls={listId}
        spellCheck={false}
        autoComplete="off"
      />
      {options.length ? (
        <ul className="key-suggest" id={listId} role="listbox" aria-label={`${label} suggestions`}>
          {options.map((k) => (
            <li key={k} role="option" aria-selected={false} onMouseDown={(e) => { e.preventDefault(); onChange(k); setOpen(false); }}>{k}</li>
          ))}
        </ul>
      ) : null}
    </span>
  );
}
