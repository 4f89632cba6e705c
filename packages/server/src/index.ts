export {
  createApp,
  isLoopbackHost,
  isLoopbackAddress,
  API_VERSION,
  type CreateAppOptions,
  type StrataApp,
} from "./app.ts";
export { startServer, checkBinding, type RunningServer } from "./serve.ts";
export { ApiError, toErrorResponse, type ApiErrorCode } from "./api-error.ts";
export { EventHub, type HubListener, type EventHubOptions } from "./event-hub.ts";
export { RouteRegistry, type RouteDoc } from "./registry.ts";
export { RunLauncher } from "./run-launcher.ts";
export { BackfillRunner } from "./backfill-runner.ts";
export type { ServerContext } from "./context.ts";
export { DEFAULT_WEB_DIST, staticUi } from "./static-ui.ts";
export { readGitInfo, gitFileUrl, remoteToWebUrl, type GitInfo } from "./views/git-link.ts";
export type * from "./api-types.ts";
