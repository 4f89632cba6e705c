export { cronTicksBetween, nextTick, previousTick, scanCronTicks, validateCronSchedule, MAX_TICKS_PER_CALL, type CronScan } from "./cron-ticks.ts";
export { toAssetTarget, targetKeys, requireTargetKeys, type AssetTarget, type AssetTargetInput } from "./target.ts";
export {
  schedule,
  isScheduleDefinition,
  scheduleSnapshot,
  scheduleTickPlan,
  runSchedulePartitionFunction,
  MAX_SCHEDULE_PARTITIONS,
  latestPartitionForTick,
  MAX_TICKS_PER_PLAN,
  type CatchUpPolicy,
  type CatchUpSnapshot,
  type InstigatorStatus,
  type ScheduleDefinition,
  type ScheduleOptions,
  type ScheduleSnapshot,
  type ScheduleTick,
  type ScheduleTickContext,
  type SchedulePartitionFn,
  type ScheduleTickPlan,
} from "./schedule.ts";
export {
  sensor,
  assetSensor,
  runStatusSensor,
  isSensorDefinition,
  sensorSnapshot,
  runSensorFunction,
  runStatusSensorMatches,
  parseAssetSensorCursor,
  advanceAssetSensorCursor,
  DEFAULT_SENSOR_INTERVAL_SECONDS,
  DEFAULT_SENSOR_TIMEOUT_SECONDS,
  type AssetSensorFn,
  type RunStatusSensorFn,
  type SensorContext,
  type SensorDefinition,
  type SensorFn,
  type SensorInstance,
  type SensorMaterialization,
  type SensorOptions,
  type SensorSnapshot,
  type SensorType,
} from "./sensor.ts";
export { validateSensorResult, filterUsedRunKeys, MAX_CURSOR_LENGTH, type DynamicPartitionsRequest, type SensorResult, type SensorReturn, type SensorRunRequest } from "./sensor-result.ts";
export { AutomationCondition, describeCondition, conditionNodes, type AutomationConditionSnapshot, type AutomationConditionType, type AutomationOperandType } from "./condition.ts";
export { MemoryAutomationView, type AutomationStorageView, type AssetAutomationFacts, type AutomationMaterializationFact, type AutomationPartitionFact } from "./storage-view.ts";
export { parseEvaluationState, conditionHash, type EvaluationState, type AssetEvaluationState, type StoredSubset } from "./evaluation-state.ts";
export { evaluateAutomation, conditionsFromGraph, type AutomationEvaluationResult, type AssetConditionEvaluation, type ConditionEvaluation } from "./evaluate.ts";
export type { AutomationRunRequest } from "./run-requests.ts";
export { freshnessPolicy, evaluateFreshness, parseDuration, validFreshnessPolicy, type DurationInput, type FreshnessEvaluation, type FreshnessPolicy, type FreshnessState } from "./freshness.ts";
export { assetHealth, type AssetHealth, type AssetHealthInput, type AssetHealthStatus } from "./health.ts";
export { snapshotAutomation } from "./load.ts";
