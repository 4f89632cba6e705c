/**
 * A relation as templates see it (`{{ this }}`, `{{ ref('x') }}`): renders as
 * `"db"."schema"."name"` (double quotes for DuckDB and Postgres), with dbt's attributes
 * (`database`, `schema`, `identifier`, `name`) and helpers (`include()`, `render()`, `quote()`).
 *
 * @example
 * String(new Relation({ database: "dev", schema: "main", identifier: "orders" })); // "dev"."main"."orders"
 */
import type { RelationName } from "./project-types.ts";

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"db"."schema"."name"`, skipping empty parts. */
export function renderRelation(r: RelationName, include: { database?: boolean; schema?: boolean; identifier?: boolean } = {}): string {
  const parts: string[] = [];
  if (include.database !== false && r.database) parts.push(quoteIdent(r.database));
  if (include.schema !== false && r.schema) parts.push(quoteIdent(r.schema));
  if (include.identifier !== false && r.identifier) parts.push(quoteIdent(r.identifier));
  return parts.join(".");
}

export class Relation implements RelationName {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  readonly type: "table" | "view" | "cte" | "external" | undefined;
  /** When set, renders as this bare name (ephemeral CTEs). */
  readonly cteName: string | undefined;
  private readonly includes: { database: boolean; schema: boolean; identifier: boolean };

  constructor(name: RelationName, opts: { type?: Relation["type"]; cteName?: string; include?: Partial<Relation["includes"]> } = {}) {
    this.database = name.database;
    this.schema = name.schema;
    this.identifier = name.identifier;
    this.type = opts.type;
    this.cteName = opts.cteName;
    this.includes = { database: true, schema: true, identifier: true, ...opts.include };
  }

  get name(): string {
    return this.identifier;
  }
  get table(): string {
    return this.identifier;
  }
  get is_table(): boolean {
    return this.type === "table";
  }
  get is_view(): boolean {
    return this.type === "view";
  }
  get is_cte(): boolean {
    return this.cteName !== undefined;
  }

  include(...all: unknown[]): Relation {
    const kw = (all[all.length - 1] ?? {}) as Record<string, unknown>;
    const pick = (k: "database" | "schema" | "identifier") => (kw[k] === undefined ? this.includes[k] : Boolean(kw[k]));
    return new Relation(this, {
      type: this.type,
      cteName: this.cteName,
      include: { database: pick("database"), schema: pick("schema"), identifier: pick("identifier") },
    });
  }

  incorporate(...all: unknown[]): Relation {
    const kw = (all[all.length - 1] ?? {}) as Record<string, unknown>;
    const path = (kw.path ?? {}) as Partial<RelationName>;
    return new Relation(
      { database: path.database ?? this.database, schema: path.schema ?? this.schema, identifier: path.identifier ?? this.identifier },
      { type: (kw.type as Relation["type"]) ?? this.type, include: this.includes },
    );
  }

  quote(): Relation {
    return this;
  }

  render(): string {
    return this.toString();
  }

  toString(): string {
    return this.cteName ?? renderRelation(this, this.includes);
  }

  toJSON(): RelationName {
    return { database: this.database, schema: this.schema, identifier: this.identifier };
  }
}
