/**
 * Writes samples/fleet.ndjson: a small fleet over a few days, every line written from the kernel's
 * format strings (../shared/reference/kernel-formats.md), deterministic. Run:
 *   node --import tsx scripts/make-samples.ts
 * The output is committed; `npm start` triages it.
 */
import { writeFileSync } from 'node:fs';

interface HostSpec {
  host: string;
  arch: string;
  release: string;
  bootId: string;
  /** wall clock of uptime 0, µs */
  bootUs: number;
}

const DAY_US = 86_400_000_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0) * 1000; // 2026-11-20T00:00:00Z
interface Rec {
  host: string;
  boot_id: string;
  ts: number;
  uptime_us: number;
  seq: number;
  priority: number;
  message: string;
  arch: string;
  kernel_release: string;
  source: string;
}
const records: Rec[] = [];

function emit(h: HostSpec, uptimeS: number, message: string, priority = 6): void {
  const uptimeUs = Math.round(uptimeS * 1e6);
  records.push({
    host: h.host,
    boot_id: h.bootId,
    ts: h.bootUs + uptimeUs,
    uptime_us: uptimeUs,
    seq: 0,
    priority,
    message,
    arch: h.arch,
    kernel_release: h.release,
    source: 'kmsg',
  });
}

function lines(h: HostSpec, startS: number, stepS: number, texts: string[], priority = 4): number {
  let t = startS;
  for (const text of texts) {
    emit(h, t, text, priority);
    t += stepS;
  }
  return t;
}

/** routine chatter: what a healthy server prints over a day */
function chatter(h: HostSpec, fromS: number, toS: number, everyS: number): void {
  const routine = [
    'perf: interrupt took too long (2503 > 2500), lowering kernel.perf_event_max_sample_rate to 79750',
    'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
    'EXT4-fs (nvme0n1p2): mounted filesystem 7d3c4b1e-2f0a-4b8e-9c61-1a2b3c4d5e6f r/w with ordered data mode. Quota mode: none.',
    'audit: type=1400 audit(1763596800.123:412): apparmor="STATUS" operation="profile_replace" name="snap-update-ns.lxd"',
    'systemd-journald[612]: Data hash table of /var/log/journal/system.journal has a fill level at 75.0, suggesting rotation.',
    'nvme nvme0: 32/0/0 default/read/poll queues',
    'TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.',
    'eth0: renamed from veth3f2a1c9',
  ];
  let i = 0;
  for (let t = fromS; t < toS; t += everyS) emit(h, t, routine[i++ % routine.length] as string, 6);
}

function bootBanner(h: HostSpec): void {
  emit(
    h,
    0,
    `Linux version ${h.release} (builder@build-farm) (gcc (GCC) 13.2.1, GNU ld version 2.41) #1 SMP PREEMPT_DYNAMIC`,
    5,
  );
  emit(
    h,
    0.000001,
    `Command line: BOOT_IMAGE=/vmlinuz-${h.release} root=/dev/nvme0n1p2 ro console=ttyS0,115200`,
    6,
  );
}

