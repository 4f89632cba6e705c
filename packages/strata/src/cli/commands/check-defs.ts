import { targetRoot, resolveTarget } from "../project-context.ts";
import { printError } from "../output.ts";
import { checkCommand } from "./list.ts";
import { watchAndRepeat } from "./check-yaml.ts";

/** `strata check defs [--watch]`: loads everything (each location in its own process) and validates it. */
export async function checkDefsCommand(flags: { project?: string; watch?: boolean }): Promise<number> {
  const once = async () => {
    try {
      return await checkCommand(flags);
    } catch (err) {
      printError(err);
      return 1;
    }
  };
  const code = await once();
  if (!flags.watch) return code;
  return watchAndRepeat(targetRoot(resolveTarget(flags.project)), once);
}
