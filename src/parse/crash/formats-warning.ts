import type { Format } from './format-types.js';
import { S, TRACE_STACK, warningStack } from './format-parts.js';
import { CALL_TRACE, InOrder, re } from './pattern.js';

export const WARNING_FORMATS: Format[] = [
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
