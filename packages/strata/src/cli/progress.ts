import pc from "picocolors";
import type { StrataEvent } from "@strata/core";
import { formatDuration } from "./output.ts";

/** Shows a run's progress: a live view on a TTY, plain lines otherwise. */
export interface ProgressView {
  onEvent(e: StrataEvent): void;
  /** Text user code printed; shown above the live area. */
  onOutput(text: string): void;
  stop(): void;
}

export function createProgressView(totalSteps: number, stream: NodeJS.WriteStream = process.stdout): ProgressView {
  return stream.isTTY && !process.env.CI ? new LiveView(totalSteps, stream) : new PlainView(stream);
}

function describe(e: StrataEvent): string | undefined {
  const step = e.stepKey ?? "";
  switch (e.type) {
    case "STEP_SUCCESS":
      return `${pc.green("✓")} ${step} ${pc.dim(formatDuration(e.data?.durationMs))}`;
    case "STEP_FAILURE":
      return `${pc.red("✗")} ${step} ${pc.red(e.message.replace(`${step} failed: `, ""))}`;
    case "STEP_SKIPPED":
      return `${pc.yellow("↷")} ${step} ${pc.dim(`skipped: ${String(e.data?.reason ?? "")}`)}`;
    case "STEP_UP_FOR_RETRY":
      return `${pc.yellow("↻")} ${e.message}`;
    case "ASSET_CHECK_EVALUATION": {
      const c = e.data?.check;
      if (!c) return undefined;
      const mark = c.passed ? pc.green("✓") : c.severity === "ERROR" ? pc.red("✗") : pc.yellow("!");
      return `  ${mark} check ${e.checkKey}${c.passed ? "" : ` ${c.severity}${c.blocking ? " (blocking)" : ""}`}`;
    }
    case "LOG":
      if (e.level === "debug") return undefined;
      return `  ${levelMark(e.level)} ${pc.dim(step)} ${e.message}${e.data?.fields ? pc.dim(" " + JSON.stringify(e.data.fields)) : ""}`;
    case "ENGINE_EVENT":
      return e.level === "debug" ? undefined : `  ${pc.dim(e.message)}`;
    default:
      return undefined;
  }
}

function levelMark(level: string): string {
  return level === "error" ? pc.red("ERROR") : level === "warn" ? pc.yellow("WARN ") : pc.dim("INFO ");
}

class PlainView implements ProgressView {
  constructor(private readonly stream: NodeJS.WriteStream) {}
  onEvent(e: StrataEvent): void {
    const line = e.type === "STEP_START" ? `${pc.blue("→")} ${e.stepKey}` : describe(e);
    if (line) this.stream.write(line + "\n");
  }
  onOutput(text: string): void {
    this.stream.write(text);
  }
  stop(): void {}
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

class LiveView implements ProgressView {
  private readonly running = new Map<string, number>();
  private done = 0;
  private failed = 0;
  private skipped = 0;
  private drawn = 0;
  private frame = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly total: number, private readonly stream: NodeJS.WriteStream) {
    this.timer = setInterval(() => this.redraw(), 80);
  }

  onEvent(e: StrataEvent): void {
    if (e.type === "STEP_START" && e.stepKey) this.running.set(e.stepKey, e.timestamp);
    if (e.type === "STEP_SUCCESS" || e.type === "STEP_FAILURE" || e.type === "STEP_SKIPPED") {
      if (e.stepKey) this.running.delete(e.stepKey);
      this.done++;
      if (e.type === "STEP_FAILURE") this.failed++;
      if (e.type === "STEP_SKIPPED") this.skipped++;
    }
    const line = describe(e);
    if (line) this.print(line + "\n");
  }

  onOutput(text: string): void {
    this.print(text.endsWith("\n") ? text : text + "\n");
  }

  private print(text: string): void {
    this.clear();
    this.stream.write(text);
    this.redraw();
  }

  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const now = Date.now();
    const spinner = pc.cyan(FRAMES[this.frame++ % FRAMES.length]!);
    const counts = `${this.done}/${this.total} steps` + (this.failed ? pc.red(` · ${this.failed} failed`) : "") + (this.skipped ? pc.yellow(` · ${this.skipped} skipped`) : "");
    const lines = [`${spinner} ${counts}`];
    const width = this.stream.columns ?? 100;
    for (const [step, since] of [...this.running].slice(0, 8)) {
      lines.push(`  ${pc.blue("•")} ${step} ${pc.dim(formatDuration(now - since))}`.slice(0, width + 20));
    }
    if (this.running.size > 8) lines.push(pc.dim(`  … and ${this.running.size - 8} more running`));
    this.stream.write(lines.join("\n") + "\n");
    this.drawn = lines.length;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }
}
