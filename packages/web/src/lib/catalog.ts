import type { AssetSummary, AssetHealth } from "./api.ts";

/** A catalog row with its searchable text lowercased once, so filtering 10,000 rows is a tight loop. */
export interface IndexedAsset {
  a: AssetSummary;
  key: string;
  group: string;
  kinds: string[];
  owners: string[];
  tags: string[];
  text: string;
}

export interface CatalogFilter {
  q: string;
  group?: string;
  kind?: string;
  owner?: string;
  tag?: string;
  status?: AssetHealth;
}

export function indexCatalog(assets: readonly AssetSummary[]): IndexedAsset[] {
  return assets.map((a) => {
    const tags = Object.entries(a.tags).map(([k, v]) => (v ? `${k}=${v}` : k).toLowerCase());
    const kinds = a.kinds.map((k) => k.toLowerCase());
    const owners = a.owners.map((o) => o.toLowerCase());
    return {
      a,
      key: a.key.toLowerCase(),
      group: a.group.toLowerCase(),
      kinds,
      owners,
      tags,
      text: [a.key, a.group, ...a.kinds, ...a.owners, ...tags, a.description ?? ""].join("\u0001").toLowerCase(),
    };
  });
}

/** Every term of `q` must appear somewhere in the row; facet filters match exactly. */
export function filterCatalog(rows: readonly IndexedAsset[], f: CatalogFilter): IndexedAsset[] {
  const terms = f.q.toLowerCase().split(/\s+/).filter(Boolean);
  const group = f.group?.toLowerCase();
  const kind = f.kind?.toLowerCase();
  const owner = f.owner?.toLowerCase();
  const tag = f.tag?.toLowerCase();
  const out: IndexedAsset[] = [];
  outer: for (const r of rows) {
    if (group !== undefined && r.group !== group) continue;
    if (f.status !== undefined && r.a.status !== f.status) continue;
    if (kind !== undefined && !r.kinds.includes(kind)) continue;
    if (owner !== undefined && !r.owners.includes(owner)) continue;
    if (tag !== undefined && !r.tags.includes(tag)) continue;
    for (const t of terms) if (!r.text.includes(t)) continue outer;
    out.push(r);
  }
  return out;
}

/** Distinct values (with counts) of each facet, for the filter menus. */
export function facets(rows: readonly IndexedAsset[]) {
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const groups = new Map<string, number>(), kinds = new Map<string, number>(), owners = new Map<string, number>(), tags = new Map<string, number>();
  for (const r of rows) {
    count(groups, r.a.group);
    r.a.kinds.forEach((k) => count(kinds, k));
    r.a.owners.forEach((o) => count(owners, o));
    Object.entries(r.a.tags).forEach(([k, v]) => count(tags, v ? `${k}=${v}` : k));
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  return { groups: sorted(groups), kinds: sorted(kinds), owners: sorted(owners), tags: sorted(tags) };
}
