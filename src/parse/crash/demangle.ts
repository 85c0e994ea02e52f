/**
 * Minimal symbol demangling for stack frames of C++ (Itanium `_Z`) and Rust (v0 `_R`, legacy
 * `_ZN..17h<hash>E`) code, names only (no parameters), so a Rust panic in binder is titled
 * `<rust_binder::process::Process>::update_ref` rather than by its mangled symbol. Anything it
 * cannot read is returned unchanged. Iterative and bounded by the symbol length.
 */

const MAX_SYMBOL = 512;

export function demangle(sym: string): string {
  if (sym.length > MAX_SYMBOL) return sym;
  try {
    if (sym.startsWith('_R')) return new RustV0(sym.slice(2)).path() ?? sym;
    if (sym.startsWith('_Z')) return itanium(sym) ?? sym;
  } catch {
    return sym;
  }
  return sym;
}

function readDecimal(s: string, at: number): [number, number] | null {
  let i = at;
  let n = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57 && i - at < 6)
    n = n * 10 + s.charCodeAt(i++) - 48;
  return i === at ? null : [n, i];
}

function itanium(sym: string): string | null {
  let i = 2;
  if (sym[i] === 'L') i++;
  if (sym[i] !== 'N') {
    const d = readDecimal(sym, i);
    if (d === null) return null;
    return sym.slice(d[1], d[1] + d[0]);
  }
  i++;
  while (sym[i] === 'K' || sym[i] === 'V' || sym[i] === 'r') i++;
  const parts: string[] = [];
  while (i < sym.length && sym[i] !== 'E') {
    if (sym[i] === 'C' || sym[i] === 'D') {
      const cls = parts[parts.length - 1] ?? '';
      parts.push(sym[i] === 'D' ? `~${cls}` : cls);
      i += 2;
      continue;
    }
    const d = readDecimal(sym, i);
    if (d === null) return null;
    parts.push(sym.slice(d[1], d[1] + d[0]));
    i = d[1] + d[0];
  }
  // legacy Rust: the last element is the hash `h0123456789abcdef`
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1]!)) parts.pop();
  return parts.length === 0 ? null : parts.join('::');
}

const BASIC: Record<string, string> = {
  a: 'i8',
  b: 'bool',
  c: 'char',
  d: 'f64',
  e: 'str',
  f: 'f32',
  h: 'u8',
  i: 'isize',
  j: 'usize',
  l: 'i32',
  m: 'u32',
  n: 'i128',
  o: 'u128',
  s: 'i16',
  t: 'u16',
  u: '()',
  v: '...',
  x: 'i64',
  y: 'u64',
  z: '!',
  p: '_',
};

class RustV0 {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  private base62(): number {
    if (this.peek() === '_') {
      this.i++;
      return 0;
    }
    let n = 0;
    for (let k = 0; k < 12; k++) {
      const c = this.s[this.i++];
      if (c === undefined) throw new Error('eof');
      if (c === '_') return n + 1;
      const v =
        c >= '0' && c <= '9'
          ? c.charCodeAt(0) - 48
          : c >= 'a' && c <= 'z'
            ? c.charCodeAt(0) - 87
            : c >= 'A' && c <= 'Z'
              ? c.charCodeAt(0) - 29
              : -1;
      if (v < 0) throw new Error('bad base62');
      n = n * 62 + v;
    }
    throw new Error('long base62');
  }

  private disambiguator(): void {
    if (this.peek() === 's') {
      this.i++;
      this.base62();
    }
  }

  private ident(): string {
    if (this.peek() === 'u') this.i++;
    const d = readDecimal(this.s, this.i);
    if (d === null) throw new Error('ident');
    this.i = d[1];
    if (this.peek() === '_') this.i++;
    const out = this.s.slice(this.i, this.i + d[0]);
    this.i += d[0];
    return out;
  }

  private backref<T>(read: () => T): T {
    const pos = this.base62();
    if (++this.depth > 32) throw new Error('deep');
    const save = this.i;
    this.i = pos;
    const out = read();
    this.i = save;
    this.depth--;
    return out;
  }

  path(): string {
    const c = this.s[this.i++];
    switch (c) {
      case 'C':
        this.disambiguator();
        return this.ident();
      case 'N': {
        const ns = this.s[this.i++] ?? '';
        const parent = this.path();
        this.disambiguator();
        const name = this.ident();
        if (ns >= 'A' && ns <= 'Z') return `${parent}::{${ns === 'C' ? 'closure' : 'shim'}}`;
        return name === '' ? parent : `${parent}::${name}`;
      }
      case 'M': {
        this.disambiguator();
        this.path();
        return `<${this.type()}>`;
      }
      case 'X': {
        this.disambiguator();
        this.path();
        const ty = this.type();
        return `<${ty} as ${this.path()}>`;
      }
      case 'Y': {
        const ty = this.type();
        return `<${ty} as ${this.path()}>`;
      }
      case 'I': {
        const p = this.path();
        while (this.peek() !== 'E') this.genericArg();
        this.i++;
        return p;
      }
      case 'B':
        return this.backref(() => this.path());
      default:
        throw new Error('path');
    }
  }

  private genericArg(): void {
    const c = this.peek();
    if (c === 'L') {
      this.i++;
      this.base62();
    } else if (c === 'K') {
      this.i++;
      this.constValue();
    } else this.type();
  }

  private constValue(): void {
    if (this.peek() === 'B') {
      this.i++;
      this.base62();
      return;
    }
    this.i++; // type tag
    while (this.peek() !== '_' && this.i < this.s.length) this.i++;
    this.i++;
  }

  type(): string {
    const c = this.peek();
    const basic = BASIC[c];
    if (basic !== undefined) {
      this.i++;
      return basic;
    }
    switch (c) {
      case 'R':
      case 'Q': {
        this.i++;
        if (this.peek() === 'L') {
          this.i++;
          this.base62();
        }
        return `&${c === 'Q' ? 'mut ' : ''}${this.type()}`;
      }
      case 'P':
      case 'O':
        this.i++;
        return `*${c === 'P' ? 'const' : 'mut'} ${this.type()}`;
      case 'A': {
        this.i++;
        const t = this.type();
        this.constValue();
        return `[${t}; _]`;
      }
      case 'S':
        this.i++;
        return `[${this.type()}]`;
      case 'T': {
        this.i++;
        const parts: string[] = [];
        while (this.peek() !== 'E') parts.push(this.type());
        this.i++;
        return `(${parts.join(', ')})`;
      }
      case 'B':
        this.i++;
        return this.backref(() => this.type());
      default:
        return this.path();
    }
  }
}
