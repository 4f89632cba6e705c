import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.ts";
import { inferSeedType, seedStatements } from "./seed-statements.ts";

describe("CSV (RFC 4180)", () => {
  it("parses quotes, doubled quotes, embedded newlines, CRLF and BOM", () => {
    expect(parseCsv('\ufeffid,name\r\n1,"a, ""b"""\r\n2,"multi\nline"\r\n')).toEqual({ header: ["id", "name"], rows: [["1", 'a, "b"'], ["2", "multi\nline"]] });
  });
  it("reports ragged rows and unterminated quotes with a line", () => {
    expect(() => parseCsv("a,b\n1\n", "seeds/x.csv")).toThrow(/Row 2 of seeds\/x.csv has 1 fields/);
    expect(() => parseCsv('a\n"open\n', "seeds/x.csv")).toThrow(/Unterminated/);
  });
});

describe("seed type inference", () => {
  it("infers like agate, ignoring empty cells", () => {
    expect(inferSeedType(["1", "-2", ""])).toBe("integer");
    expect(inferSeedType(["1", "2.5"])).toBe("number");
    expect(inferSeedType(["true", "False", ""])).toBe("boolean");
    expect(inferSeedType(["2024-01-01"])).toBe("date");
    expect(inferSeedType(["2024-01-01 10:00:00", "2024-01-02"])).toBe("timestamp");
    expect(inferSeedType(["a", "1"])).toBe("text");
    expect(inferSeedType(["", ""])).toBe("text");
  });
  it("produces create table and batched parameterised inserts, with column_types overrides", () => {
    const plan = seedStatements({
      adapter: "postgres", relation: { database: "db", schema: "raw", identifier: "pay" }, file: "seeds/pay.csv",
      csv: "id,amount,ok,day,note\n1,2.5,true,2024-01-01,x\n2,,false,2024-01-02,\n3,1,true,2024-01-03,z\n", columnTypes: { note: "varchar(10)" }, maxParams: 10,
    });
    expect(plan.columns).toEqual([
      { name: "id", type: "integer" }, { name: "amount", type: "float8" }, { name: "ok", type: "boolean" }, { name: "day", type: "date" }, { name: "note", type: "varchar(10)" },
    ]);
    expect(plan.statements[2]).toBe('create table "db"."raw"."pay" ("id" integer, "amount" float8, "ok" boolean, "day" date, "note" varchar(10))');
    expect(plan.inserts).toHaveLength(2);
    expect(plan.inserts[0]!.sql).toBe('insert into "db"."raw"."pay" ("id", "amount", "ok", "day", "note") values\n(cast($1 as integer), cast($2 as float8), cast($3 as boolean), cast($4 as date), cast($5 as varchar(10))),\n(cast($6 as integer), cast($7 as float8), cast($8 as boolean), cast($9 as date), cast($10 as varchar(10)))');
    expect(plan.inserts[0]!.params).toEqual([1, 2.5, true, "2024-01-01", "x", 2, null, false, "2024-01-02", null]);
    expect(plan.rowCount).toBe(3);
  });
});
