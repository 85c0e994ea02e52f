/**
 * Reports the kernel prints inside other reports (one printk caller), and the line bound that
 * keeps the frames the analysis reads. Lines follow the kernel's formats: RCU stall
 * (`rcu: INFO: %s detected stalls on CPUs/tasks:`), `__warn()`, x86 `show_regs()` and the
 * `Call Trace:` / ` ? func+0x../0x..` frames of `show_trace_log_lvl()`.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type StateLimits } from '../../src/model/config.js';
import { assemble } from './run.js';

const STALL_HEAD = [
  'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
  'rcu: \tTasks blocked on level-0 rcu_node (CPUs 0-1):',
  '------------[ cut here ]------------',
  'IRQs not enabled as expected',
];

const WARNING = [
  'WARNING: CPU: 1 PID: 4737 at kernel/sched/core.c:2698 try_invoke_on_locked_down_task+0x18b/0x320',
  'Modules linked in:',
  'CPU: 1 PID: 4737 Comm: systemd-timesyn Not tainted 5.8.0-rc3 #0',
  'RIP: 0010:try_invoke_on_locked_down_task+0x18b/0x320',
  'Call Trace:',
  ' <IRQ>',
  ' rcu_sched_clock_irq+0x12ec/0x1eb0',
  ' update_process_times+0x12c/0x180',
  ' </IRQ>',
  'RIP: 0010:smp_call_function_single+0x311/0x450',
  ' on_each_cpu+0x4d/0x1f0',
  ' clock_was_set+0x18/0x20',
  '---[ end trace 0000000000000000 ]---',
];

const OOPS = [
  'BUG: kernel NULL pointer dereference, address: 0000000000000008',
  '#PF: supervisor read access in kernel mode',
  'Oops: Oops: 0000 [#1] SMP NOPTI',
  'CPU: 3 UID: 0 PID: 1234 Comm: kworker/3:1 Not tainted 6.12.0 #1',
  'RIP: 0010:d_lookup+0x5c/0x220',
  'Call Trace:',
  ' <TASK>',
  ' d_lookup+0x5c/0x220',
  ' </TASK>',
];

describe('a report started while another of the same caller was printing', () => {
  it('gives the first report the second one’s lines, and keeps the second as a report of its own', () => {
    const recs = [
      ...STALL_HEAD.map((text) => ({ text, caller: 'C1' })),
      { text: 'audit: type=1400 audit(1750305980.320:67): avc:  denied  { mount }', caller: 'T36' },
      ...WARNING.map((text) => ({ text, caller: 'C1' })),
    ];
    const { reports } = assemble(recs);
    expect(reports).toHaveLength(2);
    const [outer, inner] = reports;
    expect(outer?.lines).toEqual([...STALL_HEAD, ...WARNING]);
    expect(inner?.lines).toEqual(WARNING);
    expect(outer?.ts).toBeLessThan(inner?.ts ?? 0);
    expect(outer?.analysis.kind).toBe('RCU_STALL');
    expect(outer?.analysis.frames).toContain('on_each_cpu');
    expect(inner?.analysis.title).toBe('WARNING in try_invoke_on_locked_down_task');
  });

  it('closes a report that already printed its stack when its caller starts another', () => {
    const recs = [...OOPS, ...WARNING].map((text) => ({ text, caller: 'T1234' }));
    const { reports } = assemble(recs);
    expect(reports.map((r) => r.lines)).toEqual([OOPS, WARNING]);
  });

  it('does not nest without caller ids (the lines may be another CPU’s)', () => {
    const { reports } = assemble([...STALL_HEAD, ...WARNING]);
    expect(reports.map((r) => r.lines)).toEqual([STALL_HEAD, WARNING]);
  });

  it('nests one level only: a third start of the caller closes both', () => {
    const second = ['BUG: Bad rss-counter state mm:00000000b5a1c2d3 type:MM_ANONPAGES val:1'];
    const recs = [...STALL_HEAD, ...second, ...OOPS].map((text) => ({ text, caller: 'T7' }));
    const { reports } = assemble(recs);
    expect(reports.map((r) => r.lines)).toEqual([[...STALL_HEAD, ...second], second, OOPS]);
  });
});

describe('the line bound', () => {
  const limits: StateLimits = { ...DEFAULT_LIMITS, maxReportLines: 24 };

  it('lets unreliable ` ? ` frames give way to the reliable frames that follow them', () => {
    const head = [
      'BUG: stack guard page was hit at ffffc900190cfff8 (stack is ffffc900190d0000..ffffc900190d7fff)',
      'kernel stack overflow (double-fault): 0000 [#1] PREEMPT SMP KASAN',
      'RIP: 0010:netdev_next_lower_dev_rcu+0x8/0xb0',
      'Call Trace:',
    ];
    const guesses = Array.from({ length: 30 }, (_, i) => ` ? lock_acquire+0x${(i + 16).toString(16)}/0x510`);
    const tail = [
      ' rtnl_fill_ifinfo+0x1333/0x4250',
      ' rtnl_newlink+0x64/0xa0',
      ' netlink_rcv_skb+0x15a/0x430',
    ];
    const { reports } = assemble([...head, ...guesses, ...tail], limits);
    const lines = reports[0]?.lines ?? [];
    expect(lines.length).toBeLessThanOrEqual(limits.maxReportLines);
    expect(lines.slice(0, 4)).toEqual(head);
    expect(lines.slice(-3)).toEqual(tail);
    expect(lines.length + (reports[0]?.truncatedLines ?? 0)).toBe(head.length + guesses.length + tail.length);
  });
});

describe('lines of another writer on the console', () => {
  it('leaves unstamped lines out of a stamped report without ending it', () => {
    const foreign = [
      '2024/06/11 12:53:40 SYZFATAL: failed to recv *flatrpc.HostMessageRaw: EOF',
      '2017/08/31 09:09:03 executing program 2:',
      'mmap(&(0x7f0000000000/0xfff000)=nil, 0xfff000, 0x3, 0x32, 0xffffffffffffffff, 0x0)',
    ];
    const recs = [
      ...OOPS.slice(0, 3),
      ...foreign.map((text) => ({ text, uptimeUs: null })),
      ...OOPS.slice(3),
      '---[ end trace 0000000000000000 ]---',
    ];
    const { reports } = assemble(recs);
    expect(reports.map((r) => r.lines)).toEqual([[...OOPS, '---[ end trace 0000000000000000 ]---']]);
  });

  it('still assembles a log that has no stamps at all', () => {
    const { reports } = assemble(OOPS.map((text) => ({ text, uptimeUs: null })));
    expect(reports.map((r) => r.lines)).toEqual([OOPS]);
  });
});

describe('another task’s stack dump interleaved without caller ids', () => {
  // panic_on_warn after a WARNING in kmalloc_slab; fault injection (`fail_dump()`) prints from
  // another task meanwhile, so the frames that follow may be that task's
  const warn = [
    'WARNING: CPU: 1 PID: 10275 at mm/slab_common.c:1012 kmalloc_slab+0x5d/0x70',
    'Kernel panic - not syncing: panic_on_warn set ...',
    'CPU: 1 PID: 10275 Comm: syz-executor1 Not tainted 4.16.0+ #14',
    'Call Trace:',
    ' dump_stack+0x1a7/0x27d',
    ' panic+0x1f8/0x42c',
  ];
  const injected = [
    'FAULT_INJECTION: forcing a failure.',
    'name failslab, interval 1, probability 0, space 0, times 0',
  ];
  const rest = [
    ' __warn+0x1dc/0x200',
    ' report_bug+0x1f4/0x2b0',
    ' do_invalid_op+0x1b/0x20',
    ' invalid_op+0x1b/0x40',
    'RIP: 0010:kmalloc_slab+0x5d/0x70',
    ' __kmalloc+0x25/0x760',
    ' bfs_fill_super+0x3d3/0xea0',
    ' mount_bdev+0x2b3/0x360',
  ];

  it('titles the report from the lines before the interleaved dump, and keeps every line', () => {
    const { reports } = assemble([...warn, ...injected, ...rest]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines).toEqual([...warn, ...injected, ...rest]);
    expect(reports[0]?.analysis.title).toBe('WARNING: kmalloc bug in corrupted');
  });

  it('reads the whole stack when caller ids keep the other task’s lines out', () => {
    const recs = [
      ...warn.map((text) => ({ text, caller: 'T10275' })),
      ...injected.map((text) => ({ text, caller: 'T10280' })),
      ...rest.map((text) => ({ text, caller: 'T10275' })),
    ];
    const { reports } = assemble(recs);
    expect(reports[0]?.lines).toEqual([...warn, ...rest]);
    expect(reports[0]?.analysis.title).toBe('WARNING: kmalloc bug in bfs_fill_super');
  });
});
