/**
 * Replaces secret values (resolved from resources marked secret) with `***` in any string or
 * JSON value. Applied at the boundary where events are stored or printed, so a secret that
 * user code logs or puts in an error never reaches the event log, the CLI or the UI.
 */
export class Redactor {
  private secrets: string[] = [];

  add(values: Iterable<string>): void {
    for (const v of values) if (v.length >= 3 && !this.secrets.includes(v)) this.secrets.push(v);
    // Longest first, so a secret containing another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  text(s: string): string {
    if (!this.active) return s;
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join("***");
    return out;
  }

  value<T>(v: T): T {
    if (!this.active) return v;
    const json = JSON.stringify(v);
    if (json === undefined) return v;
    const red = this.text(json);
    return red === json ? v : (JSON.parse(red) as T);
  }
}
