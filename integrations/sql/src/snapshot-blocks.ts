/**
 * Extracts `{% snapshot name %} ... {% endsnapshot %}` blocks from a snapshot file, keeping
 * the line where each body starts so errors point into the file.
 *
 * @example
 * extractSnapshotBlocks("{% snapshot orders_snap %}\nselect 1\n{% endsnapshot %}", "snapshots/s.sql");
 * // [{ name: "orders_snap", body: "\nselect 1\n", line: 1 }]
 */
import { StrataError } from "@strata/core";

export interface SnapshotBlock {
  name: string;
  body: string;
  /** 1-based line of the `{% snapshot %}` tag (the body starts on it). */
  line: number;
}

const BLOCK = /\{%-?\s*snapshot\s+([A-Za-z_]\w*)\s*-?%\}([\s\S]*?)\{%-?\s*endsnapshot\s*-?%\}/g;

export function extractSnapshotBlocks(source: string, file: string): SnapshotBlock[] {
  const out: SnapshotBlock[] = [];
  for (const m of source.matchAll(BLOCK)) {
    const line = source.slice(0, m.index).split("\n").length;
    out.push({ name: m[1]!, body: m[2]!, line });
  }
  if (out.length === 0 && /\{%-?\s*snapshot\b/.test(source)) {
    throw new StrataError("SQL_TEMPLATE", `Snapshot block in ${file} has no matching {% endsnapshot %}`, { where: file, hint: "Close the block with {% endsnapshot %}." });
  }
  return out;
}
