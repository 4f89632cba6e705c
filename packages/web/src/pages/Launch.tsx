import { useCallback, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { postJson, type BackfillActionResponse, type LaunchResponse } from "../lib/api.ts";
import { launchRequest, type PartitionChoice } from "../lib/partition-pick.ts";
import { navigate, runPath } from "../lib/router.tsx";
import { Dialog, ErrorBanner } from "../components/ui.tsx";
import { PartitionPicker, type PickerResult } from "../components/PartitionPicker.tsx";

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

/**
 * The launch dialog: assets, partitions (picked against the definition of `partitionAsset`,
 * the first partitioned asset of the selection), tags and run config. One partition launches a
 * run; more (a range, all missing, all failed) launch a backfill.
 */
export function LaunchDialog({ assetKeys, partitionAsset, onClose }: { assetKeys: string[]; partitionAsset?: string | undefined; onClose: () => void }) {
  const client = useQueryClient();
  const [picked, setPicked] = useState<PickerResult>({});
  const onPick = useCallback((r: PickerResult) => setPicked(r), []);
  const [tagText, setTagText] = useState("");
  const [configText, setConfigText] = useState("");
  const tags = parseTags(tagText);
  const config = parseConfig(configText);
  const choice: PartitionChoice | undefined = partitionAsset ? picked.choice : undefined;
  const backfill = choice !== undefined && !(choice.kind === "range" && choice.count === 1);
  const invalid = Boolean(tags.error || (!backfill && config.error) || (partitionAsset && !choice));

  const launch = useMutation({
    mutationFn: async () => {
      const extra = { ...(tags.tags ? { tags: tags.tags } : {}), ...(config.config && !backfill ? { config: config.config } : {}) };
      const req = choice ? launchRequest(choice, assetKeys, extra) : { path: "/api/runs" as const, body: { assetKeys, ...extra } };
      if (req.path === "/api/backfills") return { backfill: (await postJson<BackfillActionResponse>(req.path, req.body)).backfillId };
      return { run: (await postJson<LaunchResponse>(req.path, req.body)).runId };
    },
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ["runs"] });
      void client.invalidateQueries({ queryKey: ["backfills"] });
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
            {launch.isPending ? "Launching…" : backfill ? "Launch backfill" : "Launch run"}
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
      {partitionAsset ? (
        <div className="field">
          Partitions{assetKeys.length > 1 ? <span className="muted small">of {partitionAsset} (every partitioned asset in the selection must accept them)</span> : null}
          <PartitionPicker assetKey={partitionAsset} onChange={onPick} />
        </div>
      ) : null}
      <label className="field">
        Tags (one key=value per line)
        <textarea className={`input${tags.error ? " invalid" : ""}`} rows={2} value={tagText} onChange={(e) => setTagText(e.target.value)} placeholder="team=analytics" />
        {tags.error ? <span className="field-err">{tags.error}</span> : null}
      </label>
      {!backfill ? (
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
      ) : <span className="muted small">A backfill runs without run config; launch a single partition to pass config.</span>}
      <ErrorBanner error={launch.error} />
    </Dialog>
  );
}
