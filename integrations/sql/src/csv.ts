/**
 * RFC 4180 CSV parsing (quoted fields, doubled quotes, CRLF, newlines inside quotes, BOM).
 *
 * @example
 * parseCsv('id,name\n1,"a, b"\n'); // { header: ["id", "name"], rows: [["1", "a, b"]] }
 */
import { StrataError } from "@strata/core";

export interface CsvTable {
  header: string[];
  rows: string[][];
}

export function parseCsv(text: string, file = "<csv>", delimiter = ","): CsvTable {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let line = 1;
  let quoted = false;
  let fieldStarted = false;
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === "\n") line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = "";
      fieldStarted = false;
      i++;
    } else if (c === "\r" || c === "\n") {
      row.push(field);
      records.push(row);
      row = [];
      field = "";
      fieldStarted = false;
      i += c === "\r" && src[i + 1] === "\n" ? 2 : 1;
      line++;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  if (quoted) throw new StrataError("SQL_SEED_INVALID", `Unterminated quoted field in ${file} (opened before line ${line})`, { where: `${file}:${line}`, hint: "Close the quote or escape inner quotes by doubling them." });
  if (fieldStarted || row.length) {
    row.push(field);
    records.push(row);
  }
  const nonEmpty = records.filter((r) => !(r.length === 1 && r[0] === ""));
  const header = nonEmpty.shift();
  if (!header) throw new StrataError("SQL_SEED_INVALID", `Seed ${file} is empty`, { where: file, hint: "A seed needs a header row." });
  nonEmpty.forEach((r, idx) => {
    if (r.length !== header.length) {
      throw new StrataError("SQL_SEED_INVALID", `Row ${idx + 2} of ${file} has ${r.length} fields, the header has ${header.length}`, { where: `${file}:${idx + 2}`, hint: "Quote fields that contain the delimiter." });
    }
  });
  return { header: header.map((h) => h.trim()), rows: nonEmpty };
}
