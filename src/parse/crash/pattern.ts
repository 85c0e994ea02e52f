/**
 * Regex building blocks for kernel report lines. Every pattern here is applied to ONE line at a
 * time, and lines are capped (MAX_LINE) before matching, so no pattern can run away on a huge
 * line. Placeholders follow the shapes the kernel prints:
 *   {{PC}}   `[<ffffffff81234567>]` / `[<0x...>]` address in brackets
 *   {{FUNC}} a symbol followed by `+0x..` or a `.suffix` (captures the bare name)
 *   {{SRC}}  `path/file.c:123` (captured)
 *   {{ADDR}} `0x...`
 */
export const MAX_LINE = 1024;

const PC = String.raw`\[<?(?:0x)?[0-9a-f]+>?\]`;
const FUNC = String.raw`([a-zA-Z0-9_]+)(?:\.|\+)`;
// `path/file.c:123`. Written so that no position is tried twice: a match may only start where a
// path run starts (lookbehind), and a dot is part of the path unless it begins the `.ext:line`
// tail. Same matches as the obvious `[a-zA-Z0-9\-_/.]+\.[a-z]+:[0-9]+`, in linear time.
const SRC = String.raw`(?<![a-zA-Z0-9\-_/.])((?:[a-zA-Z0-9\-_/]|\.(?![a-z]+:[0-9]))+\.[a-z]+:[0-9]+)`;
const ADDR = '0x[0-9a-f]+';

export function re(source: string, flags = ''): RegExp {
  const s = source
    .replaceAll('{{ADDR}}', ADDR)
    .replaceAll('{{PC}}', PC)
    .replaceAll('{{FUNC}}', FUNC)
    .replaceAll('{{SRC}}', SRC);
  return new RegExp(s, flags);
}

/** Cut a line to the length patterns may look at. */
export function capLine(line: string): string {
  return line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
}

/** The instruction-pointer line of every architecture: x86 `RIP:`/`IP:`, ppc `NIP`, arm64 `pc :`, old arm `PC is at`. */
export const RIP_FRAME = re(
  String.raw`(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{{PC}} +){0,2}{{FUNC}}|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?{{PC}} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))`,
);
export const CALL_TRACE = /Call [Tt]race:|Backtrace:/;

/**
 * `A.*B.*C` on one line without backtracking: each part is searched after the end of the previous
 * one (the earliest completion exists iff any does), so the cost is linear in the line for any
 * number of parts. Returns the first part's match, like RegExp.exec.
 */
export class InOrder {
  private readonly parts: RegExp[];
  constructor(...parts: RegExp[]) {
    this.parts = parts.map((p) => new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`));
  }

  exec(line: string): RegExpExecArray | null {
    const [first, ...rest] = this.parts;
    if (first === undefined) return null;
    first.lastIndex = 0;
    const m = first.exec(line);
    if (m === null) return null;
    let at = m.index + m[0].length;
    for (const p of rest) {
      p.lastIndex = at;
      const n = p.exec(line);
      if (n === null) return null;
      at = n.index + Math.max(n[0].length, 1);
      // later parts' captures follow the first part's, as in one regex
      for (let i = 1; i < n.length; i++) m.push(n[i]!);
    }
    return m;
  }

  test(line: string): boolean {
    return this.exec(line) !== null;
  }
}

export type LineMatcher = RegExp | InOrder;
