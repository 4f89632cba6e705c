/**
 * The one lexer of Strata's small expression languages (YAML templates, automation condition
 * strings): names, quoted strings with backslash escapes, optional numbers, and the
 * punctuation each language allows. Offsets are positions in the enclosing text (`base`).
 */
export type Token = { k: "id" | "str" | "num" | "punct"; v: string; at: number };

export interface LexOptions {
  /** Offset of `src` in the enclosing text (error positions point there). */
  base?: number;
  /** Read numbers (`12`, `-3.5`). */
  numbers?: boolean;
  /** Whether `c` (followed by `next`) is one punctuation token of the language. */
  isPunct(c: string, next: string | undefined): boolean;
  /** The error for a string left open at `at`. */
  unclosed(at: number, quote: string): Error;
  /** The error for a character the language does not allow. */
  unexpected(c: string, at: number): Error;
}

export function lex(src: string, o: LexOptions): Token[] {
  const base = o.base ?? 0;
  const toks: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      toks.push({ k: "id", v: m[0], at: base + i });
      i += m[0].length;
    } else if (o.numbers && (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(src[i + 1] ?? "")))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      toks.push({ k: "num", v: m[0], at: base + i });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let out = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) {
          const n = src[j + 1]!;
          out += n === "n" ? "\n" : n === "t" ? "\t" : n;
          j += 2;
        } else out += src[j++];
      }
      if (j >= src.length) throw o.unclosed(base + i, c);
      toks.push({ k: "str", v: out, at: base + i });
      i = j + 1;
    } else if (o.isPunct(c, src[i + 1])) {
      toks.push({ k: "punct", v: c, at: base + i });
      i++;
    } else {
      throw o.unexpected(c, base + i);
    }
  }
  return toks;
}