// 1. db-02, arm64: GHES multi-bit ECC on a slab page, "Ignored"; 67 s later a synchronous external
//    abort in d_lookup on another CPU and task (the realworld 01 shape).
{
  const h: HostSpec = {
    host: 'db-02',
    arch: 'aarch64',
    release: '6.16.1-0_fbk2_0_gf40efc324cc8',
    bootId: '0b0e0d02-0000-4000-8000-000000000001',
    bootUs: T0,
  };
  bootBanner(h);
  chatter(h, 10, 88_000, 900);
  const t = lines(
    h,
    88690.478913,
    0.0001,
    [
      '{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
      '{1}[Hardware Error]: event severity: recoverable',
      '{1}[Hardware Error]:  Error 0, type: recoverable',
      '{1}[Hardware Error]:   section_type: memory error',
      '{1}[Hardware Error]:   physical_address: 0x00000040272d5080',
      '{1}[Hardware Error]:   physical_address_mask: 0xfffffffffffff000',
      '{1}[Hardware Error]:   error_type: 3, multi-bit ECC',
      'EDAC MC0: 1 UE multi-bit ECC on unknown memory (node:0 card:0 module:1 rank:1 bank:13 device:6 page:0x40272d offset:0x5080 grain:4096 - APEI location: node:0 card:0 module:1)',
      'Memory failure: 0x40272d: unhandlable page.',
      'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
    ],
    3,
  );
  void t;
  lines(
    h,
    88757.847126,
    0.01,
    [
      'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
      'Modules linked in: ghes_edac(E) sch_fq(E) tcp_diag(E) inet_diag(E) mlx5_ib(E) ib_uverbs(E)',
      'CPU: 70 UID: 34133 PID: 640437 Comm: Collection-20 Kdump: loaded Tainted: G   M        E       6.16.1-0_fbk2_0_gf40efc324cc8 #1 NONE ',
      'Tainted: [M]=MACHINE_CHECK, [E]=UNSIGNED_MODULE',
      'Hardware name: Quanta Grace Server/Grace, BIOS 1.4 01/15/2026',
      'pstate: 23401009 (nzCv daif +PAN -UAO +TCO +DIT +SSBS BTYPE=--)',
      'pc : d_lookup+0x5c/0x220',
      'lr : try_lookup_noperm+0x30/0x50',
      'sp : ffff800138cafc30',
      'Call trace:',
      ' d_lookup+0x5c/0x220 (P)',
      ' try_lookup_noperm+0x30/0x50',
      ' proc_fill_cache+0x54/0x140',
      ' proc_readfd_common+0x138/0x1e8',
      ' iterate_dir+0x84/0x228',
      ' __arm64_sys_getdents64+0x5c/0x110',
      ' invoke_syscall+0x4c/0xd0',
      ' el0_svc+0x30/0xf0',
      ' el0t_64_sync+0x17c/0x180',
      'Code: b9400a61 f9400273 b4000353 d503201f (b85fc262) ',
      '---[ end trace 0000000000000000 ]---',
      'Kernel panic - not syncing: synchronous external abort: Fatal exception',
      'SMP: stopping secondary CPUs',
      '---[ end Kernel panic - not syncing: synchronous external abort: Fatal exception ]---',
    ],
    0,
  );
  // the reboot that follows
  const h2 = { ...h, bootId: '0b0e0d02-0000-4000-8000-000000000002', bootUs: T0 + Math.round(88_900 * 1e6) };
  bootBanner(h2);
  chatter(h2, 10, 3 * 86_400 - 88_900, 1800);
}

