import { describe, expect, it } from "vitest";
import { z } from "zod";
import { env } from "./env.ts";
import { StrataError } from "./errors.ts";
import {
  constantResource,
  isResourceDefinition,
  resolveResourceConfig,
  resource,
  secret,
  snapshotResource,
  validateLiteralConfig,
} from "./resource.ts";

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error("expected a StrataError");
}

const warehouse = resource({
  description: "The warehouse",
  config: z.object({
    url: z.string().url(),
    port: z.number().int().default(5432),
    user: z.string().optional(),
    token: secret(z.string()),
  }),
  create: (c) => ({ ...c, connected: true }),
});

const SETUP = { instanceDir: "/tmp/i", runId: "r1", log: () => {} };

describe("resource and configure", () => {
  it("makes a frozen resource definition", () => {
    expect(warehouse.kind).toBe("resource");
    expect(warehouse.description).toBe("The warehouse");
    expect(warehouse.values).toEqual({});
    expect(Object.isFrozen(warehouse)).toBe(true);
    expect(Object.isFrozen(warehouse.values)).toBe(true);
    expect(isResourceDefinition(warehouse)).toBe(true);
  });

  it("configure returns a copy with the values merged, leaving the original alone", () => {
    const a = warehouse.configure({ url: "https://db.test" });
    const b = a.configure({ user: "bob", url: "https://other.test" });
    expect(warehouse.values).toEqual({});
    expect(a.values).toEqual({ url: "https://db.test" });
    expect(b.values).toEqual({ url: "https://other.test", user: "bob" });
    expect(b).not.toBe(a);
    expect(b.schema).toBe(warehouse.schema);
    expect(b.create).toBe(warehouse.create);
  });

  it("creates the value from the validated config", async () => {
    const { config } = resolveResourceConfig(
      "warehouse",
      warehouse.configure({ url: "https://db.test", token: "t" }),
      {},
    );
    expect(await warehouse.create(config, SETUP)).toEqual({
      url: "https://db.test",
      port: 5432,
      token: "t",
      connected: true,
    });
  });

  it("constantResource returns the given value", async () => {
    const client = { query: () => 1 };
    const r = constantResource(client, "A client");
    expect(r.description).toBe("A client");
    expect(r.schema).toBeUndefined();
    expect(await r.create(undefined, SETUP)).toBe(client);
  });

  it("isResourceDefinition rejects other values", () => {
    expect(isResourceDefinition({ kind: "assets" })).toBe(false);
    expect(isResourceDefinition(null)).toBe(false);
    expect(isResourceDefinition("resource")).toBe(false);
  });
});

describe("secret", () => {
  it("marks a schema without changing what it accepts", () => {
    const s = secret(z.string().min(3));
    expect((s.meta() as { secret?: boolean }).secret).toBe(true);
    expect(s.safeParse("abcd").success).toBe(true);
    expect(s.safeParse("ab").success).toBe(false);
  });

  it("keeps existing metadata", () => {
    const s = secret(z.string().meta({ description: "API token" }));
    expect(s.meta()).toMatchObject({ description: "API token", secret: true });
  });
});

describe("validateLiteralConfig", () => {
  it("accepts valid literals and skips env refs", () => {
    expect(() =>
      validateLiteralConfig(
        "warehouse",
        warehouse.configure({ url: "https://db.test", port: 1, token: env("T") }),
      ),
    ).not.toThrow();
    // An env ref in a field whose literal would be invalid is checked at run start, not now.
    expect(() =>
      validateLiteralConfig("warehouse", warehouse.configure({ port: env("PORT") as never })),
    ).not.toThrow();
  });

  it("reports an invalid literal, naming the resource and field", () => {
    const err = thrown(() => validateLiteralConfig("warehouse", warehouse.configure({ url: "not a url" })));
    expect(err.code).toBe("DEFS_INVALID_CONFIG");
    expect(err.message).toContain('Resource "warehouse" config field "url" is invalid');
    expect(err.hint).toContain("configure()");
  });

  it("reports an unknown field and lists the known ones", () => {
    const err = thrown(() => validateLiteralConfig("warehouse", warehouse.configure({ urll: "x" } as never)));
    expect(err.code).toBe("DEFS_INVALID_CONFIG");
    expect(err.message).toBe('Resource "warehouse" has no config field "urll"');
    expect(err.hint).toBe("Known fields: url, port, user, token");
  });

  it("does nothing for resources without a schema or with a non-object schema", () => {
    expect(() => validateLiteralConfig("c", constantResource(1))).not.toThrow();
    const scalar = resource({ config: z.string(), create: (s) => s });
    expect(() => validateLiteralConfig("s", scalar)).not.toThrow();
  });
});

