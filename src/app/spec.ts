// app/spec.ts — parses the APP argument, Gunicorn's `module:callable` for JavaScript:
//   path/to/app.js            the default export (module.exports for CommonJS)
//   path/to/app.js:name       a named export
//   package-name:name         an export of a package resolvable from the working directory
//   app.js:create('x', 2)     a factory called with literal arguments; its result is the app
import { ConfigError } from '../errors.js';

export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

export interface AppSpec {
  /** The module part: a file path or a package specifier. */
  module: string;
  /** The export to use; null for the default export. */
  name: string | null;
  /** Arguments when the export is a factory to call; null when it is the app itself. */
  args: Literal[] | null;
}

function bad(spec: string, why: string): never {
  throw new ConfigError(`app: ${why} in ${JSON.stringify(spec)} (expected path/to/app.js, app.js:name, package:name or app.js:factory(...))`);
}

/** A small reader for JavaScript literals: strings, numbers, true/false/null, arrays and objects. */
class LiteralReader {
  private i = 0;
  constructor(private readonly text: string, private readonly spec: string) {}

  private space(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  private peek(): string {
    this.space();
    return this.text[this.i] ?? '';
  }

  private expect(c: string): void {
    if (this.peek() !== c) bad(this.spec, `expected ${JSON.stringify(c)} at ${this.i} of the arguments`);
    this.i++;
  }

  list(close: string): Literal[] {
    const out: Literal[] = [];
    if (this.peek() === close) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      if (this.peek() === ',') {
        this.i++;
        if (this.peek() === close) break; // trailing comma
        continue;
      }
      break;
    }
    this.expect(close);
    return out;
  }

  end(): void {
    if (this.peek() !== '') bad(this.spec, `unexpected ${JSON.stringify(this.text.slice(this.i))} after the arguments`);
  }

  value(): Literal {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string(c);
    if (c === '[') {
      this.i++;
      return this.list(']');
    }
    if (c === '{') return this.object();
    const m = /^(?:-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)|true|false|null)/.exec(this.text.slice(this.i));
    if (!m) bad(this.spec, `unsupported argument at ${JSON.stringify(this.text.slice(this.i))}; use string, number, boolean, null, array or object literals`);
    this.i += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : m[0] === 'null' ? null : Number(m[0]);
  }

  private string(quote: string): string {
    let out = '';
    for (this.i++; this.i < this.text.length; this.i++) {
      const c = this.text[this.i]!;
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const next = this.text[++this.i] ?? '';
        out += ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[next] ?? next;
      } else out += c;
    }
    return bad(this.spec, 'unterminated string');
  }

  private object(): Literal {
    this.i++;
    const out: { [key: string]: Literal } = {};
    while (this.peek() !== '}') {
      const c = this.peek();
      let key: string;
      if (c === '"' || c === "'") key = this.string(c);
      else {
        const m = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.i));
        if (!m) bad(this.spec, 'malformed object key');
        key = m[0];
        this.i += key.length;
      }
      this.expect(':');
      out[key] = this.value();
      if (this.peek() !== ',') break;
      this.i++;
    }
    this.expect('}');
    return out;
  }
}

/** Parses the APP argument. */
export function parseAppSpec(spec: string): AppSpec {
  if (!spec) bad(spec, 'empty APP');
  // `name(...)` at the end is a factory call; `:name` before it picks the export.
  const call = /:([A-Za-z_$][\w$]*)\s*\(([\s\S]*)\)\s*$/.exec(spec);
  if (call) {
    const module = spec.slice(0, call.index);
    if (!module) bad(spec, 'missing module');
    const reader = new LiteralReader(`${call[2]!})`, spec);
    const args = reader.list(')');
    reader.end();
    return { module, name: call[1]!, args };
  }
  const named = /:([A-Za-z_$][\w$]*)$/.exec(spec);
  if (named) {
    const module = spec.slice(0, named.index);
    if (!module) bad(spec, 'missing module');
    return { module, name: named[1]!, args: null };
  }
  if (/[:()]/.test(spec.replace(/^[A-Za-z]:[\\/]/, ''))) bad(spec, 'malformed export name');
  return { module: spec, name: null, args: null };
}
