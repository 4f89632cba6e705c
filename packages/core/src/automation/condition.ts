import { captureCodeRef, formatCodeRef } from "../code-ref.ts";
import { StrataError } from "../errors.ts";
import { validateCronSchedule } from "./cron-ticks.ts";
import { toAssetTarget, type AssetTargetInput } from "./target.ts";

/** Operands that take no argument. */
export type AutomationOperandType =
  | "missing"
  | "in_progress"
  | "execution_failed"
  | "newly_updated"
  | "newly_requested"
  | "code_version_changed"
  | "in_latest_time_window"
  | "will_be_requested"
  | "initial_evaluation"
  | "any_downstream_conditions";

/**
 * The JSON form of an {@link AutomationCondition}, stored on `AssetNodeSnapshot.automation`.
 * Every node may carry a `label` shown in evaluation trees.
 */
export type AutomationConditionSnapshot =
  | { type: AutomationOperandType; label?: string }
  | { type: "cron_tick_passed"; cron: string; timezone: string; label?: string }
  | { type: "not" | "newly_true"; operand: AutomationConditionSnapshot; label?: string }
  | { type: "and" | "or"; operands: AutomationConditionSnapshot[]; label?: string }
  | { type: "since"; trigger: AutomationConditionSnapshot; reset: AutomationConditionSnapshot; label?: string }
  | {
      type: "any_deps_match" | "all_deps_match";
      operand: AutomationConditionSnapshot;
      /** Only deps in this selection are considered. */
      allow?: string;
      /** Deps in this selection are ignored. */
      ignore?: string;
      label?: string;
    };

export type AutomationConditionType = AutomationConditionSnapshot["type"];

const OPERANDS: ReadonlySet<string> = new Set<AutomationOperandType>([
  "missing",
  "in_progress",
  "execution_failed",
  "newly_updated",
  "newly_requested",
  "code_version_changed",
  "in_latest_time_window",
  "will_be_requested",
  "initial_evaluation",
  "any_downstream_conditions",
]);

type Cond = AutomationCondition;
type CondInput = AutomationCondition | AutomationConditionSnapshot;