describe("resolveResourceConfig", () => {
  it("resolves env refs from the given environment and applies schema defaults", () => {
    const def = warehouse.configure({ url: env("WH_URL"), token: env("WH_TOKEN") });
    const r = resolveResourceConfig("warehouse", def, { WH_URL: "https://db.test", WH_TOKEN: "s3cr3t" });
    expect(r.config).toEqual({ url: "https://db.test", port: 5432, token: "s3cr3t" });
  });

  it("uses an env ref's default when the variable is not set", () => {
    const def = warehouse.configure({ url: env("WH_URL", { default: "https://default.test" }), token: "t" });
    expect(resolveResourceConfig("warehouse", def, {}).config).toMatchObject({ url: "https://default.test" });
    expect(resolveResourceConfig("warehouse", def, { WH_URL: "https://set.test" }).config).toMatchObject({
      url: "https://set.test",
    });
  });

  it("throws ENV_MISSING naming the variable, the resource and the field", () => {
    const def = warehouse.configure({
      url: "https://db.test",
      token: env("WAREHOUSE_TOKEN", { secret: true }),
    });
    const err = thrown(() => resolveResourceConfig("warehouse", def, { OTHER: "x" }));
    expect(err.code).toBe("ENV_MISSING");
    expect(err.message).toContain("WAREHOUSE_TOKEN");
    expect(err.message).toContain('resource "warehouse"');
    expect(err.message).toContain('field "token"');
    expect(err.hint).toContain("Set WAREHOUSE_TOKEN");
  });

  it("reports secret values from secret() fields and secret env refs", () => {
    const plain = resource({
      config: z.object({ url: z.string(), password: z.string(), apiKey: secret(z.string()) }),
      create: (c) => c,
    });
    const def = plain.configure({
      url: env("URL"),
      password: env("PW", { secret: true }),
      apiKey: "literal-key",
    });
    const r = resolveResourceConfig("svc", def, { URL: "https://x.test", PW: "hunter2" });
    expect(r.secrets.sort()).toEqual(["hunter2", "literal-key"]);
    expect(r.secrets).not.toContain("https://x.test");
  });

  it("does not report empty or non-string secret values", () => {
    const r = resource({
      config: z.object({ pin: secret(z.number()), token: secret(z.string()) }),
      create: (c) => c,
    });
    expect(resolveResourceConfig("r", r.configure({ pin: 1234, token: "" }), {}).secrets).toEqual([]);
  });

  it("throws CONFIG_INVALID with the failing paths, never the secret value", () => {
    const def = warehouse.configure({
      url: "https://db.test",
      token: env("TOKEN"),
      port: env("PORT") as never,
    });
    const err = thrown(() =>
      resolveResourceConfig("warehouse", def, { TOKEN: "topsecretvalue", PORT: "not-a-number" }),
    );
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain('Resource "warehouse" config is invalid');
    expect(err.message).toContain("port:");
    expect(err.message).not.toContain("topsecretvalue");
    expect(err.hint).toContain("environment variables");
  });

  it("does not leak a secret value that fails validation", () => {
    const r = resource({ config: z.object({ token: secret(z.string().min(40)) }), create: (c) => c });
    const err = thrown(() =>
      resolveResourceConfig("api", r.configure({ token: env("API_TOKEN") }), { API_TOKEN: "short-secret" }),
    );
    expect(err.message).toContain("token:");
    expect(err.message).not.toContain("short-secret");
    expect(JSON.stringify(err.toJSON())).not.toContain("short-secret");
  });

  it("reports missing required fields", () => {
    const err = thrown(() =>
      resolveResourceConfig("warehouse", warehouse.configure({ url: "https://db.test" }), {}),
    );
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain("token:");
  });

  it("returns the raw values for resources without a schema", () => {
    const r = resource({ create: () => 1 }).configure({ a: env("A"), b: 2 } as never);
    expect(resolveResourceConfig("r", r, { A: "x" })).toEqual({ config: { a: "x", b: 2 }, secrets: [] });
  });

  it("does not read process.env", () => {
    process.env.STRATA_TEST_ONLY_VAR = "from-process";
    try {
      const r = resource({ config: z.object({ v: z.string() }), create: (c) => c }).configure({
        v: env("STRATA_TEST_ONLY_VAR"),
      });
      expect(() => resolveResourceConfig("r", r, {})).toThrow(/STRATA_TEST_ONLY_VAR/);
    } finally {
      delete process.env.STRATA_TEST_ONLY_VAR;
    }
  });
});

describe("snapshotResource", () => {
  it("shows field names, literal values and env var names, never secret values", () => {
    const svc = resource({
      description: "Service",
      config: z.object({
        url: z.string(),
        user: z.string(),
        apiKey: secret(z.string()),
        password: z.string(),
        token: secret(z.string()),
      }),
      create: (c) => c,
    });
    const def = svc.configure({
      url: "https://svc.test",
      user: env("SVC_USER"),
      apiKey: "literal-secret-value",
      password: env("SVC_PASSWORD", { secret: true }),
      token: env("SVC_TOKEN"),
    });
    const snap = snapshotResource("svc", def);
    expect(snap).toEqual({
      name: "svc",
      description: "Service",
      fields: [
        { name: "url", secret: false, value: "https://svc.test" },
        { name: "user", env: "SVC_USER", secret: false },
        { name: "apiKey", secret: true },
        { name: "password", env: "SVC_PASSWORD", secret: true },
        { name: "token", env: "SVC_TOKEN", secret: true },
      ],
    });
    expect(JSON.stringify(snap)).not.toContain("literal-secret-value");
  });

  it("omits the description when there is none", () => {
    expect(snapshotResource("c", constantResource(1))).toEqual({ name: "c", fields: [] });
  });
});
