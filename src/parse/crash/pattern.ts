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
const SRC = String.raw`([a-zA-Z0-9\-_/.]+\.[a-z]+:[0-9]+)`;
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
