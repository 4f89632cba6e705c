import { useEffect, useRef, type ReactNode } from "react";
import type { AssetHealth, AssetHealthStatus, CheckHealth, RunStatus } from "../lib/api.ts";
import { ApiRequestError } from "../lib/api.ts";

type Tone = "ok" | "err" | "warn" | "run" | "stale" | "muted";

export const ASSET_TONE: Record<AssetHealth, Tone> = {
  materialized: "ok",
  stale: "stale",
  failed: "err",
  in_progress: "run",
  missing: "muted",
};
export const ASSET_LABEL: Record<AssetHealth, string> = {
  materialized: "Materialized",
  stale: "Stale",
  failed: "Failed",
  in_progress: "In progress",
  missing: "Never materialized",
};
export const RUN_TONE: Record<RunStatus, Tone> = {
  QUEUED: "muted",
  NOT_STARTED: "muted",
  STARTING: "run",
  STARTED: "run",
  SUCCESS: "ok",
  FAILURE: "err",
  CANCELING: "warn",
  CANCELED: "warn",
};
export const CHECK_TONE: Record<CheckHealth, Tone> = { passed: "ok", failed: "err", warning: "warn", not_evaluated: "muted" };

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge s-${tone}`} title={title}>
      <span className="dot" />
      {children}
    </span>
  );
}

export const HEALTH_TONE: Record<AssetHealthStatus, Tone> = { healthy: "ok", warning: "warn", degraded: "err", unknown: "muted" };
/** Rule-based health (materialisation, checks, freshness); `reasons` become the tooltip. */
export const HealthBadge = ({ status, reasons }: { status: AssetHealthStatus; reasons?: string[] }) => (
  <Badge tone={HEALTH_TONE[status]} title={reasons?.length ? reasons.join("; ") : undefined}>
    {status[0]!.toUpperCase() + status.slice(1)}
  </Badge>
);
export const AssetStatus = ({ status }: { status: AssetHealth }) => (
  <Badge tone={ASSET_TONE[status]}>{ASSET_LABEL[status]}</Badge>
);
export const RunStatusBadge = ({ status }: { status: RunStatus }) => (
  <Badge tone={RUN_TONE[status]}>{status.charAt(0) + status.slice(1).toLowerCase().replace("_", " ")}</Badge>
);
export const CheckStatus = ({ status }: { status: CheckHealth }) => (
  <Badge tone={CHECK_TONE[status]}>{status === "not_evaluated" ? "Not evaluated" : status[0]!.toUpperCase() + status.slice(1)}</Badge>
);

export function Empty({ title, children, icon = "○", action }: { title: string; children?: ReactNode; icon?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <div className="icon">{icon}</div>
      <h2>{title}</h2>
      {children ? <p>{children}</p> : null}
      {action}
    </div>
  );
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  const hint = error instanceof ApiRequestError ? error.hint : undefined;
  return (
    <div className="banner err" role="alert">
      <strong>{msg}</strong>
      {hint ? <div className="small">{hint}</div> : null}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="row muted" style={{ padding: 16 }} aria-busy="true">
      <span className="spinner" /> {label}
    </div>
  );
}

export function Card({ title, actions, children, bodyClass = "card-body", testId }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; bodyClass?: string; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      {title !== undefined ? (
        <div className="card-head">
          <h2>{title}</h2>
          <span className="spacer" />
          {actions}
        </div>
      ) : null}
      <div className={bodyClass}>{children}</div>
    </section>
  );
}

export function Dialog({ title, onClose, children, footer }: { title: string; onClose: () => void; children: ReactNode; footer: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>("input, textarea, select, button");
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      prev?.focus();
    };
  }, [onClose]);
  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <div className="dialog-head">
          <h2>{title}</h2>
          <span style={{ flex: 1 }} />
          <button className="btn ghost sm" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="dialog-body">{children}</div>
        <div className="dialog-foot">{footer}</div>
      </div>
    </div>
  );
}

export function Seg<T extends string>({ value, options, onChange, label }: { value: T; options: { value: T; label: string }[]; onChange: (v: T) => void; label: string }) {
  return (
    <div className="seg" role="group" aria-label={label}>
      {options.map((o) => (
        <button key={o.value} type="button" className={o.value === value ? "on" : ""} aria-pressed={o.value === value} onClick={() => onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}
