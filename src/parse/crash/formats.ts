/**
 * The crash-report table: one group per header string the kernel prints, each with the title
 * formats tried on the report (earliest match in the text wins, then table order). Titles follow
 * syzkaller's conventions so they group with public dashboards; `%[N]v` takes the N-th capture
 * (title or report pattern captures first, then one guilty frame per stack section).
 *
 * A pattern array is a sequence of lines: the first element matches a line, each next element the
 * first later line that matches it (what `A(?:.*\n)+?.*B` means on the text, done line by line).
 */
import { stallFrame } from './extractors.js';
import { BUG_FORMATS } from './formats-bug.js';
import { INFO_FORMATS } from './formats-info.js';
import { PANIC_FORMATS } from './formats-panic.js';
import { WARNING_FORMATS } from './formats-warning.js';
import type { OopsGroup } from './format-types.js';
import { RIP_STACK, S, TRACE_STACK } from './format-parts.js';
import { CALL_TRACE, InOrder, RIP_FRAME } from './pattern.js';

const PANIC_LINE = /Kernel panic - not syncing/;

export type { Format, OopsGroup } from './format-types.js';
export { panicKind, PANIC_KINDS } from './formats-panic.js';

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
