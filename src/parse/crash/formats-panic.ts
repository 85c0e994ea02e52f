/** `Kernel panic - not syncing:` messages: their crash kinds and title formats. */
import type { CrashKind } from '../../model/crash.js';
import { stallFrame } from './extractors.js';
import type { Format } from './format-types.js';
import { S, TRACE_STACK } from './format-parts.js';
import { CALL_TRACE, re } from './pattern.js';

export const PANIC_KINDS: ReadonlyArray<readonly [RegExp, CrashKind]> = [
  [
    /^Memory failure: 0x[0-9a-f]+: unrecoverable page|^Memory failure on page [0-9a-f]+/,
    'MEMORY_FAILURE_PANIC',
  ],
  [/^GHES: Fatal hardware error|^Fatal hardware error/, 'HW_ERROR_PANIC'],
  [/^Asynchronous SError Interrupt|SError/, 'SERROR'],
  [
    /[Mm]achine check|^Fatal local machine check|^Local fatal machine check|^Failed kernel mode recovery|^Too many consecutive machine checks|^Consecutive machine checks|^Timeout: (?:Not all CPUs entered broadcast exception handler|Subject CPUs unable|Monarch CPU)|^Panicing machine check CPU died|^MCA architectural violation|^Lost physical address for unconsumed/,
    'MACHINE_CHECK',
  ],
  [
    /^synchronous external abort|^synchronous parity or ECC error|\(translation table walk\)/,
    'EXTERNAL_ABORT',
  ],
  [/^hung_task: blocked tasks/, 'HUNG_TASK'],
  [/^softlockup: hung tasks|^Hard LOCKUP|^hardlockup|[Ss]oft lockup/, 'LOCKUP'],
  [/^RCU Stall/, 'RCU_STALL'],
];

export function panicKind(message: string): CrashKind {
  for (const [r, k] of PANIC_KINDS) if (r.test(message)) return k;
  return 'PANIC';
}

export const PANIC_FORMATS: Format[] = [
  // The stack may be gone with a smashed stack: no trace expected then.
  {
    title: /Kernel panic - not syncing: stack-protector:/,
    report: [re('Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: {{FUNC}}')],
    fmt: 'kernel panic: stack is corrupted in %[1]v',
    noStackTrace: true,
  },
  {
    title: /Kernel panic - not syncing: stack-protector:/,
    report: [/Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+/],
    fmt: 'kernel panic: stack is corrupted in %[1]v',
    stack: TRACE_STACK(['stack_chk']),
  },
  {
    title: /Kernel panic - not syncing: corrupted stack end/,
    report: [/Kernel panic - not syncing: corrupted stack end detected inside scheduler/],
    fmt: 'kernel panic: corrupted stack end in %[1]v',
    alt: ['stack-overflow in %[1]v'],
    stack: { parts: [CALL_TRACE, S], skip: ['schedule', 'retint_kernel'], extractor: stallFrame },
  },
  {
    title: /Kernel panic - not syncing: kernel stack overflow/,
    fmt: 'kernel stack overflow in %[1]v',
    alt: ['stack-overflow in %[1]v'],
    stack: { parts: [CALL_TRACE, S], skip: ['bad_stack'], extractor: stallFrame },
  },
  {
    title: /Kernel panic - not syncing: Attempted to kill init!/,
    fmt: 'kernel panic: Attempted to kill init!',
  },
  {
    title: /Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+/,
    fmt: "kernel panic: Couldn't open N_TTY ldisc",
  },
  // These follow another report; as a title they mean the real header was lost.
  {
    title: /Kernel panic - not syncing: Fatal exception/,
    fmt: 'kernel panic: Fatal exception',
    corrupted: true,
  },
  {
    title: /Kernel panic - not syncing: panic_on_warn set/,
    fmt: 'kernel panic: panic_on_warn set',
    corrupted: true,
  },
  {
    title: /Kernel panic - not syncing: hung_task: blocked tasks/,
    fmt: 'kernel panic: hung_task: blocked tasks',
    corrupted: true,
  },
  // Hardware panics print no stack of their own (or only sometimes): not a sign of corruption.
  // The pfn stays out of the memory-failure title so that one kind of event has one title.
  {
    title:
      /Kernel panic - not syncing: Memory failure(?:: 0x[0-9a-f]+: unrecoverable page| on page [0-9a-f]+)/,
    fmt: 'kernel panic: Memory failure: unrecoverable page',
    noStackTrace: true,
  },
  {
    title:
      /Kernel panic - not syncing: ((?:GHES: )?Fatal hardware error.*|Asynchronous SError Interrupt.*|Memory failure(?:: 0x[0-9a-f]+: unrecoverable page| on page [0-9a-f]+).*|.*[Mm]achine check.*|Timeout: .*machine check.*)/,
    fmt: 'kernel panic: %[1]v',
    noStackTrace: true,
  },
  { title: /Kernel panic - not syncing: (.*)/, fmt: 'kernel panic: %[1]v' },
];
