import { StrictMode, useEffect, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import "./styles.css";
import { Link, navigate, useLocation } from "./lib/router.tsx";
import { useLiveUpdates } from "./lib/live.ts";
import { OverviewPage } from "./pages/Overview.tsx";
import { CatalogPage } from "./pages/Catalog.tsx";
import { GraphPage } from "./graph/GraphPage.tsx";
import { AssetDetailPage } from "./pages/AssetDetail.tsx";
import { RunsPage } from "./pages/Runs.tsx";
import { RunDetailPage } from "./pages/RunDetail.tsx";
import { BackfillDetailPage, BackfillsPage } from "./pages/Backfills.tsx";
import { AutomationPage } from "./pages/Automation.tsx";
import { DeploymentPage } from "./pages/Deployment.tsx";
import { Empty } from "./components/ui.tsx";

const NAV: { to: string; label: string; key: string; icon: ReactNode }[] = [
  { to: "/", label: "Overview", key: "o", icon: <path d="M3 3h7v7H3zM14 3h7v5h-7zM14 12h7v9h-7zM3 14h7v7H3z" /> },
  { to: "/assets", label: "Assets", key: "a", icon: <path d="M4 6h16M4 12h16M4 18h10" /> },
  { to: "/graph", label: "Lineage", key: "g", icon: <path d="M5 6h4v4H5zM15 4h4v4h-4zM15 16h4v4h-4zM9 8l6-2M9 8l6 10" /> },
  { to: "/runs", label: "Runs", key: "r", icon: <path d="M6 4l13 8-13 8z" /> },
  { to: "/backfills", label: "Backfills", key: "b", icon: <path d="M4 5h16M4 10h12M4 15h8M4 20h4" /> },
  { to: "/automation", label: "Automation", key: "u", icon: <path d="M12 3v3M12 18v3M3 12h3M18 12h3M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z" /> },
  { to: "/deployment", label: "Deployment", key: "d", icon: <path d="M4 7h16v4H4zM4 13h16v4H4zM7 9h.01M7 15h.01" /> },
];

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(() => document.documentElement.dataset.theme ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  return [
    theme,
    () => {
      const next = theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      try { localStorage.setItem("strata.theme", next); } catch { /* private mode */ }
      setTheme(next);
    },
  ];
}

function Routes({ path }: { path: string }) {
  const seg = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, ...rest] = seg;
  if (!first) return <OverviewPage />;
  if (first === "assets" && rest.length) return <AssetDetailPage key={rest.join("/")} assetKey={rest.join("/")} />;
  if (first === "assets") return <CatalogPage />;
  if (first === "graph") return <GraphPage />;
  if (first === "runs" && rest[0]) return <RunDetailPage key={rest[0]} runId={rest[0]} />;
  if (first === "runs") return <RunsPage />;
  if (first === "backfills" && rest[0]) return <BackfillDetailPage id={rest[0]} />;
  if (first === "backfills") return <BackfillsPage />;
  if (first === "automation" || first === "schedules" || first === "sensors") return <AutomationPage kind={first === "schedules" ? "Schedules" : first === "sensors" ? "Sensors" : "Automation"} />;
  if (first === "deployment") return <DeploymentPage />;
  return <div className="page"><Empty title="Page not found" icon="?" action={<Link to="/" className="btn">Go to the overview</Link>}>There is nothing at <code>{path}</code>.</Empty></div>;
}

function App() {
  const client = useQueryClient();
  const live = useLiveUpdates(client);
  const { path } = useLocation();
  const [theme, toggle] = useTheme();
  useEffect(() => {
    // g then a letter: keyboard navigation between pages
    let armed = 0;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.closest("input, textarea, select, [contenteditable]") || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === "g") { armed = Date.now(); return; }
      if (Date.now() - armed < 1200) {
        const n = NAV.find((x) => x.key === e.key);
        if (n) { navigate(n.to); armed = 0; }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const active = (to: string) => (to === "/" ? path === "/" : path === to || path.startsWith(`${to}/`));
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <Link to="/" className="brand"><span className="brand-mark">≡</span>Strata</Link>
        {NAV.map((n) => (
          <Link key={n.to} to={n.to} className={`nav-link${active(n.to) ? " active" : ""}`} aria-current={active(n.to) ? "page" : undefined}>
            <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">{n.icon}</svg>
            {n.label}
            <span className="nav-kbd" title={`g then ${n.key}`}>g {n.key}</span>
          </Link>
        ))}
        <div className="sidebar-foot">
          <span className="row" data-testid="live-state"><span className={`dot s-${live === "live" ? "ok" : live === "offline" ? "err" : "warn"}`} />{live === "live" ? "Live updates" : live === "offline" ? "Disconnected" : "Connecting…"}</span>
          <button className="btn sm" onClick={toggle} aria-label="Toggle dark mode" data-testid="theme-toggle">{theme === "dark" ? "☀ Light theme" : "☾ Dark theme"}</button>
        </div>
      </nav>
      <main className="main"><Routes path={path} /></main>
    </div>
  );
}

const client = new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true, retry: 1 } } });
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}><App /></QueryClientProvider>
  </StrictMode>,
);
