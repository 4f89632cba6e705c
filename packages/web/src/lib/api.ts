/**
 * The HTTP API client. Types come from @strata/server (types only: nothing of the server is
 * bundled). A token passed as `?token=` in the page URL is kept for the session and sent on
 * every request (and as `?token=` on EventSource URLs).
 */
import type { ApiErrorBody } from "@strata/server";

export type * from "@strata/server";

const TOKEN_KEY = "strata.token";

function readToken(): string | undefined {
  try {
    const fromUrl = new URLSearchParams(window.location.search).get("token");
    if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const token = typeof window === "undefined" ? undefined : readToken();

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody["error"] | undefined,
    message: string,
  ) {
    super(message);
  }
  get hint(): string | undefined {
    return this.body?.hint;
  }
}

function headers(json: boolean): HeadersInit {
  const h: Record<string, string> = {};
  if (json) h["content-type"] = "application/json";
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

async function handle<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let body: ApiErrorBody | undefined;
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    body = undefined;
  }
  throw new ApiRequestError(res.status, body?.error, body?.error?.message ?? `${res.status} ${res.statusText}`);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return handle<T>(await fetch(path, { headers: headers(false), ...(signal ? { signal } : {}) }));
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return handle<T>(await fetch(path, { method: "POST", headers: headers(true), body: JSON.stringify(body) }));
}

/** `/api/stream?…` with the token when there is one. */
export function streamUrl(params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  if (token) q.set("token", token);
  const s = q.toString();
  return `/api/stream${s ? `?${s}` : ""}`;
}

export const enc = encodeURIComponent;

export function qs(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
