/**
 * The crash-report table: one group per header string the kernel prints, each with the title
 * formats tried on the report (earliest match in the text wins, then table order). Titles follow
 * syzkaller's conventions so they group with public dashboards; `%[N]v` takes the N-th capture
 * (title or report pattern captures first, then one guilty frame per stack section).
 *
 * A pattern array is a sequence of lines: the first element matches a line, each next element the
 * first later line that matches it (what `A(?:.*\n)+?.*B` means on the text, done line by line).
 */
import type { CrashKind } from '../../model/crash.js';
import { hangFrame, stallFrame } from './extractors.js';
import { CALL_TRACE, InOrder, type LineMatcher, RIP_FRAME, re } from './pattern.js';
import { PARSE_STACK, type StackFmt } from './stack.js';

export interface Format {
  title: LineMatcher | readonly LineMatcher[];
  /** when present, must also match (searched from the report's beginning); its captures replace the title's */
  report?: readonly LineMatcher[];
  fmt: string;
  alt?: readonly string[];
  stack?: StackFmt;
  /** the format has no stack trace by nature: no corruption check for a missing one */
  noStackTrace?: boolean;
  /** a title of this format means the report lost its real header */
  corrupted?: boolean;
  kind?: CrashKind;
}

export interface OopsGroup {
  id: string;
  /** literal that must appear in the start line */
  header: string;
  kind: CrashKind;
  formats: readonly Format[];
  /** lines holding the header that are not crashes */
  suppress: readonly LineMatcher[];
  /** line usually continues an open report (`Kernel panic - not syncing`, arm `Internal error: Oops`) */
  secondary?: RegExp;
  /** recognizer of our own (hardware crash shapes); not part of syzkaller's table */
  ext?: boolean;
}

const S: typeof PARSE_STACK = PARSE_STACK;
const RIP_STACK: StackFmt = { parts: [RIP_FRAME, CALL_TRACE, S] };
const TRACE_STACK = (skip?: string[]): StackFmt => ({ parts: [CALL_TRACE, S], ...(skip ? { skip } : {}) });

function warningStack(...skip: string[]): StackFmt {
  return {
    parts: [new RegExp(`(?:${RIP_FRAME.source}|--- interrupt: [0-9]+ at ${re('{{FUNC}}').source})`), S],
    parts2: [CALL_TRACE, S],
    ...(skip.length > 0 ? { skip } : {}),
  };
}

const KASAN_HW_SKIP = ['kernel_fault', 'tag_check', 'mem_abort', '^el1_', '^el1h_'];