// 1b. cache-08, x86_64: a recoverable machine check on a slab page the kernel could not isolate
//     (`get hwpoison page: Ignored`); 67 s later another CPU and task take a plain page fault in
//     d_lookup. Only the per-host memory links the two.
{
  const h: HostSpec = {
    host: 'cache-08',
    arch: 'x86_64',
    release: '6.12.48-1.el9.x86_64',
    bootId: '0b0e0d08-0000-4000-8000-000000000001',
    bootUs: T0 + DAY_US / 4,
  };
  bootBanner(h);
  chatter(h, 5, 40_000, 650);
  lines(
    h,
    41_020.118204,
    0.00002,
    [
      'mce: [Hardware Error]: Machine check events logged',
      'mce: [Hardware Error]: CPU 4: Machine Check: 0 Bank 7: bd80000000100134',
      'mce: [Hardware Error]: RIP 10:<ffffffff9b4f5a37> {clear_page_erms+0x7/0x10}',
      'mce: [Hardware Error]: TSC 4a6f1b2c3d ADDR 4272d040 MISC 86 ',
      'mce: [Hardware Error]: PROCESSOR 0:806f8 TIME 1763706620 SOCKET 0 APIC 8 microcode 2b000603',
      'Memory failure: 0x4272d: unhandlable page.',
      'Memory failure: 0x4272d: recovery action for get hwpoison page: Ignored',
    ],
    3,
  );
  lines(
    h,
    41_087.402991,
    0.00003,
    [
      'BUG: unable to handle page fault for address: ffff8f3a4272d040',
      '#PF: supervisor read access in kernel mode',
      '#PF: error_code(0x0000) - not-present page',
      'PGD 5a01067 P4D 5a01067 PUD 0 ',
      'Oops: Oops: 0000 [#1] SMP NOPTI',
      'CPU: 17 UID: 0 PID: 228814 Comm: nginx Tainted: G   M               6.12.48-1.el9.x86_64 #1',
      'Tainted: [M]=MACHINE_CHECK',
      'Hardware name: Dell Inc. PowerEdge R750/0PJ80M, BIOS 1.15.2 09/12/2025',
      'RIP: 0010:d_lookup+0x4b/0x110',
      'Code: 48 85 c0 74 2c 48 8b 58 10 48 85 db 74 23 <48> 8b 43 40 48 39 45 d0 75 e7 4c 8b 63 18 4d 85 e4 74 de 48 8b',
      'RSP: 0018:ffffb3a1c30cfc38 EFLAGS: 00010282',
      'Call Trace:',
      ' <TASK>',
      ' lookup_fast+0x7d/0xf0',
      ' walk_component+0x1f/0x150',
      ' path_lookupat+0x6e/0x1c0',
      ' filename_lookup+0xd0/0x1c0',
      ' vfs_statx+0x8f/0x170',
      ' __do_sys_newfstatat+0x3c/0x80',
      ' do_syscall_64+0x82/0x170',
      ' entry_SYSCALL_64_after_hwframe+0x76/0x7e',
      ' </TASK>',
      'Modules linked in: nft_chain_nat nf_nat bridge stp llc overlay xfs nvme',
      'CR2: ffff8f3a4272d040',
      '---[ end trace 0000000000000000 ]---',
    ],
    1,
  );
}

// 2. gpu-03, x86_64: corrected-error bursts from one DIMM (EDAC sbridge), no crash.
{
  const h: HostSpec = {
    host: 'gpu-03',
    arch: 'x86_64',
    release: '6.8.0-45-generic',
    bootId: '0b0e0d03-0000-4000-8000-000000000001',
    bootUs: T0 - DAY_US,
  };
  bootBanner(h);
  chatter(h, 5, 4 * 86_400, 1200);
  for (let burst = 0; burst < 3; burst++) {
    const base = 100_000 + burst * 40_000;
    emit(h, base, 'mce: [Hardware Error]: Machine check events logged', 6);
    for (let i = 0; i < 150; i++) {
      emit(
        h,
        base + i * 20,
        `EDAC MC1: 1 CE memory read error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0xee30a0 offset:0x${(i * 64).toString(16)} grain:32 syndrome:0x0 -  area:DRAM err_code:0001:0090 socket:1 ha:0 channel_mask:1 rank:1)`,
        4,
      );
    }
  }
}

// 3. batch-04, x86_64: a fatal machine check (processor context corrupt).
{
  const h: HostSpec = {
    host: 'batch-04',
    arch: 'x86_64',
    release: '6.1.0-27-amd64',
    bootId: '0b0e0d04-0000-4000-8000-000000000001',
    bootUs: T0 + DAY_US / 2,
  };
  bootBanner(h);
  chatter(h, 3, 50_000, 600);
  lines(
    h,
    50_112.977164,
    0.000002,
    [
      'mce: [Hardware Error]: CPU 12: Machine Check Exception: 5 Bank 6: be00000000800400',
      'mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffff8d2e41c3> {native_safe_halt+0x3/0x10}',
      'mce: [Hardware Error]: TSC 2db9f8ee73 ADDR 8a398a400 MISC 86 ',
      'mce: [Hardware Error]: PROCESSOR 0:606a6 TIME 1763640112 SOCKET 0 APIC 18 microcode d0003b9',
      "mce: [Hardware Error]: Run the above through 'mcelog --ascii'",
      'mce: [Hardware Error]: Machine check: Processor context corrupt',
      'Kernel panic - not syncing: Fatal machine check',
      'Kernel Offset: 0xc000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)',
    ],
    0,
  );
}