function where(): string | undefined {
  return formatCodeRef(captureCodeRef());
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * A declarative automation condition: frozen data (a tree of operands and operators) that the
 * daemon evaluates per asset partition on every tick. Compose with `.and()`, `.or()`, `.not()`,
 * `.since()`, `.newlyTrue()`, `.sinceLastHandled()`; start from an operand or a preset.
 *
 * @example
 * asset({ key: "mart/orders", deps: [raw], automation: AutomationCondition.eager() }, build);
 * const c = AutomationCondition.missing().newlyTrue().sinceLastHandled().and(AutomationCondition.inLatestTimeWindow());
 * const daily = AutomationCondition.onCron("0 6 * * *", "Europe/Berlin");
 */
export class AutomationCondition {
  /** The JSON form (frozen). */
  readonly snapshot: AutomationConditionSnapshot;

  private constructor(snapshot: AutomationConditionSnapshot) {
    this.snapshot = deepFreeze(snapshot);
    Object.freeze(this);
  }

  get type(): AutomationConditionType {
    return this.snapshot.type;
  }

  get label(): string | undefined {
    return this.snapshot.label;
  }

  toSnapshot(): AutomationConditionSnapshot {
    return this.snapshot;
  }

  toJSON(): AutomationConditionSnapshot {
    return this.snapshot;
  }

  /** "eager", "(missing & ~in_progress)", ... for messages and trees. */
  toString(): string {
    return describeCondition(this.snapshot);
  }

  /**
   * Rebuilds (and validates) a condition from its JSON form; conditions pass through.
   *
   * @example
   * AutomationCondition.from(JSON.parse(JSON.stringify(AutomationCondition.eager()))).toString(); // "eager"
   */
  static from(input: CondInput, at = "automation"): AutomationCondition {
    if (input instanceof AutomationCondition) return input;
    return new AutomationCondition(validateSnapshot(input, at));
  }

  // ---- operators ----

  /** True where this and every other condition are true. */
  and(...others: CondInput[]): Cond {
    return AutomationCondition.and(this, ...others);
  }

  /** True where this or any other condition is true. */
  or(...others: CondInput[]): Cond {
    return AutomationCondition.or(this, ...others);
  }

  /** True where this is false (among the partitions being evaluated). */
  not(): Cond {
    return AutomationCondition.not(this);
  }

  /** True from a tick where this became true until a tick where `reset` is true (reset wins ties). */
  since(reset: CondInput): Cond {
    return new AutomationCondition({ type: "since", trigger: this.snapshot, reset: AutomationCondition.from(reset).snapshot });
  }

  /** True on the ticks where this is true and was false (or not evaluated) on the previous one. */
  newlyTrue(): Cond {
    return new AutomationCondition({ type: "newly_true", operand: this.snapshot });
  }

  /**
   * `this.since(newly_requested | newly_updated | initial_evaluation)`: true once this became
   * true, until the partition is requested or updated. Never true on the first evaluation.
   */
  sinceLastHandled(): Cond {
    const handled = AutomationCondition.or(
      AutomationCondition.newlyRequested(),
      AutomationCondition.newlyUpdated(),
      AutomationCondition.initialEvaluation(),
    ).withLabel("handled");
    return this.since(handled);
  }

  /** A copy with a label shown in evaluation trees. */
  withLabel(label: string): Cond {
    if (typeof label !== "string" || label.trim() === "") {
      throw new StrataError("DEFS_INVALID", `A condition label must be a non-empty string (got ${JSON.stringify(label)})`, { where: where() });
    }
    return new AutomationCondition({ ...this.snapshot, label });
  }

  /** For any/all_deps_match: only consider deps in `selection` (selections combine with "or"). */
  allow(selection: AssetTargetInput): Cond {
    return this.depFilter("allow", selection);
  }

  /** For any/all_deps_match: ignore deps in `selection` (selections combine with "or"). */
  ignore(selection: AssetTargetInput): Cond {
    return this.depFilter("ignore", selection);
  }

  private depFilter(which: "allow" | "ignore", selection: AssetTargetInput): Cond {
    const s = this.snapshot;
    if (s.type !== "any_deps_match" && s.type !== "all_deps_match") {
      throw new StrataError("DEFS_INVALID", `.${which}() applies to anyDepsMatch/allDepsMatch conditions, not to ${s.type}`, { where: where() });
    }
    const sel = toAssetTarget(selection, `Condition .${which}()`, where()).selection;
    const prev = s[which];
    return new AutomationCondition({ ...s, [which]: prev === undefined ? sel : `(${prev}) or (${sel})` });
  }

  // ---- operands ----

  /** Partitions never materialised (or wiped). */
  static missing(): Cond {
    return leaf("missing");
  }
  /** Partitions targeted by a queued or running run. */
  static inProgress(): Cond {
    return leaf("in_progress");
  }
  /** Partitions whose latest materialisation attempt failed. */
  static executionFailed(): Cond {
    return leaf("execution_failed");
  }
  /** Partitions materialised since the previous evaluation. */
  static newlyUpdated(): Cond {
    return leaf("newly_updated");
  }
  /** Partitions requested by the previous evaluation. */
  static newlyRequested(): Cond {
    return leaf("newly_requested");
  }
  /** The asset's code version differs from the previous evaluation's (or, on the first, from the last materialisation's). */
  static codeVersionChanged(): Cond {
    return leaf("code_version_changed");
  }
  /** The latest time window of time-partitioned assets; every partition otherwise. */
  static inLatestTimeWindow(): Cond {
    return leaf("in_latest_time_window");
  }
  /** Partitions requested by this same evaluation (for deps evaluated earlier; runnable in one run). */
  static willBeRequested(): Cond {
    return leaf("will_be_requested");
  }
  /** The first evaluation of the condition, or the first after it changed. */
  static initialEvaluation(): Cond {
    return leaf("initial_evaluation");
  }
  /** True where any downstream asset's condition (evaluated on this asset) is true. */
  static anyDownstreamConditions(): Cond {
    return leaf("any_downstream_conditions");
  }

  /**
   * True when a tick of `cron` (in `timezone`) passed since the previous evaluation.
   * An invalid cron or zone throws DEFS_INVALID with the caller's file:line.
   */
  static cronTickPassed(cron: string, timezone = "UTC"): Cond {
    const source = validateCronSchedule(cron, timezone, "cronTickPassed", where());
    return new AutomationCondition({ type: "cron_tick_passed", cron: source, timezone });
  }

  static and(...operands: CondInput[]): Cond {
    return combine("and", operands);
  }

  static or(...operands: CondInput[]): Cond {
    return combine("or", operands);
  }

  static not(operand: CondInput): Cond {
    return new AutomationCondition({ type: "not", operand: AutomationCondition.from(operand).snapshot });
  }

  /** True for partitions where `condition` holds for at least one (allowed) dep partition. */
  static anyDepsMatch(condition: CondInput): Cond {
    return new AutomationCondition({ type: "any_deps_match", operand: AutomationCondition.from(condition).snapshot });
  }

  /** True for partitions where `condition` holds for every (allowed) dep; true when there are none. */
  static allDepsMatch(condition: CondInput): Cond {
    return new AutomationCondition({ type: "all_deps_match", operand: AutomationCondition.from(condition).snapshot });
  }

  // ---- building blocks of the presets (Dagster's names and labels) ----

  /** `missing.newly_true()`. */
  static newlyMissing(): Cond {
    return AutomationCondition.missing().newlyTrue().withLabel("newly_missing");
  }
  /** `any_deps_match(newly_updated | will_be_requested)`. */
  static anyDepsUpdated(): Cond {
    return AutomationCondition.anyDepsMatch(AutomationCondition.newlyUpdated().or(AutomationCondition.willBeRequested())).withLabel("any_deps_updated");
  }
  /** `any_deps_match(missing & ~will_be_requested)`. */
  static anyDepsMissing(): Cond {
    return AutomationCondition.anyDepsMatch(AutomationCondition.missing().and(AutomationCondition.willBeRequested().not())).withLabel("any_deps_missing");
  }
  /** `any_deps_match(in_progress)`. */
  static anyDepsInProgress(): Cond {
    return AutomationCondition.anyDepsMatch(AutomationCondition.inProgress()).withLabel("any_deps_in_progress");
  }
  /** `all_deps_match(newly_updated.since(cron_tick_passed(c)) | will_be_requested)`. */
  static allDepsUpdatedSinceCron(cron: string, timezone = "UTC"): Cond {
    const tick = AutomationCondition.cronTickPassed(cron, timezone);
    return AutomationCondition.allDepsMatch(AutomationCondition.newlyUpdated().since(tick).or(AutomationCondition.willBeRequested())).withLabel(
      "all_deps_updated_since_cron",
    );
  }

  // ---- presets (ANCHORS.md) ----

  /**
   * `in_latest_time_window & (newly_missing | any_deps_updated).since_last_handled()
   *   & ~any_deps_missing & ~any_deps_in_progress & ~in_progress`:
   * materialise when a dep updates (or the partition newly goes missing), once, when no dep is
   * missing or running. Partitions already missing at the first evaluation are not requested.
   */
  static eager(): Cond {
    const C = AutomationCondition;
    return C.and(
      C.inLatestTimeWindow(),
      C.or(C.newlyMissing(), C.anyDepsUpdated()).sinceLastHandled(),
      C.anyDepsMissing().not(),
      C.anyDepsInProgress().not(),
      C.inProgress().not(),
    ).withLabel("eager");
  }

  /**
   * `in_latest_time_window & cron_tick_passed(c).since_last_handled() & all_deps_updated_since_cron(c)`:
   * once per cron tick, as soon as every dep has updated since the tick.
   */
  static onCron(cron: string, timezone = "UTC"): Cond {
    const C = AutomationCondition;
    return C.and(C.inLatestTimeWindow(), C.cronTickPassed(cron, timezone).sinceLastHandled(), C.allDepsUpdatedSinceCron(cron, timezone)).withLabel(
      `on_cron(${cron}, ${timezone})`,
    );
  }

  /** `in_latest_time_window & missing.newly_true().since_last_handled() & ~any_deps_missing`. */
  static onMissing(): Cond {
    const C = AutomationCondition;
    return C.and(C.inLatestTimeWindow(), C.missing().newlyTrue().sinceLastHandled(), C.anyDepsMissing().not()).withLabel("on_missing");
  }
}

function leaf(type: AutomationOperandType): Cond {
  return AutomationCondition.from({ type });
}

/** and/or of several; unlabelled operands of the same operator are flattened like Dagster's `&`. */
function combine(type: "and" | "or", operands: CondInput[]): Cond {
  if (operands.length === 0) throw new StrataError("DEFS_INVALID", `AutomationCondition.${type}() needs at least one operand`, { where: where() });
  const flat: AutomationConditionSnapshot[] = [];
  for (const o of operands) {
    const s = AutomationCondition.from(o).snapshot;
    if (s.type === type && s.label === undefined) flat.push(...(s as { operands: AutomationConditionSnapshot[] }).operands);
    else flat.push(s);
  }
  return AutomationCondition.from({ type, operands: flat });
}

/** A short human description: the label, or the structure with `&`, `|`, `~`. */
export function describeCondition(s: AutomationConditionSnapshot): string {
  if (s.label !== undefined) return s.label;
  switch (s.type) {
    case "cron_tick_passed":
      return `cron_tick_passed(${s.cron}, ${s.timezone})`;
    case "not":
      return `~${describeCondition(s.operand)}`;
    case "newly_true":
      return `${describeCondition(s.operand)}.newly_true()`;
    case "and":
      return `(${s.operands.map(describeCondition).join(" & ")})`;
    case "or":
      return `(${s.operands.map(describeCondition).join(" | ")})`;
    case "since":
      return s.reset.label === "handled" ? `${describeCondition(s.trigger)}.since_last_handled()` : `${describeCondition(s.trigger)}.since(${describeCondition(s.reset)})`;
    case "any_deps_match":
    case "all_deps_match":
      return `${s.type}(${describeCondition(s.operand)}${s.allow === undefined ? "" : `, allow=${s.allow}`}${s.ignore === undefined ? "" : `, ignore=${s.ignore}`})`;
    default:
      return s.type;
  }
}

/** Validates an untrusted snapshot (e.g. from a YAML file or another process); returns a clean copy. */
function validateSnapshot(v: unknown, at: string): AutomationConditionSnapshot {
  const bad = (why: string): never => {
    throw new StrataError("DEFS_INVALID", `Invalid automation condition at ${at}: ${why}`, {
      hint: "Build conditions with AutomationCondition.* (e.g. AutomationCondition.eager()).",
    });
  };
  if (typeof v !== "object" || v === null) return bad(`expected an object, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const label = o.label === undefined ? {} : typeof o.label === "string" && o.label !== "" ? { label: o.label } : bad("label must be a non-empty string");
  const t = o.type;
  if (typeof t !== "string") return bad("missing type");
  if (OPERANDS.has(t)) return { type: t as AutomationOperandType, ...label };
  switch (t) {
    case "cron_tick_passed": {
      const cron = validateCronSchedule(o.cron, o.timezone ?? "UTC", `cron_tick_passed at ${at}`);
      return { type: t, cron, timezone: (o.timezone as string | undefined) ?? "UTC", ...label };
    }
    case "not":
    case "newly_true":
      return { type: t, operand: validateSnapshot(o.operand, `${at}.operand`), ...label };
    case "and":
    case "or": {
      if (!Array.isArray(o.operands) || o.operands.length === 0) return bad(`${t} needs a non-empty operands array`);
      return { type: t, operands: (o.operands as unknown[]).map((x, i) => validateSnapshot(x, `${at}.operands[${i}]`)), ...label };
    }
    case "since":
      return { type: t, trigger: validateSnapshot(o.trigger, `${at}.trigger`), reset: validateSnapshot(o.reset, `${at}.reset`), ...label };
    case "any_deps_match":
    case "all_deps_match": {
      const sel = (k: "allow" | "ignore") =>
        o[k] === undefined ? {} : typeof o[k] === "string" ? { [k]: toAssetTarget(o[k], `${t}.${k} at ${at}`).selection } : bad(`${k} must be a selection string`);
      return { type: t, operand: validateSnapshot(o.operand, `${at}.operand`), ...sel("allow"), ...sel("ignore"), ...label };
    }
    default:
      return bad(`unknown type "${t}"`);
  }
}

/** Every node of a condition tree, depth first (for validation and analysis). */
export function* conditionNodes(s: AutomationConditionSnapshot): Generator<AutomationConditionSnapshot> {
  const stack = [s];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    if ("operand" in n) stack.push(n.operand);
    if ("operands" in n) stack.push(...n.operands);
    if (n.type === "since") stack.push(n.trigger, n.reset);
  }
}