const BUG_FORMATS: Format[] = [
  {
    title: /BUG: KASAN:/,
    report: [re('BUG: KASAN: ([a-z\\-]+) in {{FUNC}}'), /(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)/],
    fmt: 'KASAN: %[1]v %[3]v in %[4]v',
    alt: ['bad-access in %[4]v'],
    stack: { parts: [re('BUG: KASAN: (?:[a-z\\-]+) in {{FUNC}}'), CALL_TRACE, S], skip: KASAN_HW_SKIP },
    kind: 'KASAN',
  },
  {
    title: /BUG: KASAN:/,
    report: [re('BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}')],
    fmt: 'KASAN: invalid-free in %[2]v',
    alt: ['invalid-free in %[2]v'],
    stack: {
      parts: [
        re('BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}'),
        CALL_TRACE,
        S,
      ],
      skip: ['slab_', 'kfree', 'vunmap', 'vfree'],
    },
    kind: 'KASAN',
  },
  {
    title: [/BUG: KASAN: ([a-z-]+) on address/, /(Read|Write) of size ([0-9]+)/],
    fmt: 'KASAN: %[1]v %[2]v',
    kind: 'KASAN',
  },
  { title: /BUG: KASAN: (.*)/, fmt: 'KASAN: %[1]v', corrupted: true, kind: 'KASAN' },
  {
    title: /BUG: KMSAN: kernel-usb-infoleak/,
    report: [re('BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}')],
    fmt: 'KMSAN: kernel-usb-infoleak in %[2]v',
    alt: ['KMSAN origin in %[3]v'],
    stack: {
      parts: [S, /(Local variable .* created at:|Uninit was created at:)/, S],
      skip: [
        'alloc_skb',
        'usb_submit_urb',
        'usb_start_wait_urb',
        'usb_bulk_msg',
        'usb_interrupt_msg',
        'usb_control_msg',
      ],
    },
    noStackTrace: true,
    kind: 'KASAN',
  },
  {
    title: /BUG: KMSAN:/,
    report: [re('BUG: KMSAN: ([a-z\\-]+) in {{FUNC}}')],
    fmt: 'KMSAN: %[1]v in %[3]v',
    alt: ['bad-access in %[3]v'],
    stack: {
      parts: [S, /(Local variable .* created at:|Uninit was created at:)/, S],
      skip: ['alloc_skb', 'netlink_ack', 'netlink_rcv_skb', '_encrypt$', '^(?:crypto|cipher|drbg|rng)_'],
    },
    noStackTrace: true,
    kind: 'KASAN',
  },
  {
    title: /BUG: KCSAN: data-race/,
    report: [/BUG: KCSAN: (.*)/],
    fmt: 'KCSAN: %[1]v',
    noStackTrace: true,
    kind: 'KASAN',
  },
  {
    title: /BUG: KCSAN:/,
    report: [/BUG: KCSAN: (.*)/],
    fmt: 'KCSAN: %[1]v',
    noStackTrace: true,
    kind: 'KASAN',
  },
  {
    title: re('BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {{FUNC}}'),
    fmt: 'KFENCE: %[1]v %[2]v in %[4]v',
    alt: ['bad-access in %[4]v'],
    stack: { parts: [re('BUG: KFENCE: (?:[a-z\\- ]+) in {{FUNC}}'), S] },
    kind: 'KASAN',
  },
  {
    title: re('BUG: KFENCE: invalid free in {{FUNC}}'),
    fmt: 'KFENCE: invalid free in %[2]v',
    alt: ['invalid-free in %[2]v'],
    noStackTrace: true,
    stack: { parts: [re('BUG: KFENCE: (?:[a-z\\- ]+) in {{FUNC}}'), S] },
    kind: 'KASAN',
  },
  {
    title: re('BUG: KFENCE: invalid (read|write) in {{FUNC}}'),
    fmt: 'KFENCE: invalid %[1]v in %[3]v',
    alt: ['bad-access in %[3]v'],
    stack: { parts: [re('BUG: KFENCE: (?:[a-z\\- ]+) in {{FUNC}}'), S] },
    kind: 'KASAN',
  },
  {
    title: re('BUG: KFENCE: memory corruption in {{FUNC}}'),
    fmt: 'KFENCE: memory corruption in %[2]v',
    noStackTrace: true,
    stack: { parts: [re('BUG: KFENCE: (?:[a-z\\- ]+) in {{FUNC}}'), S] },
    kind: 'KASAN',
  },
  {
    title:
      /BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)/,
    fmt: 'BUG: unable to handle kernel paging request in %[1]v',
    alt: ['bad-access in %[1]v'],
    stack: RIP_STACK,
    kind: 'OOPS',
  },
  {
    title:
      /BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)/,
    fmt: 'BUG: unable to handle kernel NULL pointer dereference in %[1]v',
    alt: ['bad-access in %[1]v'],
    stack: RIP_STACK,
    kind: 'OOPS',
  },
  {
    // The header is printed by two printk calls; the second half can be lost.
    title: /BUG: (?:unable to handle kernel|Unable to handle kernel)/,
    fmt: 'BUG: unable to handle kernel',
    corrupted: true,
    kind: 'OOPS',
  },
  {
    title:
      /BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)/,
    fmt: 'BUG: %[1]v %[2]v in %[3]v',
    stack: TRACE_STACK(['spin_', '_lock', '_unlock']),
  },
  {
    title: /BUG: soft lockup/,
    fmt: 'BUG: soft lockup in %[1]v',
    alt: ['stall in %[1]v'],
    stack: { parts: [RIP_FRAME, CALL_TRACE, S], extractor: stallFrame },
    kind: 'LOCKUP',
  },
  {
    title: new InOrder(/BUG: /, /still has locks held!/),
    report: [new InOrder(/BUG: /, /still has locks held!/), re('{{PC}} +{{FUNC}}')],
    fmt: 'BUG: still has locks held in %[1]v',
  },
  {
    title: /BUG: scheduling while atomic/,
    fmt: 'BUG: scheduling while atomic in %[1]v',
    stack: TRACE_STACK(['schedule']),
  },
  {
    title: /BUG: lock held when returning to user space/,
    report: [
      /BUG: lock held when returning to user space/,
      /leaving the kernel with locks still held/,
      re('at: (?:{{PC}} +)?{{FUNC}}'),
    ],
    fmt: 'BUG: lock held when returning to user space in %[1]v',
    noStackTrace: true,
  },
  {
    title: /BUG: bad unlock balance detected!/,
    fmt: 'BUG: bad unlock balance in %[1]v',
    stack: { parts: [re('{{PC}} +{{FUNC}}'), CALL_TRACE, S] },
  },
  {
    title: /BUG: held lock freed!/,
    report: [/BUG: held lock freed!/, re('{{PC}} +{{FUNC}}')],
    fmt: 'BUG: held lock freed in %[1]v',
  },
  { title: /BUG: Bad rss-counter state/, fmt: 'BUG: Bad rss-counter state', noStackTrace: true },
  {
    title: /BUG: non-zero nr_ptes on freeing mm/,
    fmt: 'BUG: non-zero nr_ptes on freeing mm',
    noStackTrace: true,
  },
  {
    title: /BUG: non-zero nr_pmds on freeing mm/,
    fmt: 'BUG: non-zero nr_pmds on freeing mm',
    noStackTrace: true,
  },
  {
    // File system type and block device are left out of the title: they only split duplicates.
    title: new InOrder(/BUG: Dentry /, / still in use/),
    report: [new InOrder(/BUG: Dentry /, / still in use \([0-9]+\) \[(unmount) of ([^\]]+)\]/)],
    fmt: 'BUG: Dentry still in use in %[1]v',
    alt: ['BUG: Dentry still in use [%[1]v of %[2]v]'],
  },
  {
    title: /BUG: Bad page (state|cache)/,
    fmt: 'BUG: Bad page %[1]v in %[2]v',
    stack: {
      parts: [/page last allocated/, S],
      skip: [
        '(free|put|get|update|release)_page',
        'free_unref',
        '^_*folio',
        'truncate_inode_pages',
        'page_frag_free',
        'alloc',
        'vmap',
        'page_owner',
      ],
    },
  },
  { title: /BUG: Bad page map/, fmt: 'BUG: Bad page map' },
  { title: /BUG: workqueue lockup/, fmt: 'BUG: workqueue lockup', noStackTrace: true, kind: 'LOCKUP' },
  {
    title: /BUG: sleeping function called from invalid context at (.*)/,
    fmt: 'BUG: sleeping function called from invalid context in %[2]v',
    stack: TRACE_STACK(),
  },
  {
    title: /BUG: using ([a-z_]+)\(\) in preemptible/,
    fmt: 'BUG: using %[1]v() in preemptible code in %[2]v',
    stack: TRACE_STACK(['dump_stack', 'preemption', 'preempt', 'debug_', 'processor_id', 'this_cpu']),
  },
  {
    title: /BUG: workqueue leaked lock or atomic/,
    report: [/BUG: workqueue leaked lock or atomic/, /last function: ([a-zA-Z0-9_]+)$/],
    fmt: 'BUG: workqueue leaked lock or atomic in %[1]v',
    noStackTrace: true,
  },
  {
    title: /BUG: memory leak/,
    fmt: 'memory leak in %[1]v',
    stack: {
      parts: [/backtrace(?: \(crc [0-9a-fA-F]*\))?:/, S],
      skip: [
        'kmemleak',
        'mmap',
        'kmem',
        'slab',
        'alloc',
        'create_object',
        'idr_get',
        'list_lru_init',
        'kasprintf',
        'kvasprintf',
        'pcpu_create',
        'strdup',
        'strndup',
        'memdup',
      ],
    },
  },
  {
    title: new InOrder(/BUG: /, /stack guard page was hit at/),
    fmt: 'BUG: stack guard page was hit in %[1]v',
    alt: ['stack-overflow in %[1]v'],
    stack: { parts: [RIP_FRAME, CALL_TRACE, S], extractor: stallFrame },
    kind: 'OOPS',
  },
  {
    // arm/arm64 print this where x86 prints a lockdep WARNING; same title so they group.
    title: /BUG: Invalid wait context/,
    fmt: 'WARNING: locking bug in %[1]v',
    stack: TRACE_STACK(['lock_sock', 'release_sock']),
    kind: 'WARNING',
  },
  { title: /BUG:\s*$/, fmt: 'BUG: corrupted', corrupted: true },
];