// 4. store-05, x86_64 with the panic_on_unrecoverable_memory_failure series (v8+): the memory-failure panic.
{
  const h: HostSpec = {
    host: 'store-05',
    arch: 'x86_64',
    release: '7.0.0-next-20260626',
    bootId: '0b0e0d05-0000-4000-8000-000000000001',
    bootUs: T0 + DAY_US,
  };
  bootBanner(h);
  chatter(h, 4, 20_000, 700);
  lines(
    h,
    20_511.113256,
    0.00001,
    [
      'mce: [Hardware Error]: Machine check events logged',
      'Memory failure: 0x40272d: unhandlable page.',
      'Memory failure: 0x40272d: recovery action for reserved kernel page: Ignored',
      'Kernel panic - not syncing: Memory failure: 0x40272d: unrecoverable page',
      'CPU: 5 UID: 0 PID: 683 Comm: kworker/5:1 Tainted: G   M                7.0.0-next-20260626 #1 PREEMPT(voluntary) ',
      'Tainted: [M]=MACHINE_CHECK',
      'Hardware name: Supermicro SYS-1029P/X11DPU, BIOS 3.9 11/01/2025',
      'Workqueue: events memory_failure_work_func',
      'Call Trace:',
      ' <TASK>',
      ' dump_stack_lvl+0x5d/0x80',
      ' vpanic+0x399/0x700',
      ' panic+0xb4/0xc0',
      ' action_result+0x278/0x340',
      ' memory_failure+0x152b/0x1c80',
      ' memory_failure_work_func+0x93/0x120',
      ' process_one_work+0x179/0x390',
      ' worker_thread+0x245/0x350',
      ' kthread+0xe6/0x120',
      ' ret_from_fork+0x34/0x50',
      ' </TASK>',
      'Kernel Offset: 0x2a000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)',
      '---[ end Kernel panic - not syncing: Memory failure: 0x40272d: unrecoverable page ]---',
    ],
    0,
  );
}

/** an x86 WARNING in ext4 (old `WARNING: CPU:` form), the known issue in samples/known-issues.yaml */
function ext4Warning(h: HostSpec, atS: number, pid: number): void {
  lines(h, atS, 0.00002, [
    '------------[ cut here ]------------',
    `WARNING: CPU: 3 PID: ${pid} at fs/ext4/inode.c:379 ext4_da_update_reserve_space+0x1b1/0x1d0`,
    'Modules linked in: nft_chain_nat xt_MASQUERADE nf_nat bridge stp llc overlay ext4 mbcache jbd2 nvme',
    `CPU: 3 PID: ${pid} Comm: kworker/u64:7 Not tainted ${h.release} #1`,
    'Hardware name: Dell Inc. PowerEdge R650/0Y2G81, BIOS 1.14.1 03/10/2025',
    'Workqueue: writeback wb_workfn (flush-259:0)',
    'RIP: 0010:ext4_da_update_reserve_space+0x1b1/0x1d0',
    'Code: 48 8b 7b 28 e8 4f 3c 01 00 e9 3e ff ff ff <0f> 0b 89 c2 eb 9a 0f 1f 44 00 00 66 2e 0f 1f 84 00 00 00 00 00',
    'RSP: 0018:ffffb3a1c2e8f9b8 EFLAGS: 00010297',
    'Call Trace:',
    ' <TASK>',
    ' ext4_ext_map_blocks+0xe4b/0x1a90',
    ' ext4_map_blocks+0x1e4/0x600',
    ' ext4_writepages+0x7a8/0x1070',
    ' do_writepages+0xcf/0x1e0',
    ' __writeback_single_inode+0x41/0x360',
    ' writeback_sb_inodes+0x20d/0x4b0',
    ' wb_writeback+0x8d/0x2e0',
    ' wb_workfn+0x2ad/0x4d0',
    ' process_one_work+0x179/0x390',
    ' worker_thread+0x245/0x350',
    ' kthread+0xe6/0x120',
    ' ret_from_fork+0x34/0x50',
    ' </TASK>',
    '---[ end trace 0000000000000000 ]---',
  ]);
}

