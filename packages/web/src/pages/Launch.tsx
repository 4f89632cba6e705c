import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { postJson, type BackfillActionResponse, type LaunchResponse } from "../lib/api.ts";
import { navigate, runPath } from "../lib/router.tsx";
import { Dialog, ErrorBanner, Seg } from "../components/ui.tsx";

type PartMode = "none" | "single" | "range" | "backfill";

function parseTags(text: string): { tags?: Record<string, string>; error?: string } {
  const tags: Record<string, string> = {};
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return { error: `Line ${i + 1}: write tags as key=value` };
    tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return Object.keys(tags).length ? { tags } : {};
}

function parseConfig(text: string): { config?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return { error: "Config must be a JSON object, e.g. { \"ops\": {} }" };
    return { config: v as Record<string, unknown> };
  } catch (e) {
    return { error: `Invalid JSON: ${(e as Error).message}` };
  }
}

/** The launch dialog: assets, partitions (key, range, or a backfill), tags, run config. */
export function LaunchDialog({ assetKeys, partitioned = false, onClose }: { assetKeys: string[]; partitioned?: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const [mode, setMode] = useState<PartMode>(partitioned ? "single" : "none");
  const [key, setKey] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [tagText, setTagText] = useState("");
  const [configText, setConfigText] = useState("");
  const tags = parseTags(tagText);
  const config = parseConfig(configText);
  const partError =
    mode === "single" && !key.trim() ? "Enter a partition key" : (mode === "range" || mode === "backfill") && (!start.trim() || !end.trim()) ? "Enter the first and last partition keys" : undefined;
  const invalid = Boolean(tags.error || config.error || partError);

  const launch = useMutation({
    mutationFn: async () => {
      if (mode === "backfill") {
        const r = await postJson<BackfillActionResponse>("/api/backfills", {
          selection: assetKeys.join(" "),
          partitions: { range: `${start.trim()}...${end.trim()}` },
          ...(tags.tags ? { tags: tags.tags } : {}),
        });
        return { backfill: r.backfillId };
      }
      const body: Record<string, unknown> = { assetKeys };
      if (mode === "single") body.partitionKey = key.trim();
      if (mode === "range") body.partitionRange = `${start.trim()}...${end.trim()}`;
      if (tags.tags) body.tags = tags.tags;
      if (config.config) body.config = config.config;
      const r = await postJson<LaunchResponse>("/api/runs", body);
      return { run: r.runId };
    },
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ["runs"] });
      onClose();
      if ("run" in r && r.run) navigate(runPath(r.run));
      else if ("backfill" in r && r.backfill) navigate(`/backfills/${encodeURIComponent(r.backfill)}`);
    },
  });

  return (
    <Dialog
      title={`Materialize ${assetKeys.length === 1 ? assetKeys[0] : `${assetKeys.length} assets`}`}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>Cancel</button>
          <button className="btn primary" disabled={invalid || launch.isPending} onClick={() => launch.mutate()} data-testid="launch-run">
            {launch.isPending ? "Launching…" : mode === "backfill" ? "Launch backfill" : "Launch run"}
          </button>
        </>
      }
    >
      <div className="field">
        Assets ({assetKeys.length})
        <div className="row" style={{ maxHeight: 96, overflow: "auto" }}>
          {assetKeys.slice(0, 60).map((k) => (
            <span key={k} className="chip">{k}</span>
          ))}
          {assetKeys.length > 60 ? <span className="muted small">and {assetKeys.length - 60} more</span> : null}
        </div>
      </div>
      <div className="field">
        Partitions
        <Seg<PartMode>
          label="Partitions"
          value={mode}
          onChange={setMode}
          options={[
            { value: "none", label: partitioned ? "Default" : "Not partitioned" },
            { value: "single", label: "One key" },
            { value: "range", label: "Range (one run)" },
            { value: "backfill", label: "Range (backfill)" },
          ]}
        />
        {mode === "single" ? (
          <input className={`input${partError ? " invalid" : ""}`} value={key} onChange={(e) => setKey(e.target.value)} placeholder="e.g. 2024-01-31" aria-label="Partition key" />
        ) : null}
        {mode === "range" || mode === "backfill" ? (
          <div className="row">
            <input className="input grow" value={start} onChange={(e) => setStart(e.target.value)} placeholder="first key, e.g. 2024-01-01" aria-label="First partition" />
            <span className="muted">…</span>
            <input className="input grow" value={end} onChange={(e) => setEnd(e.target.value)} placeholder="last key, e.g. 2024-01-31" aria-label="Last partition" />
          </div>
        ) : null}
        {mode === "backfill" ? <span className="muted small">A backfill splits the range into runs and tracks each chunk.</span> : null}
        {partError && mode !== "none" ? <span className="field-err">{partError}</span> : null}
      </div>
      <label className="field">
        Tags (one key=value per line)
        <textarea className={`input${tags.error ? " invalid" : ""}`} rows={2} value={tagText} onChange={(e) => setTagText(e.target.value)} placeholder="team=analytics" />
        {tags.error ? <span className="field-err">{tags.error}</span> : null}
      </label>
      {mode !== "backfill" ? (
        <label className="field">
          Run config (JSON)
          <textarea
            className={`input${config.error ? " invalid" : ""}`}
            rows={5}
            value={configText}
            onChange={(e) => setConfigText(e.target.value)}
            placeholder={'{\n  "ops": {}\n}'}
            spellCheck={false}
            data-testid="config-editor"
          />
          {config.error ? <span className="field-err" data-testid="config-error">{config.error}</span> : <span className="muted small">Optional. Validated by the code location when the run starts.</span>}
        </label>
      ) : null}
      <ErrorBanner error={launch.error} />
    </Dialog>
  );
}
