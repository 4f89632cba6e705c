/** Generated asset graphs for the benchmarks: no-op assets in a chain or a fan. */
import { asset, type AssetsDefinition } from "@strata/core";

export type Shape = "chain" | "fan";

const noop = () => undefined;

/**
 * `chain`: a0 → a1 → … → a(n-1), each depending on the previous one.
 * `fan`: one root a0 with n-1 children a1 … a(n-1) depending on it.
 * Assets are no-ops (return nothing, so no I/O manager writes), deps are ordering-only.
 */
export function makeAssets(shape: Shape, n: number): AssetsDefinition[] {
  const out: AssetsDefinition[] = [];
  for (let i = 0; i < n; i++) {
    const deps = i === 0 ? [] : shape === "chain" ? [out[i - 1]!] : [out[0]!];
    out.push(asset({ name: `a${i}`, deps }, noop));
  }
  return out;
}

/**
 * The same graph as a TypeScript project: `files` modules (`m0.ts` …) with one `asset()` call
 * per asset, each module importing the upstream asset it needs from another module, and an
 * `index.ts` whose default export is the definitions. Returns file name → source.
 */
export function assetsProjectSources(shape: Shape, n: number, files: number, strataImport: string): Map<string, string> {
  const per = Math.ceil(n / files);
  const out = new Map<string, string>();
  for (let m = 0; m * per < n; m++) {
    const lines = [`import { asset } from ${JSON.stringify(strataImport)};`];
    const first = m * per;
    const last = Math.min(n, first + per) - 1;
    if (m > 0) lines.push(`import { ${shape === "chain" ? `a${first - 1}` : "a0"} } from "./m${shape === "chain" ? m - 1 : 0}.ts";`);
    lines.push("const noop = () => undefined;");
    for (let i = first; i <= last; i++) {
      const deps = i === 0 ? "[]" : shape === "chain" ? `[a${i - 1}]` : "[a0]";
      lines.push(`export const a${i} = asset({ name: "a${i}", deps: ${deps} }, noop);`);
    }
    out.set(`m${m}.ts`, lines.join("\n") + "\n");
  }
  const modules = [...out.keys()];
  const index = [
    `import { defineDefinitions } from ${JSON.stringify(strataImport)};`,
    ...modules.map((f, m) => `import * as m${m} from "./${f}";`),
    `export default defineDefinitions({ assets: [${modules.map((_, m) => `...Object.values(m${m})`).join(", ")}] });`,
  ];
  out.set("index.ts", index.join("\n") + "\n");
  return out;
}
