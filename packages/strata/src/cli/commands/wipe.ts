import { rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { StrataError } from "@strata/core";
import { openTargetInstance } from "../project-context.ts";

/** `strata wipe [--asset key] [--yes]`: forget history (all of it, or one asset's). */
export async function wipeCommand(flags: { asset?: string[]; yes?: boolean; project?: string }): Promise<number> {
  const instance = await openTargetInstance(flags.project);
  try {
    const what = flags.asset?.length ? `the history of ${flags.asset.join(", ")}` : `every run, event and stored output in ${instance.dir}`;
    if (!flags.yes) {
      if (!process.stdin.isTTY) {
        throw new StrataError("USAGE", `Refusing to wipe ${what} without confirmation`, { hint: "Pass --yes to confirm." });
      }
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`This deletes ${what}. Type "yes" to continue: `);
      rl.close();
      if (answer.trim() !== "yes") {
        process.stdout.write("Nothing was deleted.\n");
        return 1;
      }
    }
    if (flags.asset?.length) {
      for (const key of flags.asset) await instance.storage.wipeAsset(key);
    } else {
      await instance.storage.wipeAll();
      rmSync(join(instance.dir, "storage"), { recursive: true, force: true });
    }
    process.stdout.write(`Wiped ${what}.\n`);
    return 0;
  } finally {
    await instance.close();
  }
}
