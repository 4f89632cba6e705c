/** Access rules: token, read-only, cross-site requests, DNS rebinding, binding checks, git links. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocationManager } from "@strata/engine";
import { openInMemoryStorage, type Storage } from "@strata/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkBinding,
  createApp,
  gitFileUrl,
  readGitInfo,
  remoteToWebUrl,
  type CreateAppOptions,
} from "../src/index.ts";

const TOKEN = "t0ken-0123456789abcdef";
let storage: Storage;
let dir: string;
let locations: LocationManager;

beforeAll(async () => {
  storage = await openInMemoryStorage();
  dir = mkdtempSync(join(tmpdir(), "strata-auth-"));
  // Never started: these tests need no code-location process.
  locations = new LocationManager(
    { root: dir, entry: join(dir, "strata.config.ts"), location: "x" },
    { instanceDir: join(dir, ".strata") },
  );
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const app = (o: Partial<CreateAppOptions> = {}) =>
  createApp({ storage, locations, instanceDir: dir, ...o }).app;

describe("access token", () => {
  const a = () => app({ token: TOKEN });

  it("refuses requests without it, or with a wrong one (401 with a hint)", async () => {
    const none = await a().request("/api/locations");
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { code: string; hint: string } };
    expect(body.error.code).toBe("UNAUTHORIZED");
    expect(body.error.hint).toContain("Authorization: Bearer");
    expect((await a().request("/api/locations", { headers: { authorization: "Bearer nope" } })).status).toBe(
      401,
    );
    expect((await a().request("/api/locations?token=nope")).status).toBe(401);
    expect((await a().request("/api/runs", { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("accepts it as a bearer header or as ?token= (EventSource)", async () => {
    expect(
      (await a().request("/api/locations", { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    expect((await a().request(`/api/locations?token=${TOKEN}`)).status).toBe(200);
  });

  it("also lets a token-protected server answer for any host name", async () => {
    const res = await a().request("http://strata.internal:3000/api/locations", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it("does not protect the static UI shell (it holds no data)", async () => {
    expect((await a().request("/")).status).toBe(200);
  });
});

describe("without a token", () => {
  it("answers loopback host names only (DNS rebinding)", async () => {
    expect((await app().request("http://127.0.0.1:3000/api/locations")).status).toBe(200);
    expect((await app().request("http://localhost:3000/api/locations")).status).toBe(200);
    const evil = await app().request("http://evil.example:3000/api/locations");
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  });

  it("refuses cross-site mutations", async () => {
    const cross = await app().request("http://localhost:3000/api/dynamic-partitions/x", {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ add: ["a"] }),
    });
    expect(cross.status).toBe(403);
    const fetchSite = await app().request("http://localhost:3000/api/dynamic-partitions/x", {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ add: ["a"] }),
    });
    expect(fetchSite.status).toBe(403);
    expect(await storage.listDynamicPartitionSets()).toEqual([]);
  });

  it("accepts same-origin mutations (the location has not loaded: 409, not 403)", async () => {
    const res = await app().request("http://localhost:3000/api/runs", {
      method: "POST",
      headers: { origin: "http://localhost:3000", "content-type": "application/json" },
      body: JSON.stringify({ selection: "*" }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("LOCATION_UNAVAILABLE");
  });
});

describe("read-only", () => {
  it("refuses every mutation with READ_ONLY and still serves reads", async () => {
    const ro = app({ readOnly: true });
    const res = await ro.request("/api/assets/x/wipe", { method: "POST" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("READ_ONLY");
    expect((await ro.request("/api/runs")).status).toBe(200);
  });
});

describe("binding rule", () => {
  it("allows loopback without a token and refuses other addresses without one", () => {
    expect(() => checkBinding("127.0.0.1", undefined)).not.toThrow();
    expect(() => checkBinding("::1", undefined)).not.toThrow();
    expect(() => checkBinding("localhost", undefined)).not.toThrow();
    expect(() => checkBinding("0.0.0.0", undefined)).toThrow(/without an access token/);
    expect(() => checkBinding("192.168.1.10", "")).toThrow(/192.168.1.10 without an access token/);
    expect(() => checkBinding("0.0.0.0", "short")).toThrow(/too short/);
    expect(() => checkBinding("0.0.0.0", TOKEN)).not.toThrow();
  });
});

describe("git links", () => {
  it("turns remotes into web URLs without credentials", () => {
    expect(remoteToWebUrl("git@github.com:acme/data.git")).toEqual({
      webUrl: "https://github.com/acme/data",
      host: "github",
    });
    expect(remoteToWebUrl("https://user:ghp_secret@github.com/acme/data.git")).toEqual({
      webUrl: "https://github.com/acme/data",
      host: "github",
    });
    expect(remoteToWebUrl("ssh://git@gitlab.example.com/group/sub/repo")).toEqual({
      webUrl: "https://gitlab.example.com/group/sub/repo",
      host: "gitlab",
    });
    expect(remoteToWebUrl("git@bitbucket.org:team/repo.git")?.host).toBe("bitbucket");
    expect(remoteToWebUrl("/srv/git/repo.git")).toBeUndefined();
    expect(remoteToWebUrl("https://git.internal/acme/data.git")).toBeUndefined();
  });

  it("reads .git without running git and links a file line on the branch", () => {
    const repo = mkdtempSync(join(tmpdir(), "strata-git-"));
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "proj", "src"), { recursive: true });
    writeFileSync(join(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(
      join(repo, ".git", "config"),
      '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/data.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
    );
    const info = readGitInfo(join(repo, "proj"));
    expect(info).toMatchObject({ root: repo, webUrl: "https://github.com/acme/data", ref: "main" });
    expect(gitFileUrl(info, join(repo, "proj", "src", "assets.ts"), 12)).toBe(
      "https://github.com/acme/data/blob/main/proj/src/assets.ts#L12",
    );
    expect(gitFileUrl(info, "/elsewhere/x.ts", 1)).toBeUndefined();
    rmSync(repo, { recursive: true, force: true });
  });
});
