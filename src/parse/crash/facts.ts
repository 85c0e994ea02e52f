/**
 * Facts of a report that do not depend on its title: the frame list, taint letters, kernel
 * release, pfns named by memory-failure panics, and whether the stack runs through hardware-error
 * or poison-handling code.
 */
import { capLine, RIP_FRAME } from './pattern.js';
import { FRAME_LINES, STACK_STARTS } from './stack.js';

export const MAX_FRAMES = 32;

/** Strip `.isra.N`, `.cold`, `.constprop.N`, `.part.N`, `.llvm.N` (anything after a dot) and syscall wrappers. */
export function normalizeFrame(name: string): string {
  let n = name;
  const dot = n.indexOf('.');
  if (dot > 0) n = n.slice(0, dot);
  for (let again = true; again; ) {
    again = false;
    for (const p of SYSCALL_PREFIXES) {
      if (n.startsWith(p) && n.length > p.length) {
        n = n.slice(p.length);
        again = true;
      }
    }
  }
  return n;
}
const SYSCALL_PREFIXES = [
  '__se_sys_',
  '__do_sys_',
  '__x64_sys_',
  '__ia32_sys_',
  '__arm64_sys_',
  '__riscv_sys_',
  '__s390x_sys_',
  '__s390_sys_',
  '__x64_compat_sys_',
  '__ia32_compat_sys_',
  '__arm64_compat_sys_',
  '__se_compat_sys_',
  '__do_compat_sys_',
  'SyS_',
  'SYSC_',
];

function isUnreliable(line: string): boolean {
  return (line.includes(' ? ') && !line.includes('<EOI>')) || line.endsWith(' (unreliable)');
}

