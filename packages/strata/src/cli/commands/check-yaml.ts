import { watch } from "node:fs";
import { join, relative } from "node:path";
import pc from "picocolors";
import { checkYaml, formatProblem, type Problem } from "@strata/components";
import { resolveTarget, targetRoot, type Target } from "../project-context.ts";

/**
 * `strata check yaml`: validates every defs.yaml (of every location of a workspace) against
 * its type's schema without importing any of the project's code, and prints all problems
 * with file:line:col. Exit 1 when there is an error (warnings do not fail).
 */
export function checkYamlOnce(target: Target): number {
  const root = targetRoot(target);
  const locations = target.kind === "project" ? [{ name: target.project.location, root: target.project.root }] : target.workspace.locations;
  let errors = 0;
  let files = 0;
  let instances = 0;
  for (const loc of locations) {
    const r = checkYaml({ root: loc.root });
    files += r.files.length;
    instances += r.instances;
    const prefix = relative(root, loc.root);
    for (const p of r.problems) {
      if (p.severity !== "warning") errors++;
      const shown: Problem = { ...p, file: prefix ? join(prefix, p.file) : p.file };
      const text = formatProblem(shown);
      process.stdout.write((p.severity === "warning" ? pc.yellow(text) : text) + "\n");
    }
  }
  const summary = `${files} defs.yaml file${files === 1 ? "" : "s"}, ${instances} component${instances === 1 ? "" : "s"}`;
  process.stdout.write(errors ? pc.red(`✗ ${errors} problem${errors === 1 ? "" : "s"} in ${summary}\n`) : `${pc.green("✓")} ${summary} valid ${pc.dim("(no code loaded)")}\n`);
  return errors ? 1 : 0;
}

export async function checkYamlCommand(flags: { project?: string; watch?: boolean }): Promise<number> {
  const target = resolveTarget(flags.project);
  const code = checkYamlOnce(target);
  if (!flags.watch) return code;
  return watchAndRepeat(targetRoot(target), () => checkYamlOnce(target));
}

/** Re-runs `fn` whenever a file under `root` changes (not .strata/ or node_modules/), until Ctrl-C. */
export function watchAndRepeat(root: string, fn: () => unknown): Promise<number> {
  process.stdout.write(pc.dim(`Watching ${root} for changes (Ctrl-C to stop)…\n`));
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const watcher = watch(root, { recursive: true }, (_event, name) => {
      const f = String(name ?? "");
      if (f.startsWith(".strata") || f.includes("node_modules") || f.includes(".strata-home") || f.endsWith(".tmp")) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(async () => {
          process.stdout.write(pc.dim(`\n── ${new Date().toLocaleTimeString()} ${f} changed ──\n`));
          try {
            await fn();
          } catch (err) {
            const { printError } = await import("../output.ts");
            printError(err);
          }
        });
      }, 150);
    });
    process.once("SIGINT", () => {
      watcher.close();
      clearTimeout(timer);
      resolve(0);
    });
  });
}
