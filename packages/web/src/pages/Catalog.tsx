import { useDeferredValue, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, qs, type AssetsResponse, type AssetHealth } from "../lib/api.ts";
import { facets, filterCatalog, indexCatalog } from "../lib/catalog.ts";
import { timeAgo } from "../lib/format.ts";
import { perf } from "../lib/perf.ts";
import { assetPath, navigate, setQueryParam, useLocation, Link } from "../lib/router.tsx";
import { ASSET_LABEL, AssetStatus, CHECK_TONE, Empty, ErrorBanner, HEALTH_TONE, Loading } from "../components/ui.tsx";
import { VirtualList } from "../components/VirtualList.tsx";
import { LaunchDialog } from "./Launch.tsx";

const ROW_H = 44;

export function CatalogPage() {
  const { search } = useLocation();
  const select = search.get("select") ?? "";
  const [draftSelect, setDraftSelect] = useState(select);
  const [text, setText] = useState(search.get("q") ?? "");
  const group = search.get("group") ?? undefined;
  const kind = search.get("kind") ?? undefined;
  const owner = search.get("owner") ?? undefined;
  const tag = search.get("tag") ?? undefined;
  const status = (search.get("status") as AssetHealth | null) ?? undefined;
  const [cursor, setCursor] = useState(0);
  const [launch, setLaunch] = useState<{ keys: string[]; partitionAsset: string | undefined } | null>(null);

  const q = useQuery({
    queryKey: ["assets", select],
    queryFn: ({ signal }) => getJson<AssetsResponse>(`/api/assets${qs({ select: select || undefined })}`, signal),
    placeholderData: (p) => p,
  });
  const indexed = useMemo(() => indexCatalog(q.data?.assets ?? []), [q.data]);
  const fac = useMemo(() => facets(indexed), [indexed]);
  const deferred = useDeferredValue(text);
  const rows = useMemo(() => {
    const t0 = performance.now();
    const r = filterCatalog(indexed, { q: deferred, group, kind, owner, tag, status });
    const p = perf();
    p.catalogFilterMs = performance.now() - t0;
    p.catalogRows = r.length;
    return r;
  }, [indexed, deferred, group, kind, owner, tag, status]);

  const filtersOn = Boolean(text || group || kind || owner || tag || status || select);
  const facet = (name: string, value: string | undefined, options: [string, number][], label: string) => (
    <select className="input" value={value ?? ""} onChange={(e) => setQueryParam(name, e.target.value || undefined)} aria-label={label}>
      <option value="">{label}: all</option>
      {options.map(([v, n]) => (
        <option key={v} value={v}>
          {v} ({n})
        </option>
      ))}
    </select>
  );

  return (
    <div className="page fill">
      <div className="page-head">
        <h1>Assets</h1>
        <span className="muted" data-testid="catalog-count">
          {rows.length.toLocaleString()} of {(q.data?.total ?? 0).toLocaleString()}
        </span>
        <span className="spacer" />
        <Link to={`/graph${qs({ select: select || undefined })}`} className="btn ghost">View as graph</Link>
        <button className="btn primary" disabled={rows.length === 0} onClick={() => setLaunch({ keys: rows.map((r) => r.a.key), partitionAsset: rows.find((r) => r.a.partitions)?.a.key })} data-testid="materialize-shown">
          Materialize {filtersOn ? `${rows.length} shown` : "all"}…
        </button>
      </div>
      <div className="toolbar">
        <input
          className="input grow"
          style={{ maxWidth: 320, minWidth: 200 }}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setCursor(0);
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") setCursor((c) => Math.min(rows.length - 1, c + 1));
            else if (e.key === "ArrowUp") setCursor((c) => Math.max(0, c - 1));
            else if (e.key === "Enter" && rows[cursor]) navigate(assetPath(rows[cursor].a.key));
            else return;
            e.preventDefault();
          }}
          placeholder="Search assets (key, group, kind, owner, tag)…"
          aria-label="Search assets"
          data-testid="catalog-search"
          autoFocus
        />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setQueryParam("select", draftSelect.trim() || undefined);
          }}
          className="row"
        >
          <input
            className="input mono"
            style={{ width: 220 }}
            value={draftSelect}
            onChange={(e) => setDraftSelect(e.target.value)}
            placeholder="Selection: +raw/orders+, group:mart"
            aria-label="Selection syntax"
            spellCheck={false}
            data-testid="catalog-select"
          />
        </form>
        {facet("group", group, fac.groups, "Group")}
        {facet("kind", kind, fac.kinds, "Kind")}
        {facet("owner", owner, fac.owners, "Owner")}
        {fac.tags.length ? facet("tag", tag, fac.tags, "Tag") : null}
        <select className="input" value={status ?? ""} onChange={(e) => setQueryParam("status", e.target.value || undefined)} aria-label="Status">
          <option value="">Status: all</option>
          {(Object.keys(ASSET_LABEL) as AssetHealth[]).map((s) => (
            <option key={s} value={s}>{ASSET_LABEL[s]}</option>
          ))}
        </select>
        {filtersOn ? (
          <button
            className="btn ghost"
            onClick={() => {
              setText("");
              setDraftSelect("");
              for (const k of ["select", "group", "kind", "owner", "tag", "status"]) setQueryParam(k, undefined);
            }}
          >
            Clear
          </button>
        ) : null}
      </div>
      <ErrorBanner error={q.error} />
      <div className="card" style={{ flex: 1, minHeight: 300, display: "flex", flexDirection: "column", overflow: "hidden" }}>
        <div className="vhead cat-grid">
          <span>Asset</span>
          <span>Group</span>
          <span>Kinds</span>
          <span>Owners</span>
          <span>Status</span>
          <span>Materialized</span>
          <span>Checks · partitions</span>
        </div>
        {!q.data ? (
          <Loading />
        ) : rows.length === 0 ? (
          q.data.total === 0 ? (
            <Empty title="No assets defined" icon="◇">
              Add assets to your project's <code>strata.config.ts</code> with <code>asset()</code>; the catalog updates when the code location reloads.
            </Empty>
          ) : (
            <Empty title="No asset matches" icon="⌕">Loosen the search or the filters, or clear them.</Empty>
          )
        ) : (
          <VirtualList
            count={rows.length}
            rowHeight={ROW_H}
            label="Assets"
            testId="catalog-list"
            renderRow={(i, style) => {
              const a = rows[i]!.a;
              const failing = a.checks.filter((c) => c.status === "failed" || c.status === "warning").length;
              return (
                <div key={a.key} className={`vrow cat-grid${i === cursor ? " sel" : ""}`} style={style} role="listitem">
                  <span className="cell">
                    <Link to={assetPath(a.key)} title={a.description ?? a.key} data-testid="asset-link">
                      {a.key}
                    </Link>
                  </span>
                  <span className="cell muted">{a.group}</span>
                  <span className="cell">{a.kinds.map((k) => <span key={k} className="chip kind" style={{ marginRight: 4 }}>{k}</span>)}</span>
                  <span className="cell muted">{a.owners.join(", ")}</span>
                  <span className="cell">
                    <AssetStatus status={a.status} />
                    {a.health === "degraded" || a.health === "warning" ? (
                      <span className={`dot s-${HEALTH_TONE[a.health]}`} style={{ marginLeft: 6 }} title={`Health: ${a.health} (see the asset page)`} data-testid="health-dot" />
                    ) : null}
                  </span>
                  <span className="cell muted small" title={a.lastMaterialization ? new Date(a.lastMaterialization.timestamp).toISOString() : "never"}>
                    {timeAgo(a.lastMaterialization?.timestamp)}
                    {a.freshness === "fail" || a.freshness === "warn" ? (
                      <span className={`fresh-flag s-${a.freshness === "fail" ? "err" : "warn"}`} title="Freshness policy (see the asset page)" data-testid="freshness-flag">
                        {a.freshness === "fail" ? " · late" : " · due soon"}
                      </span>
                    ) : null}
                  </span>
                  <span className="cell small">
                    {a.checks.length ? (
                      <span className={`badge s-${failing ? CHECK_TONE.failed : a.checks.every((c) => c.status === "passed") ? "ok" : "muted"}`}>
                        {failing ? `${failing} failing` : `${a.checks.length} check${a.checks.length > 1 ? "s" : ""}`}
                      </span>
                    ) : null}{" "}
                    {a.partitions ? <span className="muted">{a.partitions}</span> : null}
                  </span>
                </div>
              );
            }}
          />
        )}
      </div>
      {launch ? <LaunchDialog assetKeys={launch.keys} partitionAsset={launch.partitionAsset} onClose={() => setLaunch(null)} /> : null}
    </div>
  );
}