// Frame lines of every architecture, for the frame list (titles use the stricter FRAME_LINES):
// x86/arm64 ` func+0x1/0x2`, old x86 ` [<ffffffff81234567>] func+0x..`, old arm
// `[<c0014990>] (func+0x0/0xf4) from [<..>] (..)`, s390 `([<000003ff8086d036>] func+0x36/0x1000)`,
// ppc64 `[c000000010f93150] [c000000008028668] .func+0x128/0x170`.
const ANY_ARCH_FRAME = /^ *\(?(?:\[<?(?:0x)?[0-9a-f]+>?\] ?){0,2} *\(?\.?([a-zA-Z0-9_]+)[.+]/;

function frameName(line: string): string | null {
  if (isUnreliable(line)) return null;
  for (const r of FRAME_LINES) {
    const m = r.exec(line);
    if (m !== null && m[1] !== undefined) return m[1];
  }
  const m = ANY_ARCH_FRAME.exec(line);
  return m === null ? null : m[1]!;
}

// lockdep prints `stack backtrace:` and, on old arm, the frames follow without a `Backtrace:` line.
const STACK_HEAD = /Call [Tt]race:|Backtrace:|stack backtrace:/;

const STOP = /^---\[ end |^Code: |^Kernel Offset:|^Modules linked in:|^---- /;

/** Up to 32 frames, innermost first: the faulting pc, then the first stack trace. */
export function collectFrames(lines: readonly string[], limit: number): string[] {
  const out: string[] = [];
  let inStack = false;
  let fromPc = false;
  let fromPcTaken = false;
  let gap = 0;
  for (let i = 0; i < lines.length && i < limit && out.length < MAX_FRAMES; i++) {
    const line = capLine(lines[i]!);
    if (!inStack) {
      if (out.length === 0) {
        const m = RIP_FRAME.exec(line);
        if (m?.[1] !== undefined) {
          out.push(normalizeFrame(m[1]));
          fromPc = true;
          fromPcTaken = true;
          continue;
        }
      }
      if (STACK_HEAD.test(line)) inStack = true;
      continue;
    }
    const name = frameName(line);
    if (name !== null) {
      const n = normalizeFrame(name);
      // arm64 repeats the pc as the first frame (`d_lookup+0x5c/0x220 (P)`).
      if (!(fromPc && out.length === 1 && out[0] === n)) out.push(n);
      fromPc = false;
      gap = 0;
      continue;
    }
    if (STOP.test(line.trimStart())) break;
    // A second stack header before any frame (lockdep's `stack backtrace:` then `Call Trace:`) is the same stack.
    if (STACK_STARTS.some((r) => r.test(line)) && out.length > (fromPcTaken ? 1 : 0)) break;
    if (++gap > 8) break;
  }
  return out;
}

/** Every frame name anywhere in the report (bounded), for hardware/poison stack checks. */
export function allFrameNames(lines: readonly string[], limit: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < lines.length && i < limit; i++) {
    const line = capLine(lines[i]!);
    const name = frameName(line);
    if (name !== null) out.add(normalizeFrame(name));
    const rip = RIP_FRAME.exec(line);
    if (rip?.[1] !== undefined) out.add(normalizeFrame(rip[1]));
  }
  return out;
}

/** Functions whose presence on a stack makes the crash a hardware error itself (reference §9 rule 3). */
export const HW_FRAMES: ReadonlySet<string> = new Set([
  'memory_failure',
  'action_result',
  'kill_me_maybe',
  'do_machine_check',
  '__ghes_panic',
  'ghes_notify_nmi',
  'arm64_serror_panic',
  'do_sea',
  'mce_panic',
]);

/** The poison handlers: a crash inside them consumed or handled poisoned memory. */
export const POISON_FRAMES: ReadonlySet<string> = new Set([
  'memory_failure',
  'action_result',
  'kill_me_maybe',
  'kill_me_now',
  'kill_me_never',
  'memory_failure_cb',
  'memory_failure_work_func',
  'memory_failure_queue',
  'ghes_do_memory_failure',
  'ghes_handle_memory_failure',
  'get_hwpoison_page',
  '__get_hwpoison_page',
  'hwpoison_user_mappings',
  'unmap_poisoned_folio',
  'try_memory_failure_hugetlb',
  'identify_page_state',
  'me_kernel',
  'me_unknown',
  'me_pagecache_clean',
  'me_pagecache_dirty',
  'me_swapcache_dirty',
  'me_swapcache_clean',
  'me_huge_page',
  'kill_procs',
  'kill_proc',
  'collect_procs',
  'truncate_error_folio',
]);

export function inPoison(names: ReadonlySet<string>): boolean {
  for (const n of names) if (POISON_FRAMES.has(n) || n.startsWith('memory_failure')) return true;
  return false;
}

export function hwStack(names: ReadonlySet<string>): boolean {
  for (const n of names) if (HW_FRAMES.has(n)) return true;
  return false;
}

/** Taint letters and release from the task line (`... Tainted: G   M   E   6.16.1 #1`, `... Not tainted 6.1.0 #1`). */
export function taintAndRelease(
  lines: readonly string[],
  limit: number,
): { taint: string | null; release: string | null } {
  for (let i = 0; i < lines.length && i < limit; i++) {
    const line = capLine(lines[i]!);
    const nt = line.indexOf('Not tainted ');
    // the task line, or hung_task's indented `      Not tainted 6.6.0 #1`
    if (nt >= 0 && (/(?:^|\s)(?:CPU|PID|Comm):/.test(line) || line.trimStart().startsWith('Not tainted '))) {
      return { taint: '', release: release(line.slice(nt + 'Not tainted '.length)) };
    }
    const t = line.indexOf('Tainted: ');
    if (t < 0) continue;
    const rest = line.slice(t + 'Tainted: '.length);
    if (rest.startsWith('[')) continue; // the verbose `Tainted: [M]=MACHINE_CHECK, ...` line
    // Flags are positional, one column each (a space when unset); the release follows.
    // Some distributions pad the flags with '-' (`GF          O--------------   3.10.0-54.el7 #1`).
    const m = /^([A-Z -]*?) +([0-9][^ ]*)/.exec(rest);
    if (m !== null) return { taint: m[1]!.replace(/[ -]/g, ''), release: m[2]! };
    // lockdep's header puts the release first: `3.6.0-rc1 #296 Tainted: G        W`
    const flagsOnly = /^([A-Z ]+?) *$/.exec(rest);
    if (flagsOnly !== null) return { taint: flagsOnly[1]!.replace(/ /g, ''), release: release(line) };
  }
  return { taint: null, release: null };
}

function release(rest: string): string | null {
  const m = /^ *([0-9][^ ]*)/.exec(rest);
  return m === null ? null : m[1]!;
}

/** pfns from `Memory failure: 0x2a00: unrecoverable page` and `Memory failure on page 40272d` panics. */
export function panicPfns(lines: readonly string[], limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < lines.length && i < limit; i++) {
    const line = capLine(lines[i]!);
    const at = line.indexOf('not syncing: Memory failure');
    if (at < 0) continue;
    const m = /^not syncing: Memory failure(?:: 0x([0-9a-f]+): unrecoverable page| on page ([0-9a-f]+))/.exec(
      line.slice(at),
    );
    const hex = m?.[1] ?? m?.[2];
    if (hex !== undefined && hex.length <= 13) {
      const pfn = Number.parseInt(hex, 16);
      if (!out.includes(pfn)) out.push(pfn);
    }
  }
  return out;
}
