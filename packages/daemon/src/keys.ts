/** Key-value keys the daemon owns (read by `strata status`, `strata schedules`, ...). */
export const KV = {
  heartbeat: (loop: string) => `daemon/heartbeat/${loop}`,
  /** Set by `strata schedules|sensors start|stop`; absent = the definition's defaultStatus. */
  instigatorStatus: (name: string) => `instigator/${name}/status`,
  /** The daemon's progress: { lastTickTime?, cursor?, lastTickAt? }. */
  instigatorState: (name: string) => `instigator/${name}/state`,
  automationState: "automation/state",
  freshness: "daemon/freshness",
  queueSettings: "daemon/queue_settings",
  retrySettings: "daemon/retry_settings",
} as const;

/** Run tags the daemon reads or writes. */
export const TAGS = {
  runKey: "strata/run_key",
  priority: "strata/priority",
  schedule: "strata/schedule",
  sensor: "strata/sensor",
  automation: "strata/automation_tick",
  maxRetries: "strata/max_retries",
  retryNumber: "strata/retry_number",
  retryStrategy: "strata/retry_strategy",
  launchPid: "strata/launch_pid",
  launchHost: "strata/launch_host",
  relaunched: "strata/relaunched",
  /** A workspace run part waits in the queue until this run (the part it depends on) succeeded. */
  afterRun: "strata/after_run",
  workspacePart: "strata/workspace_part",
} as const;
