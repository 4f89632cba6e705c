/**
 * A small stand-in for the agate tables dbt's `run_query()` returns: `table.columns[0].values()`,
 * `table.columns['name'].values()`, `table.rows[0]['name']`, `table.rows[0][0]`,
 * `table.column_names`, `table.print_table()`.
 *
 * @example
 * const t = new AgateTable(["id"], [[1], [2]]);
 * t.columns[0]!.values(); // [1, 2]
 */

/** What an executor returns for a query. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

export class AgateColumn {
  constructor(
    readonly name: string,
    private readonly data: unknown[],
  ) {}
  values(): unknown[] {
    return [...this.data];
  }
  values_distinct(): unknown[] {
    return [...new Set(this.data)];
  }
  get length(): number {
    return this.data.length;
  }
}

export type AgateRow = unknown[] & Record<string, unknown>;

export class AgateTable {
  readonly column_names: string[];
  readonly columns: AgateColumn[] & Record<string, AgateColumn>;
  readonly rows: AgateRow[];

  constructor(columnNames: string[], rows: unknown[][]) {
    this.column_names = [...columnNames];
    const cols = columnNames.map((n, i) => new AgateColumn(n, rows.map((r) => r[i]))) as AgateColumn[] & Record<string, AgateColumn>;
    columnNames.forEach((n, i) => {
      if (!(n in Array.prototype) && !/^\d+$/.test(n)) cols[n] = cols[i]!;
    });
    this.columns = cols;
    this.rows = rows.map((r) => {
      const row = [...r] as AgateRow;
      columnNames.forEach((n, i) => {
        if (!(n in Array.prototype) && !/^\d+$/.test(n)) row[n] = r[i];
      });
      return row;
    });
  }

  static from(result: QueryResult): AgateTable {
    return new AgateTable(result.columns, result.rows);
  }

  get length(): number {
    return this.rows.length;
  }

  print_table(): string {
    return [this.column_names.join(" | "), ...this.rows.map((r) => r.map(String).join(" | "))].join("\n");
  }
}
