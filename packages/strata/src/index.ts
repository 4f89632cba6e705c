/**
 * `strata`: what users import to define a platform.
 *
 * @example
 * import { asset, assetCheck, defineDefinitions, MaterializeResult } from "strata";
 */
export {
  asset,
  multiAsset,
  assetCheck,
  resource,
  constantResource,
  secret,
  env,
  ioManager,
  defineDefinitions,
  mergeDefinitions,
  MaterializeResult,
  MetadataValue,
  StandardMetadataKeys,
  StrataError,
  toAssetKey,
  type AssetsDefinition,
  type AssetCheckDefinition,
  type AssetCheckResult,
  type AssetContext,
  type CheckContext,
  type Definitions,
  type DefinitionsInput,
  type IOManager,
  type InputContext,
  type OutputContext,
  type Logger,
  type MetadataEntry,
  type MetadataInput,
  type ResourceDefinition,
  type RetryPolicy,
} from "@strata/core";
export { FsJsonIOManager } from "@strata/engine";
/** zod, for resource config schemas (re-exported so projects need no extra install). */
export { z } from "zod";
