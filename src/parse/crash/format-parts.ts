/** Stack walks shared by the format tables. */
import { CALL_TRACE, RIP_FRAME, re } from './pattern.js';
import { PARSE_STACK, type StackFmt } from './stack.js';

export const S: typeof PARSE_STACK = PARSE_STACK;
export const RIP_STACK: StackFmt = { parts: [RIP_FRAME, CALL_TRACE, S] };
export const TRACE_STACK = (skip?: string[]): StackFmt => ({
  parts: [CALL_TRACE, S],
  ...(skip ? { skip } : {}),
});

export function warningStack(...skip: string[]): StackFmt {
  return {
    parts: [new RegExp(`(?:${RIP_FRAME.source}|--- interrupt: [0-9]+ at ${re('{{FUNC}}').source})`), S],
    parts2: [CALL_TRACE, S],
    ...(skip.length > 0 ? { skip } : {}),
  };
}

export const KASAN_HW_SKIP = ['kernel_fault', 'tag_check', 'mem_abort', '^el1_', '^el1h_'];
