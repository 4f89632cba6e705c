import type { ComponentType } from "../component.ts";
import { commandComponent } from "./command.ts";
import { duckdbSqlComponent } from "./duckdb-sql.ts";
import { medallionComponent } from "./medallion.ts";
import { sqlProjectComponent } from "./sql-project.ts";

export { commandComponent, duckdbSqlComponent, medallionComponent, sqlProjectComponent };

/** Strata's built-in component types. */
export const BUILTIN_COMPONENTS: readonly ComponentType[] = [commandComponent, duckdbSqlComponent, medallionComponent, sqlProjectComponent] as readonly ComponentType[];
