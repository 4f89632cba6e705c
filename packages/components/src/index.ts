/**
 * `@strata/components`: component types configured in YAML, the `defs/` folder loader, safe
 * `{{ ... }}` templating, environment helpers, `check yaml` without code loading, scaffolds,
 * and the built-in types (`strata.duckdb_sql`, `strata.command`, `strata.medallion`).
 *
 * @example
 * import { defineComponent } from "@strata/components";
 * export default defineComponent({ type: "acme.thing", description: "...", attributes: z.object({...}), buildDefs: (ctx) => ... });
 */
export { defineComponent, isComponentType, envString, type ComponentType, type ComponentTypeInput, type ComponentLoadContext } from "./component.ts";
export { currentEnv, envSchema, envDatabase, isProduction, PRODUCTION_ENVS } from "./environment.ts";
export { loadDefsFolder, writeSchemaSnapshot, type LoadDefsOptions } from "./load-defs-folder.ts";
export { checkYaml, findDefsFiles, readSchemaSnapshot, schemaSnapshotPath, snapshotTypeLookup, type CheckYamlOptions, type CheckYamlResult } from "./check-yaml.ts";
export { ComponentRegistry, loadRegistry, attributesJsonSchema, projectComponentModules, packageComponentModules, type ComponentTypeInfo, type RegisteredType } from "./registry.ts";
export { BUILTIN_COMPONENTS, commandComponent, duckdbSqlComponent, medallionComponent, sqlProjectComponent } from "./builtins/index.ts";
export { defsJsonSchema } from "./defs-json-schema.ts";
export { defaultWarehouse, DEFAULT_WAREHOUSE_RESOURCE } from "./builtins/warehouse.ts";
export { scaffoldComponent, scaffoldDefsYaml, placeholder } from "./scaffold.ts";
export { readGitInfo, gitFileUrl, webUrlFor, type GitInfo } from "./git.ts";
export { renderTemplate, helper, TemplateError } from "./template.ts";
export { templateScope, type TemplateScopeOptions } from "./template-scope.ts";
export { parseYamlFile, type SourcePos, type YamlDocument } from "./yaml-source.ts";
export { formatProblem, problemsError, type Problem } from "./problems.ts";
export { defsDocumentSchema, DEFS_FILES } from "./defs-document.ts";
export { workspaceAt, combineWorkspace, planAcrossLocations, WORKSPACE_FILES, type Workspace, type WorkspaceLocation, type LocationLoadResult, type CombinedWorkspace } from "./workspace.ts";
export {
  automationAttributeSchema,
  freshnessAttributeSchema,
  toAutomationCondition,
  toFreshnessPolicy,
  automationOptions,
  type AutomationAttribute,
  type FreshnessAttribute,
} from "./automation-attributes.ts";
export { parseConditionExpression, ConditionExpressionError } from "./automation-expression.ts";
export { readConditionAttribute, type ConditionIssue, type ConditionRead } from "./automation-condition-attribute.ts";
export { CONDITION_FUNCTIONS, type ConditionFunction } from "./automation-functions.ts";
export { checkJsonSchema, type JsonSchema } from "./json-schema-check.ts";
export { partitionsAttributeSchema, toPartitionsDefinition } from "./partitions-attribute.ts";
