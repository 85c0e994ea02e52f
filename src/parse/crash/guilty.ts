/**
 * Guilty source file of a symbolized report (`func+0x1/0x2 net/ipv6/ip6_output.c:1748`): the
 * first file that is not generic (headers, lib/, the sanitizers, allocators, locking, scheduler,
 * printk, arch trap and fault code), then a deeper file in the same directory if one follows.
 */
import { capLine } from './pattern.js';

const IGNORED_FILES: readonly RegExp[] = [
  /.*\.h/,
  /^lib\/.*/,
  /^virt\/lib\/.*/,
  /^mm\/kasan\/.*/,
  /^mm\/kmsan\/.*/,
  /^kernel\/kcov.c/,
  /^mm\/sl.b.c/,
  /^mm\/filemap.c/,
  /^mm\/folio-compat.c/,
  /^mm\/truncate.c/,
  /^mm\/memory.c/,
  /^mm\/percpu.*/,
  /^mm\/vmalloc.c/,
  /^mm\/page_alloc.c/,
  /^mm\/mempool.c/,
  /^mm\/util.c/,
  /^kernel\/rcu\/.*/,
  /^arch\/.*\/kernel\/traps.c/,
  /^arch\/.*\/kernel\/unwind.*.c/,
  /^arch\/.*\/mm\/fault.c/,
  /^arch\/.*\/mm\/physaddr.c/,
  /^arch\/.*\/kernel\/stacktrace.c/,
  /^arch\/.*\/kernel\/apic\/apic.c/,
  /^arch\/arm64\/kernel\/entry.*.c/,
  /^arch\/arm64\/kernel\/process\.c/,
  /^kernel\/locking\/.*/,
  /^kernel\/panic.c/,
  /^kernel\/printk\/printk.*.c/,
  /^kernel\/softirq.c/,
  /^kernel\/kthread.c/,
  /^kernel\/sched\/.*.c/,
  /^kernel\/stacktrace.c/,
  /^kernel\/time\/timer.c/,
  /^kernel\/workqueue.c/,
  /^net\/core\/dev.c/,
  /^net\/core\/sock.c/,
  /^net\/core\/skbuff.c/,
  /^fs\/proc\/generic.c/,
  /^trusty\//,
  /^drivers\/usb\/core\/urb.c/,
  /^arch\/.*\/lib\/crc.*/,
];
// irq-state history and lockdep's held-locks list (` #0:  (sk_lock-AF_ALG){+.+.}, at: ...`) name
// where locks were taken, not where the bug is.
const IGNORED_LINE = /(hardirqs|softirqs)\s+last\s+(enabled|disabled)|^Register r\d+ information|^\s*#\d+:\s/;
const DEEPER = /^\/[a-zA-Z0-9_\-./]+\/[a-zA-Z0-9_-]+\.(c|h)$/;

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

/** The first `path.c:123` / `path.h:45` in a line (a hand-written scan: linear on any line). */
export function fileInLine(text: string): string | null {
  const line = capLine(text);
  for (let i = line.indexOf(':'); i >= 0; i = line.indexOf(':', i + 1)) {
    const d = line.charCodeAt(i + 1);
    if (!(d >= 48 && d <= 57) || i < 3) continue;
    const ext = line[i - 1];
    if (line[i - 2] !== '.' || (ext !== 'c' && ext !== 'h') || !isNameChar(line.charCodeAt(i - 3))) continue;
    let s = i - 3;
    while (s > 0 && (isNameChar(line.charCodeAt(s - 1)) || line[s - 1] === '.' || line[s - 1] === '/')) s--;
    return line.slice(s, i);
  }
  return null;
}

function clean(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  const joined = out.join('/');
  return p.startsWith('/') ? `/${joined}` : joined === '' ? '.' : joined;
}

function ignored(file: string, line: string): boolean {
  return IGNORED_FILES.some((r) => r.test(file)) || IGNORED_LINE.test(line);
}

function guiltyIn(lines: readonly string[]): string {
  let guilty = '';
  let i = 0;
  for (; i < lines.length; i++) {
    const file = fileInLine(lines[i]!);
    if (file === null) continue;
    if (guilty === '') guilty = file;
    if (ignored(file, lines[i]!)) continue;
    guilty = clean(file);
    i++;
    break;
  }
  let dir = guilty.includes('/') ? guilty.slice(0, guilty.lastIndexOf('/')) : '.';
  for (; i < lines.length; i++) {
    const file = fileInLine(lines[i]!);
    if (file === null || ignored(file, lines[i]!)) continue;
    const c = clean(file);
    if (c.startsWith(dir) && DEEPER.test(c.slice(dir.length))) {
      guilty = c;
      dir = guilty.slice(0, guilty.lastIndexOf('/'));
    }
  }
  return guilty;
}

/** Guilty file of a report (null when its frames carry no file names). */
export function guiltyFile(title: string, lines: readonly string[]): string | null {
  if (title.startsWith('INFO: rcu detected stall')) {
    // Stall stacks start in the timer interrupt; blame from the interrupted code on.
    for (const marker of ['apic_timer_interrupt+0x', 'el1h_64_irq+0x', 'Exception stack']) {
      const at = lines.findIndex((l) => l.includes(marker));
      if (at >= 0) {
        const rest = [lines[at]!.slice(lines[at]!.indexOf(marker)), ...lines.slice(at + 1)];
        const f = guiltyIn(rest);
        if (f !== '') return f;
      }
    }
  }
  const f = guiltyIn(lines);
  return f === '' ? null : f;
}
