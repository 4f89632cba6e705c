import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { StrataError } from "@strata/core";
import type { Hono } from "hono";
import { isLoopbackAddress } from "./app.ts";

/**
 * The binding rule: loopback is always allowed; any other address needs an access token, so a
 * server reachable from the network never runs open.
 */
export function checkBinding(host: string, token: string | undefined): void {
  if (isLoopbackAddress(host)) return;
  if (token === undefined || token.length === 0) {
    throw new StrataError(
      "USAGE",
      `Refusing to listen on ${host} without an access token: anyone who can reach it could launch runs and read run history`,
      {
        hint: "Set STRATA_TOKEN to a long random value (every request must then carry it), or keep the default --host 127.0.0.1.",
      },
    );
  }
  if (token.length < 16) {
    throw new StrataError(
      "USAGE",
      "STRATA_TOKEN is too short to protect a server bound to the network (16 characters at least)",
      {
        hint: "Generate one: node -e \"console.log(require('crypto').randomBytes(24).toString('base64url'))\"",
      },
    );
  }
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  host: string;
  /** Stops accepting connections and closes open ones (SSE included). */
  close(): Promise<void>;
}

/** Serves `app` on host:port (port 0 = any free port) after checking the binding rule. */
export async function startServer(
  app: Hono,
  options: { host: string; port: number; token?: string },
): Promise<RunningServer> {
  checkBinding(options.host, options.token);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }) as Server;
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new StrataError("USAGE", `Port ${options.port} on ${options.host} is already in use`, {
              hint: "Stop the other server or pick another port with --port.",
            })
          : err,
      );
    });
    server.once("listening", () => {
      const addr = server.address() as AddressInfo;
      const shown = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      resolve({
        url: `http://${shown}:${addr.port}`,
        port: addr.port,
        host: options.host,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
