/**
 * Secrets through the real CLI: a secret read from the project's `.env` never appears in what
 * the CLI prints (step logs, user code's console output, errors) nor in `strata logs`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeProject, type TempProject } from "../helpers/run-cli.ts";

// Each CLI call starts Node processes: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const SECRET = "tok-9d8c7b6a5f4e";

const CONFIG = `import { asset, defineDefinitions, env, resource, z } from "strata";

const api = resource({ config: z.object({ token: z.string(), host: z.string() }), create: (c) => c });

export const leaky = asset({ name: "leaky", resources: ["api"] }, (ctx) => {
  const { token, host } = ctx.resource<{ token: string; host: string }>("api");
  ctx.log.info("calling " + host + " with " + token, { token });
  console.log("stdout: " + token);
  console.error("stderr: " + token);
  ctx.addMetadata({ auth: "Bearer " + token });
  throw new Error("401 for token " + token);
});

export const fine = asset({ name: "fine" }, () => 1);

export default defineDefinitions({
  assets: [leaky, fine],
  resources: { api: api.configure({ token: env("API_TOKEN", { secret: true }), host: env("API_HOST") }) },
});
`;

let p: TempProject;
beforeAll(() => {
  p = makeProject({ "strata.config.ts": CONFIG, ".env": `API_TOKEN=${SECRET}\nAPI_HOST=api.example.com\n` }, { name: "secrets" });
});
afterAll(() => p?.cleanup());

describe("secrets in the CLI", () => {
  it("a secret from .env is redacted from materialize output and from logs, other values are kept", async () => {
    const r = await p.run(["materialize"]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).not.toContain(SECRET);
    expect(r.stdout).toContain("calling api.example.com with ***");
    expect(r.output).toContain("stdout: ***");
    expect(r.output).toContain("stderr: ***");
    expect(r.stdout).toContain("401 for token ***");
    expect(r.stdout).toMatch(/1 succeeded, 1 failed/);

    const runId = /^Run (\w+):/m.exec(r.stdout)![1]!;
    const [logs, json] = await Promise.all([p.run(["logs", runId]), p.run(["logs", runId, "--json"])]);
    expect(logs.code, logs.output).toBe(0);
    expect(logs.stdout).toContain("401 for token ***");
    expect(logs.output).not.toContain(SECRET);
    expect(json.output).not.toContain(SECRET);
  });
});