const WARNING_FORMATS: Format[] = [
  {
    title: new InOrder(/WARNING: /, /lib\/debugobjects\.c/, / (?:debug_print|debug_check|at)/),
    fmt: 'WARNING: ODEBUG bug in %[1]v',
    stack: warningStack(
      'debug_',
      'rcu',
      'hrtimer_',
      'timer_',
      'work_',
      'percpu_',
      'vunmap',
      'vfree',
      '__free_',
      'debug_check',
      'kobject_',
    ),
  },
  {
    title: new InOrder(/WARNING: /, /mm\/usercopy\.c/, / (?:usercopy_warn|at)/),
    fmt: 'WARNING: bad usercopy in %[1]v',
    stack: warningStack('usercopy', '__check'),
  },
  {
    title: new InOrder(/WARNING: /, /lib\/kobject\.c/, / (?:kobject_|at)/),
    fmt: 'WARNING: kobject bug in %[1]v',
    stack: warningStack('kobject_'),
  },
  {
    title: new InOrder(/WARNING: /, /fs\/proc\/generic\.c/, / (?:proc_register|at)/),
    fmt: 'WARNING: proc registration bug in %[1]v',
    stack: warningStack('proc_'),
  },
  {
    title: new InOrder(/WARNING: /, /lib\/refcount\.c/, / (?:refcount_|at)/),
    fmt: 'WARNING: refcount bug in %[1]v',
    stack: warningStack('refcount', 'kobject_'),
  },
  {
    title: new InOrder(/WARNING: /, /kernel\/locking\/lockdep\.c/, /lock_/),
    fmt: 'WARNING: locking bug in %[1]v',
    stack: warningStack('lock_sock', 'release_sock'),
  },
  {
    title: new InOrder(/WARNING: /, /still has locks held!/),
    report: [new InOrder(/WARNING: /, /still has locks held!/), re('at: {{FUNC}}')],
    fmt: 'WARNING: still has locks held in %[1]v',
  },
  {
    title: /WARNING: Nested lock was not taken/,
    fmt: 'WARNING: nested lock was not taken in %[1]v',
    stack: warningStack(),
  },
  {
    title: /WARNING: lock held when returning to user space/,
    report: [
      /WARNING: lock held when returning to user space/,
      /leaving the kernel with locks still held/,
      re('at: (?:{{PC}} +)?{{FUNC}}'),
    ],
    fmt: 'WARNING: lock held when returning to user space in %[1]v',
    noStackTrace: true,
  },
  {
    title: new InOrder(/WARNING: /, /mm\//, /\.c/, / k?.?malloc/),
    fmt: 'WARNING: kmalloc bug in %[1]v',
    stack: warningStack('kmalloc', 'krealloc', 'slab', 'kmem'),
  },
  {
    title: new InOrder(/WARNING: /, /mm\/vmalloc.c/, /__vmalloc_node/),
    fmt: 'WARNING: zero-size vmalloc in %[1]v',
    stack: warningStack(),
  },
  {
    title: new InOrder(/WARNING: /, / usb_submit_urb/),
    fmt: 'WARNING in %[1]v/usb_submit_urb',
    stack: warningStack(
      'usb_submit_urb',
      'usb_start_wait_urb',
      'usb_bulk_msg',
      'usb_interrupt_msg',
      'usb_control_msg',
    ),
  },
  // 2026 form: `WARNING: file.c:123 at func+0x1/0x2, CPU#3: comm/pid` (and the raw-address variant).
  { title: re('WARNING: {{SRC}} at 0x\\d+, CPU#\\d+'), fmt: 'WARNING in %[2]v', stack: warningStack() },
  {
    title: new InOrder(/WARNING: /, re(' at {{SRC}} {{FUNC}}')),
    fmt: 'WARNING in %[3]v',
    stack: warningStack(),
  },
  { title: re('WARNING: {{SRC}} at {{FUNC}}'), fmt: 'WARNING in %[3]v', stack: warningStack() },
  {
    title: new InOrder(/WARNING: \[/, re('\\] {{SRC}} at {{FUNC}}')),
    fmt: 'WARNING in %[3]v',
    stack: warningStack(),
  },
  // Not in syzkaller's table: ≤3.x `WARNING: at kernel/watchdog.c:245 func+0x9c/0xd0()` (still
  // printed by RHEL 6/7 kernels) and the 2026 form without a file, `WARNING: at func+0x1/0x2, CPU#3: comm/pid`.
  { title: re('WARNING: at {{SRC}} {{FUNC}}'), fmt: 'WARNING in %[3]v', stack: warningStack() },
  { title: re('WARNING: at {{FUNC}}[^ ]*, CPU#\\d+'), fmt: 'WARNING in %[2]v', stack: warningStack() },
  {
    title: /WARNING: possible circular locking dependency detected/,
    report: [/WARNING: possible circular locking dependency detected/, /is trying to acquire lock/],
    fmt: 'possible deadlock in %[1]v',
    stack: {
      parts: [re('at: (?:{{PC}} +)?{{FUNC}}'), re('at: (?:{{PC}} +)?{{FUNC}}'), S],
      skip: ['process_one_work', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue'],
    },
  },
  {
    title: /WARNING: possible irq lock inversion dependency detected/,
    report: [
      /WARNING: possible irq lock inversion dependency detected/,
      /just changed the state of lock/,
      re('at: (?:{{PC}} +)?{{FUNC}}'),
    ],
    fmt: 'possible deadlock in %[1]v',
  },
  {
    title: new InOrder(/WARNING: /, /-safe -> /, /-unsafe lock order detected/),
    fmt: 'possible deadlock in %[1]v',
    stack: { parts: [/which became (?:.*) at:/, S] },
  },
  {
    title: /WARNING: possible recursive locking detected/,
    report: [
      /WARNING: possible recursive locking detected/,
      /is trying to acquire lock/,
      re('at: (?:{{PC}} +)?{{FUNC}}'),
    ],
    fmt: 'possible deadlock in %[1]v',
  },
  {
    title: /WARNING: inconsistent lock state/,
    report: [/WARNING: inconsistent lock state/, /takes/, re('at: (?:{{PC}} +)?{{FUNC}}')],
    fmt: 'inconsistent lock state in %[2]v',
    stack: TRACE_STACK(),
  },
  {
    title: /WARNING: suspicious RCU usage/,
    report: [/WARNING: suspicious RCU usage/, re('{{SRC}}')],
    fmt: 'WARNING: suspicious RCU usage in %[2]v',
    stack: TRACE_STACK(['rcu', 'kmem', 'slab']),
  },
  {
    title: /WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value/,
    fmt: "WARNING: kernel stack regs has bad '%[1]v' value",
    noStackTrace: true,
  },
  {
    title: /WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value/,
    fmt: 'WARNING: kernel stack frame pointer has bad value',
    noStackTrace: true,
  },
  {
    title: /WARNING: bad unlock balance detected!/,
    fmt: 'WARNING: bad unlock balance in %[1]v',
    stack: { parts: [re('{{PC}} +{{FUNC}}'), CALL_TRACE, S] },
  },
  {
    title: /WARNING: held lock freed!/,
    report: [/WARNING: held lock freed!/, re('at:(?: {{PC}})? +{{FUNC}}')],
    fmt: 'WARNING: held lock freed in %[1]v',
  },
  {
    title: /WARNING: kernel stack regs .* has bad 'bp' value/,
    fmt: 'WARNING: kernel stack regs has bad value',
    noStackTrace: true,
  },
  {
    title: /WARNING: kernel stack frame pointer .* has bad value/,
    fmt: 'WARNING: kernel stack regs has bad value',
    noStackTrace: true,
  },
  { title: /WARNING:\s*$/, fmt: 'WARNING: corrupted', corrupted: true },
];

const INFO_FORMATS: Format[] = [
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

const PANIC_FORMATS: Format[] = [
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

const PANIC_LINE = /Kernel panic - not syncing/;

export const OOPS_GROUPS: readonly OopsGroup[] = [
  {
    id: 'bug',
    header: 'BUG:',
    kind: 'BUG',
    formats: BUG_FORMATS,
    suppress: [/ODEBUG:/, /Boot_DEBUG:/, /xlog_status:/, /DEBUG:/, /BUG: no syscalls can create resource/],
    // arm64 die() after `kernel BUG at ...`
    secondary: /Internal error: Oops - BUG/,
  },
  {
    id: 'warning',
    header: 'WARNING:',
    kind: 'WARNING',
    formats: WARNING_FORMATS,
    suppress: [
      /WARNING: \/etc\/ssh\/moduli does not exist, using fixed modulus/,
      /WARNING: workqueue cpumask: online intersect > possible intersect/,
      /WARNING: [Tt]he mand mount option/,
      /WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1/,
      /WARNING: Unprivileged eBPF is enabled with eIBRS/,
      /WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size/,
      new InOrder(/WARNING: See https/, / for mitigation options./),
      /WARNING: kernel not compiled with CPU_SRSO/,
      /EXT4-[Ff][Ss](?: \(.*\))?:/,
      new InOrder(/warning: /i, / uses (deprecated v2 capabilities|wireless extensions)/i),
      /XFS \(\w+\): WARNING/,
    ],
  },
  {
    id: 'info',
    header: 'INFO:',
    kind: 'OTHER',
    formats: INFO_FORMATS,
    suppress: [
      /INFO: lockdep is turned off/,
      /INFO: Stall ended before state dump start/,
      /INFO: NMI handler/,
      /INFO: recovery required on readonly filesystem/,
      new InOrder(/(handler|interrupt)/, /took too long/),
      new InOrder(/INFO: sys_/, / is not present in \/proc\/kallsyms/),
      /INFO: no syscalls can create resource/,
      /rmt_storage:INFO:/,
      /_INFO:/,
    ],
  },
  {
    id: 'unable-to-handle',
    header: 'Unable to handle kernel',
    kind: 'OOPS',
    formats: [
      {
        title: /Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)/,
        fmt: 'BUG: unable to handle kernel %[1]v in %[2]v',
        alt: ['bad-access in %[2]v'],
        stack: RIP_STACK,
      },
    ],
    suppress: [],
  },
  {
    id: 'gpf',
    header: 'general protection fault',
    kind: 'OOPS',
    formats: [
      {
        title: new InOrder(/general protection fault/, /:/),
        fmt: 'general protection fault in %[1]v',
        alt: ['bad-access in %[1]v'],
        stack: RIP_STACK,
      },
    ],
    // user-space GPFs (show_unhandled_signals): `general protection fault ip:.. sp:.. error:0 in libc.so`
    suppress: [new InOrder(/general protection fault /, / error:\d+ in /)],
  },
  {
    id: 'stack-segment',
    header: 'stack segment: ',
    kind: 'OOPS',
    formats: [{ title: /stack segment: /, fmt: 'stack segment fault in %[1]v', stack: RIP_STACK }],
    suppress: [],
  },
  {
    id: 'panic',
    header: 'Kernel panic',
    kind: 'PANIC',
    formats: PANIC_FORMATS,
    suppress: [],
    secondary: PANIC_LINE,
  },
  {
    id: 'double-fault',
    header: 'PANIC: double fault',
    kind: 'OOPS',
    formats: [
      { title: /PANIC: double fault/, fmt: 'PANIC: double fault in %[1]v', stack: { parts: [RIP_FRAME] } },
    ],
    suppress: [],
  },
  {
    id: 'rust-panic',
    header: 'rust_kernel: panicked',
    kind: 'BUG',
    formats: [
      {
        title: /rust_kernel: panicked/,
        report: [/rust_kernel: panicked at /, /^(.+)$/],
        fmt: '%[1]v in %[2]v',
        stack: TRACE_STACK(['__rustc::rust_begin_unwind']),
      },
    ],
    suppress: [],
  },
  {
    id: 'kernel-bug',
    header: 'kernel BUG',
    kind: 'BUG',
    formats: [
      {
        title: /kernel BUG at mm\/usercopy.c/,
        fmt: 'BUG: bad usercopy in %[1]v',
        stack: TRACE_STACK(['usercopy', '__check']),
      },
      {
        title: /kernel BUG at lib\/list_debug.c/,
        fmt: 'BUG: corrupted list in %[1]v',
        alt: ['bad-access in %[1]v'],
        stack: TRACE_STACK(),
      },
      // skb helpers hold many BUG_ONs; the bug is in their caller.
      {
        title: /kernel BUG at (.*)/,
        fmt: 'kernel BUG in %[2]v',
        stack: { parts: [RIP_FRAME, CALL_TRACE, S], skip: ['^skb_'] },
      },
    ],
    suppress: [],
  },
  {
    id: 'kernel-bug-nofile',
    header: 'Kernel BUG',
    kind: 'BUG',
    formats: [{ title: /Kernel BUG (.*)/, fmt: 'kernel BUG %[1]v' }],
    suppress: [],
  },
  {
    id: 'slub-free',
    header: 'BUG kmalloc-',
    kind: 'BUG',
    formats: [
      { title: new InOrder(/BUG kmalloc-/, /: Object already free/), fmt: 'BUG: Object already free' },
    ],
    suppress: [],
  },
  {
    id: 'divide-error',
    header: 'divide error:',
    kind: 'OOPS',
    formats: [{ title: /divide error: /, fmt: 'divide error in %[1]v', stack: { parts: [RIP_FRAME] } }],
    suppress: [],
  },
  {
    // spelling used by x86 since the IDTENTRY conversion
    id: 'divide-error2',
    header: 'divide_error:',
    kind: 'OOPS',
    formats: [{ title: /divide_error: /, fmt: 'divide error in %[1]v', stack: { parts: [RIP_FRAME] } }],
    suppress: [],
  },
  {
    id: 'invalid-opcode',
    header: 'invalid opcode:',
    kind: 'OOPS',
    formats: [{ title: /invalid opcode: /, fmt: 'invalid opcode in %[1]v', stack: { parts: [RIP_FRAME] } }],
    suppress: [],
    secondary: /invalid opcode: 0000/,
  },
  {
    id: 'ubsan',
    header: 'UBSAN:',
    kind: 'WARNING',
    formats: [
      {
        title: /UBSAN:/,
        report: [/UBSAN: Undefined behaviour in/],
        fmt: 'UBSAN: undefined-behaviour in %[1]v',
        stack: TRACE_STACK(['ubsan', 'overflow']),
      },
      {
        title: /UBSAN: array-index-out-of-bounds in/,
        fmt: 'UBSAN: array-index-out-of-bounds in %[1]v',
        alt: ['bad-access in %[1]v'],
        stack: TRACE_STACK(['ubsan', 'overflow']),
      },
      {
        title: /UBSAN:/,
        report: [/UBSAN: (.*?) in/],
        fmt: 'UBSAN: %[1]v in %[2]v',
        stack: TRACE_STACK(['ubsan', 'overflow']),
      },
    ],
    suppress: [],
  },
  {
    id: 'reboot',
    header: 'Booting the kernel.',
    kind: 'OTHER',
    formats: [{ title: /^Booting the kernel/, fmt: 'unexpected kernel reboot', noStackTrace: true }],
    suppress: [/Parsing ELF|Decompressing Linux|Unknown parameter '/],
  },
  {
    id: 'netdev-refcount',
    header: 'unregister_netdevice: waiting for',
    kind: 'OTHER',
    formats: [
      {
        title: /unregister_netdevice: waiting for (?:.*) to become free/,
        fmt: 'unregister_netdevice: waiting for DEV to become free',
        noStackTrace: true,
      },
    ],
    suppress: [],
  },
  {
    id: 'vfs-file-count',
    header: 'VFS: Close: file count is 0',
    kind: 'BUG',
    formats: [
      {
        title: /VFS: Close: file count is 0/,
        fmt: 'VFS: Close: file count is zero (use-after-free)',
        noStackTrace: true,
      },
    ],
    suppress: [],
  },
  {
    id: 'vfs-busy-inodes',
    header: 'VFS: Busy inodes after unmount',
    kind: 'BUG',
    formats: [
      {
        title: /VFS: Busy inodes after unmount/,
        fmt: 'VFS: Busy inodes after unmount (use-after-free)',
        noStackTrace: true,
      },
    ],
    suppress: [],
  },
  {
    // arm/arm64 die(): `Internal error: Oops: ...` follows an `Unable to handle kernel ...` line;
    // a synchronous external abort starts a report of its own.
    id: 'internal-error',
    header: 'Internal error:',
    kind: 'OOPS',
    formats: [
      {
        title: /Internal error:/,
        fmt: 'Internal error in %[1]v',
        // arm shows as "Unable to handle kernel paging request" what arm64 shows as an external abort.
        alt: ['bad-access in %[1]v'],
        stack: RIP_STACK,
      },
    ],
    suppress: [],
    secondary:
      /Internal error: (?!synchronous external abort|synchronous parity or ECC error|level -?\d \(translation table walk\)|level -?\d synchronous parity error)/,
  },
  {
    id: 'unhandled-fault',
    header: 'Unhandled fault:',
    kind: 'OOPS',
    formats: [
      {
        title: /Unhandled fault:/,
        fmt: 'Unhandled fault in %[1]v',
        alt: ['bad-access in %[1]v'],
        stack: RIP_STACK,
      },
    ],
    // arm64 4.x prints this for user-mode aborts too (ESR class 0x20/0x24, "from a lower EL"): the
    // task gets SIGBUS, the kernel goes on.
    suppress: [new InOrder(/Unhandled fault: /, / \(0x(?:8[0-3]|9[0-3])[0-9a-f]{6}\) at 0x/)],
  },
  {
    id: 'alignment-trap',
    header: 'Alignment trap:',
    kind: 'OOPS',
    formats: [{ title: /Alignment trap:/, fmt: 'Alignment trap in %[1]v', stack: RIP_STACK }],
    suppress: [],
  },
  {
    id: 'trusty',
    header: 'trusty: panic',
    kind: 'PANIC',
    formats: [
      {
        title: /trusty: panic.* ASSERT FAILED/,
        report: [/trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+)/],
        fmt: 'trusty: ASSERT FAILED: %[1]v',
        noStackTrace: true,
      },
      {
        title: /trusty: panic.* ASSERT FAILED.*: *(.*)/,
        fmt: 'trusty: ASSERT FAILED: %[1]v',
        corrupted: true,
      },
      {
        title: /trusty: panic/,
        report: [/trusty: panic \(.*?\): (.+)/],
        fmt: 'trusty: panic: %[1]v',
        noStackTrace: true,
      },
    ],
    suppress: [],
  },
  {
    id: 'go-runtime',
    header: 'fatal error:',
    kind: 'OTHER',
    formats: [{ title: /fatal error:/, fmt: 'go runtime error', noStackTrace: true }],
    suppress: [/ALSA/, /fatal error: cannot create timer/, /^(?!fatal error:)/],
  },
  {
    id: 'syzfail',
    header: 'SYZFAIL:',
    kind: 'OTHER',
    formats: [{ title: /SYZFAIL:(.*)/, fmt: 'SYZFAIL:%[1]v', noStackTrace: true }],
    suppress: [],
  },
  {
    id: 'syzfatal',
    header: 'SYZFATAL:',
    kind: 'OTHER',
    formats: [
      { title: /SYZFATAL:(.*)()/, alt: ['SYZFATAL%[2]s'], fmt: 'SYZFATAL:%[1]v', noStackTrace: true },
    ],
    suppress: [],
  },
  {
    id: 'go-panic',
    header: 'panic:',
    kind: 'OTHER',
    formats: [
      {
        title: /panic: Sentry detected .* stuck task/,
        fmt: 'panic: Sentry detected stuck tasks',
        noStackTrace: true,
      },
      { title: /panic:(.*)/, fmt: 'panic:%[1]v', noStackTrace: true },
    ],
    // Go's runtime prints `panic: ` at the start of a line; mid-line it is prose or a script's echo.
    suppress: [/_panic:/, /xlog_status:/, /ddb\.onpanic:/, /evtlog_status:/, /^(?!panic:)/],
  },
  // --- hardware crash shapes that carry no syzkaller header of their own ---
  {
    id: 'arm64-serror',
    header: 'SError Interrupt on CPU',
    kind: 'SERROR',
    formats: [
      {
        title: /SError Interrupt on CPU\d+, code (?:0x)?[0-9a-f]+ -- (.*)/,
        fmt: 'SError Interrupt in %[2]v',
        alt: ['bad-access in %[2]v'],
        stack: RIP_STACK,
      },
    ],
    suppress: [],
    ext: true,
  },
  {
    id: 'x86-mce-panic',
    header: 'mce: [Hardware Error]: Machine check: ',
    kind: 'MACHINE_CHECK',
    formats: [{ title: /Machine check: (.*)/, fmt: 'machine check: %[1]v', noStackTrace: true }],
    suppress: [],
    ext: true,
  },
  {
    id: 'hard-lockup',
    header: 'Watchdog detected hard LOCKUP',
    kind: 'LOCKUP',
    formats: [
      {
        title: /Watchdog detected hard LOCKUP/,
        fmt: 'hard LOCKUP in %[1]v',
        alt: ['stall in %[1]v'],
        stack: { parts: [RIP_FRAME, CALL_TRACE, S], extractor: stallFrame },
      },
    ],
    suppress: [],
    ext: true,
  },
  {
    // x86 die header without a BUG line before it (lost or never printed): `Oops: 0000 [#1] SMP`,
    // ≥6.9 `Oops: Oops: 0000 [#1] SMP NOPTI`.
    id: 'x86-oops',
    header: 'Oops: ',
    kind: 'OOPS',
    formats: [
      {
        title: /Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\]/,
        fmt: 'Oops in %[1]v',
        alt: ['bad-access in %[1]v'],
        stack: RIP_STACK,
      },
    ],
    // only the die header itself, not any text that says "Oops: "
    suppress: [/Internal error: Oops/, /^(?!.*Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\])/],
    secondary: /Oops: /,
    ext: true,
  },
];
