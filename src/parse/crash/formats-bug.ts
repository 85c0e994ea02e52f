/** Title formats of `BUG:` reports (sanitizers, faults, lockups, locking, page state, leaks). */
import { stallFrame } from './extractors.js';
import type { Format } from './format-types.js';
import { KASAN_HW_SKIP, RIP_STACK, S, TRACE_STACK } from './format-parts.js';
import { CALL_TRACE, InOrder, RIP_FRAME, re } from './pattern.js';

export const BUG_FORMATS: Format[] = [
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
