import { describe, expect, it } from 'vitest';
import { analyzeReport } from '../../../src/parse/crash/index.js';
import { demangle } from '../../../src/parse/crash/demangle.js';
import { normalizeFrame } from '../../../src/parse/crash/facts.js';

const OLD_WARN_STACK = [
  'Pid: 1, comm: swapper Not tainted 3.10.0-123.el7.x86_64 #1',
  'Call Trace:',
  ' [<ffffffff8106b5bf>] warn_slowpath_common+0x7f/0xc0',
  ' [<ffffffff8106b61a>] warn_slowpath_null+0x1a/0x20',
  ' [<ffffffff810e4a3c>] watchdog_overflow_callback+0x9c/0xd0',
  ' [<ffffffff8111e4a2>] __perf_event_overflow+0xa2/0x230',
];

describe('titles of report shapes', () => {
  it.each([
    [
      ['WARNING: at kernel/watchdog.c:245 watchdog_overflow_callback+0x9c/0xd0()', ...OLD_WARN_STACK],
      'WARNING in watchdog_overflow_callback',
    ],
    [
      [
        'WARNING: at bar_release+0x41/0x60, CPU#3: kworker/3:1/123',
        'RIP: 0010:bar_release+0x41/0x60',
        'Call Trace:',
        ' process_one_work+0x176/0x330',
      ],
      'WARNING in bar_release',
    ],
    [
      ['Kernel panic - not syncing: Memory failure on page 40272d'],
      'kernel panic: Memory failure: unrecoverable page',
    ],
    [['Kernel panic - not syncing: Fatal exception'], 'kernel panic: Fatal exception'],
    [
      [
        'BUG: memory leak',
        'unreferenced object 0xffff888109b2c000 (size 64):',
        '  backtrace (crc 5a3b2c1d):',
        '    kmemleak_alloc+0x4a/0x80',
        '    kmalloc_trace+0x26/0x60',
        '    nfc_llcp_build_gb+0x1a/0x130',
        '    nfc_llcp_register_device+0x2b/0x80',
      ],
      'memory leak in nfc_llcp_build_gb',
    ],
  ])('%j is titled %s', (lines, title) => {
    expect(analyzeReport(lines).title).toBe(title);
  });

  it('marks a lone follow-up panic as a report that lost its header', () => {
    const a = analyzeReport(['Kernel panic - not syncing: Fatal exception']);
    expect(a.corrupted).toBe(true);
    expect(a.panicked).toBe(true);
  });

  it('normalizes frame names: offsets, compiler suffixes and syscall wrappers', () => {
    expect(normalizeFrame('proc_fd_iterate.llvm.7260857650841435759')).toBe('proc_fd_iterate');
    expect(normalizeFrame('tcp_sendmsg.isra.12.cold')).toBe('tcp_sendmsg');
    expect(normalizeFrame('__se_sys_sendto')).toBe('sendto');
    expect(normalizeFrame('__x64_sys_getdents64')).toBe('getdents64');
    expect(normalizeFrame('__arm64_sys_ioctl')).toBe('ioctl');
    expect(normalizeFrame('__do_sys_bpf')).toBe('bpf');
  });

  it('demangles C++ and Rust v0 symbols to their names', () => {
    expect(demangle('_Z8fakeNameiii')).toBe('fakeName');
    expect(demangle('_ZN3foo3barEv')).toBe('foo::bar');
    expect(demangle('_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind')).toBe('__rustc::rust_begin_unwind');
    expect(demangle('_RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref')).toBe(
      '<rust_binder::process::Process>::update_ref',
    );
    expect(
      demangle(
        '_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap',
      ),
    ).toBe('<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap');
    expect(demangle('_RB9999_')).toBe('_RB9999_');
    expect(demangle('plain_c_name')).toBe('plain_c_name');
  });
});
