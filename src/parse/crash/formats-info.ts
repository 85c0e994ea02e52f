/** Title formats of `INFO:` reports (old lockdep headers, RCU stalls, hung tasks). */
import { hangFrame, stallFrame } from './extractors.js';
import type { Format } from './format-types.js';
import { S, TRACE_STACK } from './format-parts.js';
import { CALL_TRACE, InOrder, RIP_FRAME, re } from './pattern.js';

export const INFO_FORMATS: Format[] = [
  {
    title: /INFO: possible circular locking dependency detected/,
    report: [
      /INFO: possible circular locking dependency detected \]/,
      /is trying to acquire lock/,
      re('at: {{PC}} +{{FUNC}}'),
    ],
    fmt: 'possible deadlock in %[1]v',
    kind: 'WARNING',
  },
  {
    title: /INFO: possible irq lock inversion dependency detected/,
    report: [
      /INFO: possible irq lock inversion dependency detected \]/,
      /just changed the state of lock/,
      re('at: {{PC}} +{{FUNC}}'),
    ],
    fmt: 'possible deadlock in %[1]v',
    kind: 'WARNING',
  },
  {
    title: /INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected/,
    report: [
      /INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \]/,
      /is trying to acquire/,
      re('at: {{PC}} +{{FUNC}}'),
    ],
    fmt: 'possible deadlock in %[1]v',
    kind: 'WARNING',
  },
  {
    title: /INFO: possible recursive locking detected/,
    report: [
      /INFO: possible recursive locking detected \]/,
      /is trying to acquire lock/,
      re('at: {{PC}} +{{FUNC}}'),
    ],
    fmt: 'possible deadlock in %[1]v',
    kind: 'WARNING',
  },
  {
    title: /INFO: inconsistent lock state/,
    report: [/INFO: inconsistent lock state \]/, /takes/, re('at: {{PC}} +{{FUNC}}')],
    fmt: 'inconsistent lock state in %[1]v',
    kind: 'WARNING',
  },
  {
    title: /INFO: rcu_(?:preempt|sched|bh|tasks\w*) (?:self-)?detected(?: expedited)? stall/,
    fmt: 'INFO: rcu detected stall in %[1]v',
    alt: ['stall in %[1]v'],
    stack: {
      parts: [/apic_timer_interrupt/, RIP_FRAME, S],
      parts2: [/(?:apic_timer_interrupt|Exception stack|el1h_64_irq)/, S],
      skip: ['apic_timer_interrupt', 'rcu'],
      extractor: stallFrame,
    },
    kind: 'RCU_STALL',
  },
  {
    title: /INFO: trying to register non-static key/,
    fmt: 'INFO: trying to register non-static key in %[1]v',
    stack: TRACE_STACK(['stack', 'lock', 'IRQ']),
    kind: 'WARNING',
  },
  {
    title: /INFO: suspicious RCU usage/,
    report: [/INFO: suspicious RCU usage/, re('{{SRC}}')],
    fmt: 'INFO: suspicious RCU usage in %[2]v',
    stack: TRACE_STACK(['rcu', 'kmem', 'slab']),
    kind: 'WARNING',
  },
  {
    title: new InOrder(/INFO: task /, / blocked for more than [0-9]+ seconds/),
    fmt: 'INFO: task hung in %[1]v',
    alt: ['hang in %[1]v'],
    stack: { parts: [CALL_TRACE, S], extractor: hangFrame },
    kind: 'HUNG_TASK',
  },
  {
    title: new InOrder(/INFO: task /, / can't die for more than /, / seconds/),
    fmt: "INFO: task can't die in %[1]v",
    alt: ['hang in %[1]v'],
    stack: TRACE_STACK(['schedule']),
    kind: 'HUNG_TASK',
  },
  // Old-style KASAN reports that lost their header.
  { title: /INFO: (Freed|Allocated) in (.*)/, fmt: 'INFO: %[1]v in %[2]v', corrupted: true, kind: 'KASAN' },
  { title: /INFO:\s*$/, fmt: 'INFO: corrupted', corrupted: true },
];

/** What a `Kernel panic - not syncing:` message says about the cause. */
