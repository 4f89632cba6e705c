/**
 * Resources: the DuckDB warehouse, the two I/O managers (DuckDB tables for bronze, parquet
 * files for the lakehouse), and the "source systems" the bronze layer lands files from.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { duckdbIOManager, duckdbResource } from "@strata/duckdb";
import { env, resource, secret, z } from "strata";
import { ordersForDay, sensorReadingsForDay } from "./generate.ts";

/** Where landed files go (`<instance>/landing` by default) and how to fetch a day's export. */
export interface SourceSystems {
  landingDir: string;
  /** Lands the shop's order export for `day` (JSON array) and returns the file path. */
  landOrders(day: string): string;
  /** Lands the IoT gateway's readings for `day` (newline-delimited JSON) and returns the file path. */
  landSensorReadings(day: string): string;
  /** A short, non-secret fingerprint of the API token (safe to log). */
  tokenFingerprint: string;
}

/**
 * A stand-in for the shop API and the IoT gateway. In production these would be HTTP clients;
 * here they generate each day's export deterministically and write it once to the landing
 * folder (a landed file is never rewritten, as in a real landing zone). The API token is a
 * secret: Strata replaces its value by *** in logs, events and errors.
 */
export const sourceSystems = resource({
  description: "Shop API + IoT gateway exports, landed as files",
  config: z.object({
    shopApiToken: secret(z.string().min(4)),
    gatewayUrl: z.string().url(),
    /** Landing folder; relative paths are resolved against the instance folder. */
    landingDir: z.string().default("landing"),
  }),
  create: ({ shopApiToken, landingDir }, ctx): SourceSystems => {
    const dir = isAbsolute(landingDir) ? landingDir : resolve(ctx.instanceDir, landingDir);
    const land = (feed: string, file: string, body: () => string): string => {
      const path = join(dir, feed, file);
      if (!existsSync(path)) {
        mkdirSync(join(dir, feed), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, body());
        renameSync(tmp, path); // atomic: a reader never sees half a file
      }
      return path;
    };
    return {
      landingDir: dir,
      landOrders: (day) => land("orders", `${day}.json`, () => JSON.stringify(ordersForDay(day), null, 1)),
      landSensorReadings: (day) =>
        land("sensor_readings", `${day}.jsonl`, () => sensorReadingsForDay(day).map((r) => JSON.stringify(r)).join("\n") + "\n"),
      tokenFingerprint: createHash("sha256").update(shopApiToken).digest("hex").slice(0, 8),
    };
  },
});

/** Configured from the environment (or `.env`); the defaults make the example run out of the box. */
export const sourceSystemsFromEnv = sourceSystems.configure({
  shopApiToken: env("SHOP_API_TOKEN", { secret: true, default: "demo-shop-token" }),
  gatewayUrl: env("IOT_GATEWAY_URL", { default: "https://iot-gateway.example.com" }),
  landingDir: env("MEDALLION_LANDING_DIR", { default: "landing" }),
});

export const resources = {
  /** Default I/O manager: DuckDB tables in `<instance>/warehouse.duckdb`; inputs load as lazy relations. */
  io_manager: duckdbIOManager({ loadAs: "relation" }),
  /** The lakehouse: parquet files under `<instance>/parquet`, with a DuckDB view over each asset. */
  lake: duckdbIOManager({ format: "parquet", loadAs: "relation" }),
  /** The same warehouse file, for assets (and the dbt project) that run SQL themselves. */
  warehouse: duckdbResource(),
  source_systems: sourceSystemsFromEnv,
};
