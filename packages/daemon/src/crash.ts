/**
 * Crash injection for the crash-safety tests: `STRATA_DAEMON_CRASH_AT=<stage>` kills the daemon
 * process (SIGKILL, like `kill -9` or a power cut) when it reaches that stage. Stages:
 * `schedule:tick_created`, `schedule:runs_created`, `schedule:tick_done`, `schedule:cursor_saved`,
 * `sensor:tick_created`, `sensor:runs_created`, `sensor:cursor_saved`, `automation:tick_created`,
 * `automation:runs_created`, `queue:dequeued`, `queue:launched`, `freshness:event_stored`.
 */
export function crashPoint(stage: string): void {
  if (process.env.STRATA_DAEMON_CRASH_AT !== stage) return;
  process.stderr.write(`STRATA_DAEMON_CRASH_AT=${stage}: killing the daemon (pid ${process.pid})\n`);
  process.kill(process.pid, "SIGKILL");
}
