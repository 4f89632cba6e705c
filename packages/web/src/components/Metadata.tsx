import type { MetadataMap } from "../lib/api.ts";
import { dateTime, num } from "../lib/format.ts";
import { Link, assetPath } from "../lib/router.tsx";

type Entry = MetadataMap[string];

/** Renders every metadata entry by type: tables as tables, schemas as column lists, etc. */
export function MetadataView({ metadata }: { metadata: MetadataMap }) {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return <p className="muted small">No metadata was recorded.</p>;
  const simple = entries.filter(([, e]) => !isBlock(e));
  const blocks = entries.filter(([, e]) => isBlock(e));
  return (
    <div className="stack" data-testid="metadata">
      {simple.length ? (
        <dl className="kv">
          {simple.map(([k, e]) => (
            <Pair key={k} name={k} entry={e} />
          ))}
        </dl>
      ) : null}
      {blocks.map(([k, e]) => (
        <div key={k} className="stack" style={{ gap: 6 }}>
          <h3>{k}</h3>
          <Block entry={e} />
        </div>
      ))}
    </div>
  );
}

const isBlock = (e: Entry) => e.type === "table" || e.type === "table_schema" || e.type === "markdown" || e.type === "json" || e.type === "code_references";

function Pair({ name, entry }: { name: string; entry: Entry }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{inline(entry)}</dd>
    </>
  );
}

function inline(e: Entry) {
  switch (e.type) {
    case "int":
    case "float":
      return <span className="mono">{num(e.value)}</span>;
    case "bool":
      return <span className="chip">{String(e.value)}</span>;
    case "url":
      return (
        <a href={e.value} target="_blank" rel="noreferrer">
          {e.value}
        </a>
      );
    case "path":
      return <code>{e.value}</code>;
    case "timestamp":
      return dateTime(e.value);
    case "null":
      return <span className="muted">null</span>;
    case "asset":
      return <Link to={assetPath(e.value)}>{e.value}</Link>;
    case "text":
      return e.value;
    default:
      return <code>{JSON.stringify(e.value)}</code>;
  }
}

function Block({ entry }: { entry: Entry }) {
  switch (entry.type) {
    case "table": {
      const rows = entry.value.records;
      const cols = entry.value.schema?.map((c) => c.name) ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
      return (
        <div className="table-wrap">
          <table className="table" data-testid="metadata-table">
            <thead>
              <tr>
                {cols.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 200).map((r, i) => (
                <tr key={i}>
                  {cols.map((c) => (
                    <td key={c} className={typeof r[c] === "number" ? "num mono" : ""}>
                      {cell(r[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case "table_schema":
      return <Columns columns={entry.value.columns} />;
    case "markdown":
      return <Markdown text={entry.value} />;
    case "json":
      return <pre className="json">{JSON.stringify(entry.value, null, 2)}</pre>;
    case "code_references":
      return (
        <ul className="list-plain">
          {entry.value.map((r, i) => (
            <li key={i}>
              {r.url ? (
                <a href={r.url} target="_blank" rel="noreferrer">
                  <code>
                    {r.file}:{r.line}
                  </code>
                </a>
              ) : (
                <code>
                  {r.file}:{r.line}
                </code>
              )}
            </li>
          ))}
        </ul>
      );
    default:
      return inline(entry);
  }
}

export function Columns({ columns }: { columns: { name: string; type: string; description?: string; nullable?: boolean }[] }) {
  return (
    <table className="table" data-testid="schema">
      <thead>
        <tr>
          <th>Column</th>
          <th>Type</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c) => (
          <tr key={c.name}>
            <td className="mono">{c.name}</td>
            <td>
              <span className="chip">{c.type}{c.nullable === false ? " not null" : ""}</span>
            </td>
            <td className="muted">{c.description ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return num(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A safe, tiny markdown renderer: paragraphs, headings, lists, `code`, **bold**, *em*, links. No HTML passthrough. */
export function Markdown({ text }: { text: string }) {
  const blocks = text.split(/\n{2,}/);
  return (
    <div className="md">
      {blocks.map((b, i) => {
        const lines = b.split("\n");
        if (lines.every((l) => /^\s*[-*] /.test(l)))
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{spans(l.replace(/^\s*[-*] /, ""))}</li>
              ))}
            </ul>
          );
        const h = /^(#{1,4}) (.*)$/.exec(b);
        if (h) return <h3 key={i}>{spans(h[2]!)}</h3>;
        return <p key={i}>{spans(b)}</p>;
      })}
    </div>
  );
}

function spans(s: string) {
  const out: React.ReactNode[] = [];
  const re = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*|\[[^\]]+\]\([^)]+\))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = re.exec(s))) {
    if (m.index > last) out.push(s.slice(last, m.index));
    const t = m[0];
    if (t.startsWith("`")) out.push(<code key={k++}>{t.slice(1, -1)}</code>);
    else if (t.startsWith("**")) out.push(<strong key={k++}>{t.slice(2, -2)}</strong>);
    else if (t.startsWith("*")) out.push(<em key={k++}>{t.slice(1, -1)}</em>);
    else {
      const lm = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(t)!;
      const href = /^(https?:|\/)/.test(lm[2]!) ? lm[2]! : "#";
      out.push(
        <a key={k++} href={href} target="_blank" rel="noreferrer">
          {lm[1]}
        </a>,
      );
    }
    last = m.index + t.length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}
