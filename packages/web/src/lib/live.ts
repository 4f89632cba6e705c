import { useEffect, useState } from "react";
import type { QueryClient } from "@tanstack/react-query";
import { streamUrl } from "./api.ts";

export type LiveState = "connecting" | "live" | "offline";

/**
 * One EventSource for the whole app: `run`, `asset` and `location` events invalidate the queries
 * that show them (batched, at most every 400 ms, so a busy run does not refetch per event).
 */
export function useLiveUpdates(client: QueryClient): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  useEffect(() => {
    const es = new EventSource(streamUrl());
    const pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      for (const k of pending) void client.invalidateQueries({ queryKey: JSON.parse(k) as unknown[] });
      pending.clear();
    };
    const mark = (...keys: unknown[][]) => {
      for (const k of keys) pending.add(JSON.stringify(k));
      timer ??= setTimeout(flush, 400);
    };
    es.addEventListener("open", () => setState("live"));
    es.addEventListener("error", () => setState(es.readyState === EventSource.CLOSED ? "offline" : "connecting"));
    es.addEventListener("run", (e) => {
      const d = JSON.parse((e as MessageEvent<string>).data) as { runId: string };
      mark(["runs"], ["run", d.runId], ["overview"], ["assets"], ["graph"], ["backfills"]);
    });
    es.addEventListener("asset", (e) => {
      const d = JSON.parse((e as MessageEvent<string>).data) as { assetKey: string };
      mark(["assets"], ["asset", d.assetKey], ["graph"], ["overview"], ["partitions", d.assetKey]);
    });
    es.addEventListener("location", () => mark(["locations"], ["overview"], ["assets"], ["graph"], ["asset"]));
    return () => {
      es.close();
      if (timer) clearTimeout(timer);
    };
  }, [client]);
  return state;
}
