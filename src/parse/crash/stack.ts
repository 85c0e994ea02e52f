/**
 * Guilty-frame extraction: walks a report's lines through a sequence of "parts" (line patterns
 * that may capture a frame, or PARSE_STACK which reads frame lines until the next stack starts),
 * dropping generic frames (reporting, locking, allocator, sanitizer, printk, panic, arch entry),
 * and hands the survivors to an extractor. Work is linear in the number of lines.
 */
import { demangle } from './demangle.js';
import { capLine, re } from './pattern.js';

/** Marker part: parse frame lines from here until the next stack start. */
export const PARSE_STACK = Symbol('parse-stack');
export type StackPart = RegExp | typeof PARSE_STACK;

export type FrameExtractor = (frames: readonly string[]) => { frame: string; index: number } | null;

export interface StackFmt {
  parts: StackPart[];
  /** tried when `parts` yields no frame */
  parts2?: StackPart[];
  /** extra generic-frame patterns for this format (matched as regex anywhere in the name) */
  skip?: string[];
  extractor?: FrameExtractor;
}

const RISCV_STACK_START = /status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}/;

/** Lines after which a stack trace follows. */
export const STACK_STARTS: readonly RegExp[] = [
  /Call [Tt]race/,
  /Allocated:/,
  /Allocated by task [0-9]+:/,
  /Freed:/,
  /Freed by task [0-9]+:/,
  /(?:^|[^k]) backtrace(?: \(crc [0-9a-fA-F]*\))?:/,
  /Backtrace:/,
  /Uninit was stored to memory at/,
  RISCV_STACK_START,
];
export { RISCV_STACK_START };

/** Lines that are one frame: x86/arm64 ` func+0x1/0x2`, and arm32 `[<..>] (func) from [<..>] (caller+0x..)`. */
export const FRAME_LINES: readonly RegExp[] = [
  re('^ *(?:{{PC}} ){0,2}{{FUNC}}'),
  re(String.raw`^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}`),
];

/** Fault-injection stacks interleave with reports and make them unreliable. */
const CORRUPTED_LINES: readonly RegExp[] = [
  /^(?: \[<?(?:0x)?[0-9a-f]+>?\])? should_fail(?:slab)?(?:\.[a-z0-9.]+)?\+0x/,
];

/**
 * Generic frames that are never to blame. The list is what syzkaller learned over years of
 * triage (pkg/report/linux.go); written here as data.
 */
