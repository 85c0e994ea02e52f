/**
 * Line-level text helpers shared by the hardware recognizers and the assembler: splitting a
 * multi-line message, removing stamps that a shipper left inside a message, and bounding a line's
 * size without keeping a reference to a huge parent string.
 */
import type { KernelLogEvent } from '../../model/event.js';

/** `<4>`, `[  123.456789]`, then an optional printk caller id `[ T123]` / `[C4]`, with optional spaces. */
const STAMP = /^(?:<\d{1,3}>)?\[ {0,12}\d{1,12}\.\d{1,9}\] ?(?:\[ {0,8}[TC]\d{1,10}\] ?)?/;

/** Remove a leading kernel stamp (and caller id) from one line, if it has one. */
export function stripStamp(line: string): string {
  const c = line.charCodeAt(0);
  if (c !== 91 /* [ */ && c !== 60 /* < */) return line;
  const m = STAMP.exec(line);
  return m === null ? line : line.slice(m[0].length);
}

/**
 * At most `max` UTF-16 units of `s`, as a string that does not keep a larger parent alive (V8
 * slices share the parent's storage; concatenation forces a flat copy).
 */
export function boundedLine(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = s.slice(0, Math.max(0, max));
  return `${head} `.slice(0, head.length);
}

/** The lines of one event's message, each without `\r` and without a leading stamp. */
export function splitMessage(event: KernelLogEvent): string[] {
  const msg = event.message;
  if (msg.indexOf('\n') < 0) return [stripStamp(trimCr(msg))];
  const parts = msg.split('\n');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (p.length === 0 && i === parts.length - 1) break;
    out.push(stripStamp(trimCr(p)));
  }
  return out;
}

function trimCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