// 5. web-01, x86_64 6.8: the known issue (fixed in 6.9), routine otherwise.
{
  const h: HostSpec = {
    host: 'web-01',
    arch: 'x86_64',
    release: '6.8.0-45-generic',
    bootId: '0b0e0d01-0000-4000-8000-000000000001',
    bootUs: T0,
  };
  bootBanner(h);
  chatter(h, 2, 3 * 86_400, 300);
  ext4Warning(h, 123_456.5, 4012);
}

// 6. web-07, x86_64 6.10: the same WARNING on a kernel at or after the fix: a regression.
{
  const h: HostSpec = {
    host: 'web-07',
    arch: 'x86_64',
    release: '6.10.3-200.fc40.x86_64',
    bootId: '0b0e0d07-0000-4000-8000-000000000001',
    bootUs: T0 + DAY_US,
  };
  bootBanner(h);
  chatter(h, 2, 86_400, 450);
  ext4Warning(h, 70_001.25, 918);
}

// 7. edge-06, arm64: a new crash, a NULL pointer dereference in a driver, with no hardware errors.
{
  const h: HostSpec = {
    host: 'edge-06',
    arch: 'aarch64',
    release: '6.12.9',
    bootId: '0b0e0d06-0000-4000-8000-000000000001',
    bootUs: T0 + DAY_US / 3,
  };
  bootBanner(h);
  chatter(h, 2, 30_000, 500);
  lines(h, 30_417.220113, 0.0001, [
    'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000018',
    'Mem abort info:',
    '  ESR = 0x0000000096000006',
    '  EC = 0x25: DABT (current EL), IL = 32 bits',
    '  SET = 0, FnV = 0',
    '  EA = 0, S1PTW = 0',
    '  FSC = 0x06: level 2 translation fault',
    'Data abort info:',
    '  ISV = 0, ISS = 0x00000006, ISS2 = 0x00000000',
    '  CM = 0, WnR = 0, TnD = 0, TagAccess = 0',
    'Internal error: Oops: 0000000096000006 [#1]  SMP',
    'Modules linked in: rtl8xxxu mac80211 cfg80211 rfkill',
    'CPU: 2 UID: 0 PID: 1187 Comm: kworker/2:3 Not tainted 6.12.9 #1',
    'Hardware name: Raspberry Pi 4 Model B Rev 1.5 (DT)',
    'Workqueue: events rtl8xxxu_rx_urb_work [rtl8xxxu]',
    'pstate: 60000005 (nZCv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
    'pc : rtl8xxxu_rx_parse_phystats+0x2c/0x1a0 [rtl8xxxu]',
    'lr : rtl8xxxu_parse_rxdesc24+0x1c4/0x2d0 [rtl8xxxu]',
    'sp : ffff80008213bcf0',
    'Call trace:',
    ' rtl8xxxu_rx_parse_phystats+0x2c/0x1a0 [rtl8xxxu]',
    ' rtl8xxxu_parse_rxdesc24+0x1c4/0x2d0 [rtl8xxxu]',
    ' rtl8xxxu_rx_urb_work+0x90/0x140 [rtl8xxxu]',
    ' process_one_work+0x150/0x290',
    ' worker_thread+0x2d0/0x3e0',
    ' kthread+0x118/0x128',
    ' ret_from_fork+0x10/0x20',
    'Code: f9400c01 aa0003f3 b4000a41 f9400c20 (b9401800) ',
    '---[ end trace 0000000000000000 ]---',
  ]);
}

// A topic holds the fleet roughly in event-time order: sort (stably) and number each host's records.
records.sort((a, b) => a.ts - b.ts);
const seqs = new Map<string, number>();
for (const r of records) {
  r.seq = seqs.get(r.host) ?? 0;
  seqs.set(r.host, r.seq + 1);
}
const out = records.map((r) => JSON.stringify(r));

// 8. one malformed record: a shipper wrote a truncated JSON line.
out.splice(
  Math.floor(out.length / 2),
  0,
  '{"host":"web-01","boot_id":"0b0e0d01-0000-4000-8000-000000000001","ts":17636',
);

writeFileSync(new URL('../samples/fleet.ndjson', import.meta.url), out.join('\n') + '\n');
console.log(`samples/fleet.ndjson: ${out.length} records`);