export const GENERIC_FRAMES: readonly string[] = [
  '__sanitizer',
  '__asan',
  'kasan',
  'hwasan',
  '__msan',
  'kmsan',
  'kcsan_setup_watchpoint',
  'check_memory_region',
  'check_heap_object',
  'check_object',
  'read_word_at_a_time',
  '(read|write)_once_.*nocheck',
  'print_address_description',
  'panic',
  'invalid_op',
  'report_bug',
  'fixup_bug',
  'print_report',
  'print_usage_bug',
  'do_error',
  '_trap$|do_trap',
  'show_stack',
  'dump_stack',
  'walk_stack',
  'dump_backtrace',
  'warn_slowpath',
  'warn_alloc',
  'warn_bogus',
  '__warn',
  'alloc_page',
  'k?v?(?:m|z|c)alloc',
  'krealloc',
  'kmem_cache',
  'allocate_slab',
  '__alloc_frozen_pages_noprof',
  'folio_(?:alloc|unlock)',
  'filemap_alloc_folio',
  '__filemap_get_folio',
  'find_or_create_page',
  'do_read_cache_folio',
  'read_cache_page',
  'pagecache_get_page',
  'grab_cache_page_write_begin',
  'slab_',
  'debug_object',
  'timer_is_static_object',
  'work_is_static_object',
  '__might_fault',
  'print_unlock',
  'imbalance_bug',
  'lockdep',
  'bh_enable',
  'bh_disable',
  'perf_trace',
  'lock_acquire',
  'lock_release',
  'lock_class',
  'mark_lock',
  '(reacquire|mark)_held_locks',
  'raw_spin_rq',
  'spin_lock',
  'spin_trylock',
  'spin_unlock',
  'read_lock',
  'read_trylock',
  'write_lock',
  'write_trylock',
  'read_unlock',
  'write_unlock',
  '^down$',
  'down_read',
  'down_write',
  'down_read_trylock',
  'down_write_trylock',
  'down_trylock',
  'up_read',
  'up_write',
  '^mutex_',
  '^__mutex_',
  '^rt_mutex_',
  'owner_on_cpu',
  'osq_lock',
  'osq_unlock',
  'atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)',
  '(set|clear|change|test)_bit',
  '__wake_up',
  '^refcount_',
  '^kref_',
  'ref_tracker',
  'seqprop_assert',
  'memcpy',
  'memcmp',
  'memset',
  'memchr',
  'memmove',
  'memdup',
  'strcmp',
  'strncmp',
  'strcpy',
  'strlcpy',
  'strncpy',
  'strscpy',
  'strlen',
  'strstr',
  'strnstr',
  'strnlen',
  'strchr',
  'strdup',
  'strndup',
  'copy_to_user',
  'copy_from_user',
  'copy_to_iter',
  'copy_from_iter',
  'copy_page_to_iter',
  'copy_page_from_iter',
  'copy_folio_to_iter',
  '^copyin$',
  '^copyout$',
  'put_user',
  'get_user',
  'might_fault',
  'might_sleep',
  'list_add',
  'list_del',
  'list_replace',
  'list_move',
  'list_splice',
  '^rb_',
  '^__rb_',
  '_indirect_thunk_',
  'string',
  'pointer',
  'snprintf',
  'scnprintf',
  'kasprintf',
  'kvasprintf',
  'printk',
  'va_format',
  'dev_info',
  'dev_notice',
  'dev_warn',
  'dev_err',
  'dev_alert',
  'dev_crit',
  'dev_emerg',
  'program_check_exception',
  'program_check_common',
  'del_timer',
  'flush_work',
  '__cancel_work_timer',
  'cancel_work_sync',
  'try_to_grab_pending',
  'flush_workqueue',
  'drain_workqueue',
  'destroy_workqueue',
  'queue_work',
  'finish_wait',
  'kthread_stop',
  'kobject_',
  'add_uevent_var',
  'get_device_parent',
  'device_add',
  'device_del',
  'device_unregister',
  'device_destroy',
  'device_release',
  'devres_release_all',
  'hwrng_unregister',
  'i2c_del_adapter',
  '__unregister_client',
  'device_for_each_child',
  'rollback_registered',
  'unregister_netdev',
  'sysfs_remove',
  'device_remove_file',
  'tty_unregister_device',
  'dummy_urb_enqueue',
  'usb_kill_urb',
  'usb_kill_anchored_urbs',
  'usb_control_msg',
  'usb_hcd_submit_urb',
  'usb_submit_urb',
  '^complete$',
  'wait_for_completion',
  '^kv?free$',
  'kfree_skb',
  'readb$',
  'readw$',
  'readl$',
  'readq$',
  'writeb$',
  'writew$',
  'writel$',
  'writeq$',
  'logic_in',
  'logic_out',
  '^crc\\d+',
  'crc_itu_t',
  '__might_resched',
  'assertfail',
  '^iput$',
  '^iput_final$',
  '^ihold$',
  'hex_dump_to_buffer',
  'print_hex_dump',
  '^klist_',
  '(trace|lockdep)_(hard|soft)irq',
  '^(un)?lock_page',
  'stack_trace_consume_entry',
  'arch_stack_walk',
  'stack_trace_save',
  'insert_work',
  '__queue_delayed_work',
  'queue_delayed_work_on',
  'ida_free',
  'do_(kernel|translation)_fault',
  'do_mem_abort',
  'el1_abort',
  'el1h_64_sync(?:_handler)?',
  'print_tainted',
  'xas_(?:start|load|find)',
  'find_lock_entries',
  'truncate_inode_pages_range',
  '__phys_addr',
  '__fortify_report',
  'cleanup_srcu_struct',
  'rhashtable_lookup',
  'extract_(user|iter)_to_sg',
  'drop_nlink',
  '^get_taint$',
  '^put_device$',
  'lock_timer_base',
  '__timer_delete_sync',
  'sk_stop_timer_sync',
  '__mod_timer',
  'fast_dput',
  'dput',
  // WARN_ON(!buffer_uptodate(bh)) in mark_buffer_dirty() reports its caller's bug.
  '^mark_buffer_dirty$',
];

/** Syscall-wrapper prefixes; titles use the shortest single strip, as syzkaller does. */
export const STRIP_PREFIXES: readonly string[] = [
  'SYSC_',
  'SyS_',
  'sys_',
  '__x64_',
  '__ia32_',
  '__arm64_',
  '____sys_',
  '___sys_',
  '__sys_',
  '__se_',
  '__se_sys_',
  '__do_sys_',
  'compat_SYSC_',
  'compat_SyS_',
  'ksys_',
];

