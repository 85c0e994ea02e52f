/**
 * Title normalization (volatile parts such as addresses, numbers, line numbers and pids replaced
 * by placeholders, so one bug has one title) and the syzkaller report type of a title.
 */

const REPLACEMENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/syz-executor\.?[0-9]+(?:(?:\/|:)[0-9]+)?/g, 'syz-executor'],
  [/syzkaller[0-9]+(?:(?:\/|:)[0-9]+)?/g, 'syzkaller'],
  [/([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}/g, '$1ADDR'],
  [/([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})/g, 'IP'],
  [/(\.\w+)(?::[0-9]+)+/g, '$1:LINE'],
  [/([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+\/0x[0-9a-z]+/g, '$1'],
  [/CPU#[0-9]+/g, 'CPU'],
  [/(\W)(\d+)(\W|$)/g, '$1NUM$3'],
  [/\d{7,}/g, 'NUM'],
];

const MAX_TITLE_INPUT = 1024;
const MAX_TITLE = 120;

export function normalizeTitle(raw: string): string {
  let s = raw.length > MAX_TITLE_INPUT ? raw.slice(0, MAX_TITLE_INPUT) : raw;
  for (const [r, to] of REPLACEMENTS) {
    // Matches may overlap (`0,1,2`): repeat until stable; each pass shortens or fixes the text,
    // and the bound keeps it finite whatever the input.
    for (let n = 0; n < 16; n++) {
      const next = s.replace(r, to);
      if (next === s) break;
      s = next;
    }
  }
  return sanitize(s);
}

function sanitize(title: string): string {
  let out = '';
  let prev = ' ';
  for (let i = 0; i < title.length && i < MAX_TITLE; i++) {
    let ch = title[i]!;
    const c = title.charCodeAt(i);
    if (ch === '\t') ch = ' ';
    else if (c < 0x20 || c >= 0x7f) continue;
    if (ch === ' ' && prev === ' ') continue;
    out += ch;
    prev = ch;
  }
  return out.trim();
}

/** syzkaller's title → type table (first prefix match wins). */
const TYPES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['KFENCE-USE-AFTER-FREE-WRITE', ['KFENCE: use-after-free write']],
  ['KFENCE-USE-AFTER-FREE-READ', ['KFENCE: use-after-free read', 'KFENCE: use-after-free']],
  ['KFENCE-WRITE', ['KFENCE: invalid write', 'KFENCE: out-of-bounds write']],
  ['KFENCE-READ', ['KFENCE: invalid read', 'KFENCE: out-of-bounds read', 'KFENCE: out-of-bounds']],
  ['KFENCE-MEMORY-CORRUPTION', ['KFENCE: memory corruption']],
  ['KFENCE-INVALID-FREE', ['KFENCE: invalid free']],
  ['KMSAN-UNINIT-VALUE', ['KMSAN: uninit-value']],
  [
    'KMSAN-USE-AFTER-FREE-READ',
    ['KMSAN: kernel-infoleak-after-free', 'KMSAN: kernel-usb-infoleak-after-free', 'KMSAN: use-after-free'],
  ],
  ['KMSAN-INFO-LEAK', ['KMSAN: kernel-infoleak', 'KMSAN: kernel-usb-infoleak']],
  ['KASAN-NULL-POINTER-DEREFERENCE-WRITE', ['KASAN: null-ptr-deref Write']],
  ['KASAN-NULL-POINTER-DEREFERENCE-READ', ['KASAN: null-ptr-deref Read']],
  ['NULL-POINTER-DEREFERENCE', ['BUG: unable to handle kernel NULL pointer dereference in']],
  [
    'KASAN-WRITE',
    [
      'KASAN: global-out-of-bounds Write',
      'KASAN: out-of-bounds Write',
      'KASAN: slab-out-of-bounds Write',
      'KASAN: stack-out-of-bounds Write',
      'KASAN: user-memory-access Write',
      'KASAN: vmalloc-out-of-bounds Write',
      'KASAN: wild-memory-access Write',
    ],
  ],
  [
    'KASAN-READ',
    [
      'KASAN: global-out-of-bounds Read',
      'KASAN: invalid-access Read',
      'KASAN: out-of-bounds Read',
      'KASAN: slab-out-of-bounds Read',
      'KASAN: slab-out-of-bounds',
      'KASAN: stack-out-of-bounds Read',
      'KASAN: stack-out-of-bounds',
      'KASAN: unknown-crash Read',
      'KASAN: user-memory-access Read',
      'KASAN: vmalloc-out-of-bounds Read',
      'KASAN: wild-memory-access Read',
      'KASAN: wild-memory-access',
    ],
  ],
  ['KASAN-INVALID-FREE', ['KASAN: double-free or invalid-free', 'KASAN: invalid-free']],
  ['KASAN-USE-AFTER-FREE-WRITE', ['KASAN: slab-use-after-free Write', 'KASAN: use-after-free Write']],
  [
    'KASAN-USE-AFTER-FREE-READ',
    ['KASAN: slab-use-after-free Read', 'KASAN: use-after-free Read', 'KASAN: use-after-free'],
  ],
  ['MEMORY_SAFETY_BUG', ['BUG: corrupted list', 'BUG: unable to handle kernel paging request']],
  ['REFCOUNT_WARNING', ['WARNING: refcount bug']],
  ['MEMORY_SAFETY_UBSAN', ['UBSAN: array-index-out-of-bounds']],
  ['KCSAN-DATARACE', ['KCSAN: data-race']],
  ['KCSAN-ASSERT', ['KCSAN: assert: race in']],
  [
    'LOCKDEP',
    [
      'BUG: bad unlock balance in',
      'BUG: held lock freed in',
      'BUG: rwlock',
      'BUG: spinlock',
      'BUG: still has locks held in',
      'BUG: using',
      'WARNING: bad unlock balance in',
      'WARNING: held lock freed in',
      'WARNING: lock held',
      'WARNING: locking bug in',
      'WARNING: nested lock was not taken in',
      'WARNING: still has locks held in',
      'WARNING: suspicious RCU usage in',
      'inconsistent lock state in',
      'possible deadlock in',
    ],
  ],
  [
    'ATOMIC_SLEEP',
    ['BUG: scheduling while atomic in', 'BUG: sleeping function called from invalid context in'],
  ],
  ['LEAK', ['memory leak in']],
  ['BUG', ['BUG: bad usercopy in', 'kernel BUG']],
  ['WARNING', ['WARNING in']],
  [
    '',
    [
      'BUG: stack guard page was hit in',
      'WARNING: corrupted',
      'WARNING: kernel stack frame pointer has bad value',
      'WARNING: kernel stack regs has bad',
    ],
  ],
  [
    'HANG',
    ['BUG: soft lockup in', 'INFO: rcu detected stall in', "INFO: task can't die in", 'INFO: task hung in'],
  ],
  [
    'DoS',
    [
      'Alignment trap in',
      'BUG: Object already free',
      'Internal error in',
      'PANIC: double fault',
      'Unhandled fault in',
      'VFS: Busy inodes after unmount (use-after-free)',
      'VFS: Close: file count is zero (use-after-free)',
      'divide error in',
      'general protection fault in',
      'go runtime error',
      'invalid opcode in',
      'kernel panic:',
      'kernel stack overflow',
      'panic:',
      'rust_kernel panicked',
      'stack segment fault in',
      'trusty:',
      'unregister_netdevice: waiting for DEV to become free',
    ],
  ],
  ['REBOOT', ['unexpected kernel reboot']],
  ['SYZ_FAILURE', ['SYZFAIL', 'SYZFATAL:']],
  ['WARNING', ['WARNING:']],
  ['', ['BUG:', 'INFO:']],
  ['KASAN-UNKNOWN', ['KASAN:']],
  ['KFENCE-UNKNOWN', ['KFENCE:']],
  ['KMSAN-UNKNOWN', ['KMSAN:']],
  ['UBSAN', ['UBSAN:']],
  ['KCSAN-UNKNOWN', ['KCSAN:']],
];

/** syzkaller report type of a title; `''` is syzkaller's UNKNOWN. */
export function titleType(title: string): string {
  for (const [type, prefixes] of TYPES) {
    for (const p of prefixes) if (title.startsWith(p)) return type;
  }
  return '';
}

/** The function a title blames (`... in <func>`), as syzkaller reads it back. */
export function titleFrame(title: string): string | null {
  const at = title.lastIndexOf(' in ');
  if (at < 0) return null;
  const m = /^((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+)/.exec(title.slice(at + 4));
  return m === null ? null : m[1]!;
}
