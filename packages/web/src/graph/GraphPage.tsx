import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson, qs, type GraphResponse } from "../lib/api.ts";
import { perf } from "../lib/perf.ts";
import { assetPath, Link, navigate, setQueryParam, useLocation } from "../lib/router.tsx";
import { AssetStatus, Empty, ErrorBanner, Loading } from "../components/ui.tsx";
import type { LayoutResult } from "./layout.ts";
import { GraphCanvas, type GraphHandle } from "./GraphCanvas.tsx";

let worker: Worker | undefined;
let nextId = 1;
function layoutInWorker(graph: GraphResponse): Promise<LayoutResult> {
  worker ??= new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
  const id = nextId++;
  const w = worker;
  return new Promise((resolve, reject) => {
    const onMsg = (e: MessageEvent<{ id: number; result: LayoutResult }>) => {
      if (e.data.id !== id) return;
      w.removeEventListener("message", onMsg);
      resolve(e.data.result);
    };
    w.addEventListener("message", onMsg);
    w.addEventListener("error", (e) => reject(new Error(e.message)), { once: true });
    w.postMessage({ id, nodes: graph.nodes.map((n) => ({ key: n.key, group: n.group })), edges: graph.edges });
  });
}

export function GraphPage() {
  const { search } = useLocation();
  const select = search.get("select") ?? "";
  const [draft, setDraft] = useState(select);
  const [q, setQ] = useState("");
  const graph = useQuery({
    queryKey: ["graph", select],
    queryFn: ({ signal }) => getJson<GraphResponse>(`/api/graph${qs({ select: select || undefined })}`, signal),
    placeholderData: (prev) => prev,
  });
  const [lay, setLay] = useState<{ for: GraphResponse; r: LayoutResult } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const handle = useRef<GraphHandle>(null);

  // Lay out whenever the structure changes (status-only refreshes keep the layout).
  const structure = graph.data ? `${graph.data.version}:${select}:${graph.data.nodes.length}:${graph.data.edges.length}` : "";
  useEffect(() => {
    const g = graph.data;
    if (!g || g.nodes.length === 0) return;
    let live = true;
    const requestedAt = performance.now();
    void layoutInWorker(g).then((r) => {
      if (!live) return;
      perf().graph = { nodes: g.nodes.length, edges: g.edges.length, layoutMs: r.ms, firstDrawMs: 0, requestedAt, drawnAt: 0, lastDrawMs: 0 };
      setLay({ for: g, r });
    });
    return () => {
      live = false;
    };
  }, [structure]);

  const current = graph.data && lay && lay.for.nodes.length === graph.data.nodes.length ? graph.data : lay?.for;
  const matches = useMemo(() => {
    const t = q.trim().toLowerCase();
    if (!t || !current) return null;
    const m = new Set<number>();
    current.nodes.forEach((n, i) => n.key.toLowerCase().includes(t) && m.add(i));
    return m;
  }, [q, current]);
  const sel = selected !== null && current ? current.nodes[selected] : undefined;
  const upDown = useMemo(() => {
    if (selected === null || !current) return { up: [] as string[], down: [] as string[] };
    const up: string[] = [], down: string[] = [];
    for (const [a, b] of current.edges) {
      if (b === selected) up.push(current.nodes[a]!.key);
      if (a === selected) down.push(current.nodes[b]!.key);
    }
    return { up, down };
  }, [selected, current]);

  return (
    <div className="page fill">
      <div className="page-head">
        <h1>Lineage</h1>
        <form
          className="toolbar"
          style={{ flex: 1 }}
          onSubmit={(e) => {
            e.preventDefault();
            setSelected(null);
            setQueryParam("select", draft.trim() || undefined);
          }}
        >
          <input
            className="input grow"
            style={{ maxWidth: 380 }}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder='Selection, e.g. +mart/orders+ or group:staging  (Enter)'
            aria-label="Selection"
            spellCheck={false}
          />
          <input
            className="input"
            style={{ width: 220 }}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                const first = matches ? [...matches][0] : undefined;
                if (first !== undefined) {
                  setSelected(first);
                  handle.current?.focus(first);
                }
              }
            }}
            placeholder="Find asset…"
            aria-label="Find asset in graph"
            data-testid="graph-search"
          />
          {matches ? <span className="muted small">{matches.size} match{matches.size === 1 ? "" : "es"}</span> : null}
          <button type="button" className="btn" onClick={() => handle.current?.fit()} title="Fit (0)">
            Fit
          </button>
        </form>
      </div>
      <ErrorBanner error={graph.error} />
      <div className="graph-wrap">
        {!graph.data && graph.isLoading ? <Loading label="Loading lineage…" /> : null}
        {graph.data && graph.data.nodes.length === 0 ? (
          <Empty title={select ? "Nothing matches this selection" : "No assets yet"} icon="⌁">
            {select ? "Try a broader selection, or clear it to see the whole graph." : "Define assets in your project (strata.config.ts) and they will appear here, laid out by lineage."}
          </Empty>
        ) : null}
        {graph.data && graph.data.nodes.length > 0 && !lay ? <Loading label={`Laying out ${graph.data.nodes.length.toLocaleString()} assets…`} /> : null}
        {lay && current ? (
          <GraphCanvas
            graph={current}
            lay={lay.r}
            selected={selected}
            matches={matches}
            onSelect={setSelected}
            onOpen={(i) => navigate(assetPath(current.nodes[i]!.key))}
            handle={handle}
          />
        ) : null}
        {lay ? (
          <div className="graph-legend" aria-hidden="true">
            {(["materialized", "stale", "failed", "in_progress", "missing"] as const).map((s) => (
              <span key={s} className="row" style={{ gap: 5 }}>
                <span className={`dot s-${{ materialized: "ok", stale: "stale", failed: "err", in_progress: "run", missing: "muted" }[s]}`} />
                {s.replace("_", " ")}
              </span>
            ))}
          </div>
        ) : null}
        {sel ? (
          <div className="card graph-panel" data-testid="graph-panel">
            <div className="card-head">
              <h2 style={{ overflowWrap: "anywhere" }}>{sel.key}</h2>
            </div>
            <div className="card-body stack">
              <div className="row">
                <AssetStatus status={sel.status} />
                <span className="chip">{sel.group}</span>
                {sel.kinds?.map((k) => (
                  <span key={k} className="chip kind">{k}</span>
                ))}
              </div>
              <Link to={assetPath(sel.key)} className="btn primary" data-testid="open-asset">
                Open asset →
              </Link>
              <div className="small">
                <strong>Upstream ({upDown.up.length})</strong>
                <div className="muted">{upDown.up.slice(0, 8).join(", ") || "none"}{upDown.up.length > 8 ? "…" : ""}</div>
              </div>
              <div className="small">
                <strong>Downstream ({upDown.down.length})</strong>
                <div className="muted">{upDown.down.slice(0, 8).join(", ") || "none"}{upDown.down.length > 8 ? "…" : ""}</div>
              </div>
              <button
                className="btn sm"
                onClick={() => {
                  setDraft(`+${sel.key}+`);
                  setSelected(null);
                  setQueryParam("select", `+${sel.key}+`);
                }}
              >
                Show only its neighbourhood
              </button>
            </div>
          </div>
        ) : null}
      </div>
    </div>
  );
}