export function stripFrame(frame: string): string {
  let best = frame;
  for (const p of STRIP_PREFIXES) {
    if (frame.startsWith(p) && frame.length - p.length < best.length) best = frame.slice(p.length);
  }
  return best;
}

export interface ExtractedFrame {
  canonical: string;
  raw: string;
}

const skipCache = new Map<string, RegExp>();
function skipRegex(extra: readonly string[] | undefined): RegExp {
  const key = extra?.join('\u0000') ?? '';
  let r = skipCache.get(key);
  if (r === undefined) {
    r = new RegExp([...GENERIC_FRAMES, ...(extra ?? [])].join('|'));
    skipCache.set(key, r);
  }
  return r;
}

function matchesAny(line: string, res: readonly RegExp[]): boolean {
  for (const r of res) if (r.test(line)) return true;
  return false;
}

function appendFrames(frames: string[], m: RegExpExecArray | null, skip: RegExp): void {
  if (m === null) return;
  for (let i = 1; i < m.length; i++) {
    const raw = m[i];
    if (raw === undefined) continue;
    const f = raw.startsWith('_Z') || raw.startsWith('_R') ? demangle(raw) : raw;
    if (!skip.test(f)) frames.push(f);
  }
}

function firstFrameMatch(line: string): RegExpExecArray | null {
  for (const r of FRAME_LINES) {
    const m = r.exec(line);
    if (m !== null) return m;
  }
  return null;
}

function extractImpl(
  lines: readonly string[],
  parts: readonly StackPart[],
  skip: RegExp,
  pick: (raw: string[]) => ExtractedFrame | null,
): { frames: ExtractedFrame[]; ok: boolean } {
  let li = 0;
  let raw: string[] = [];
  const results: ExtractedFrame[] = [];
  let ok = true;
  let numStacks = 0;
  for (let pi = 0; ; pi++) {
    if (pi === parts.length || (parts[pi] === PARSE_STACK && numStacks > 0)) {
      const key = pick(raw);
      if (key === null) {
        results.push({ canonical: 'corrupted', raw: 'corrupted' });
        ok = false;
      } else results.push(key);
      raw = [];
    }
    if (pi === parts.length) break;
    const part = parts[pi]!;
    if (part === PARSE_STACK) {
      numStacks++;
      while (li < lines.length) {
        const ln = capLine(lines[li++]!);
        if (matchesAny(ln, CORRUPTED_LINES)) {
          ok = false;
          break;
        }
        if (matchesAny(ln, STACK_STARTS)) break;
        const next = parts[pi + 1];
        if (next !== undefined && next !== PARSE_STACK) {
          const m = next.exec(ln);
          if (m !== null) {
            appendFrames(raw, m, skip);
            pi++;
            break;
          }
        }
        appendFrames(raw, firstFrameMatch(ln), skip);
      }
    } else {
      while (li < lines.length) {
        const ln = capLine(lines[li++]!);
        if (matchesAny(ln, CORRUPTED_LINES)) {
          ok = false;
          break;
        }
        const m = part.exec(ln);
        if (m === null) continue;
        appendFrames(raw, m, skip);
        break;
      }
    }
  }
  return { frames: results, ok };
}

/** Run a stack format over lines (the first line is the title line, cut at the title's column). */
export function extractStackFrames(
  stack: StackFmt,
  lines: readonly string[],
): { frames: ExtractedFrame[]; ok: boolean } {
  const skip = skipRegex(stack.skip);
  const pick = (raw: string[]): ExtractedFrame | null => {
    if (raw.length === 0) return null;
    const stripped = raw.map(stripFrame);
    if (stack.extractor === undefined) return { canonical: stripped[0]!, raw: raw[0]! };
    const r = stack.extractor(stripped);
    if (r === null || r.frame === '') return null;
    return { canonical: r.frame, raw: raw[r.index] ?? r.frame };
  };
  const first = extractImpl(lines, stack.parts, skip, pick);
  if (first.ok || stack.parts2 === undefined) return first;
  return extractImpl(lines, stack.parts2, skip, pick);
}

/** Is this frame name generic (reporting, locking, allocator, sanitizer, printk, panic code)? */
export function isGenericFrame(name: string): boolean {
  return skipRegex(undefined).test(name);
}

/** Is this line one stack frame (ignoring unreliable ` ? ` frames)? */
export function isFrameLine(line: string): boolean {
  return firstFrameMatch(capLine(line)) !== null;
}
