/**
 * Deterministic synthetic fleet for the benchmarks: a stream of KernelLogEvent records in event-time
 * order over many hosts, mostly routine chatter, with corrected-error bursts, poison reports and
 * crash reports (some following a poison report on the same host). Every line is written from the
 * kernel's format strings (../shared/reference/kernel-formats.md; the shapes are those of
 * scripts/make-samples.ts). Same options → same records, byte for byte.
 */
import type { KernelLogEvent } from '../src/model/event.js';

export interface FleetOptions {
  records: number;
  hosts: number;
  /** event time the stream covers, µs (default 1 h) */
  spanUs?: number;
  seed?: number;
}

export interface FleetMix {
  routine: number;
  correctedBurstLines: number;
  poisonLines: number;
  crashLines: number;
  bursts: number;
  poisonReports: number;
  crashReports: number;
  /** crash reports on a host that reported unrecovered poison before */
  crashesAfterPoison: number;
}

export const T0_US = Date.UTC(2026, 10, 20, 0, 0, 0) * 1000;

/** mulberry32: small, fast, deterministic */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const RELEASES = [
  '6.8.0-45-generic',
  '6.12.48-1.el9.x86_64',
  '6.1.0-27-amd64',
  '6.16.1-0_fbk2_0_gf40efc324cc8',
];

export function hostName(i: number): string {
  return `host-${i.toString().padStart(6, '0')}.dc${i % 7}.example.net`;
}

export function bootId(i: number): string {
  const h = (Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${h}-6b77-4c2e-9a51-${i.toString(16).padStart(12, '0')}`;
}

/** routine chatter: what a healthy server prints (numbers vary so strings differ) */
export function routine(r: () => number): string {
  const n = Math.floor(r() * 100000);
  switch (Math.floor(r() * 12)) {
    case 0:
      return `perf: interrupt took too long (${2500 + (n % 900)} > 2500), lowering kernel.perf_event_max_sample_rate to ${79750 - (n % 5000)}`;
    case 1:
      return 'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready';
    case 2:
      return 'EXT4-fs (nvme0n1p2): mounted filesystem 7d3c4b1e-2f0a-4b8e-9c61-1a2b3c4d5e6f r/w with ordered data mode. Quota mode: none.';
    case 3:
      return `audit: type=1400 audit(1763596800.${(n % 1000).toString().padStart(3, '0')}:${n % 5000}): apparmor="STATUS" operation="profile_replace" name="snap-update-ns.lxd"`;
    case 4:
      return `systemd-journald[${600 + (n % 90)}]: Data hash table of /var/log/journal/system.journal has a fill level at 75.0, suggesting rotation.`;
    case 5:
      return `nvme nvme${n % 4}: 32/0/0 default/read/poll queues`;
    case 6:
      return 'TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.';
    case 7:
      return `eth0: renamed from veth${(n * 7919).toString(16).slice(0, 7)}`;
    case 8:
      return `device veth${(n * 31).toString(16).slice(0, 7)} entered promiscuous mode`;
    case 9:
      return `docker0: port ${1 + (n % 9)}(veth${(n * 131).toString(16).slice(0, 7)}) entered forwarding state`;
    case 10:
      return `usb 1-${1 + (n % 4)}: new high-speed USB device number ${n % 30} using xhci_hcd`;
    default:
      return `Out of memory: Killed process ${n} (java) total-vm:${n * 13}kB, anon-rss:${n * 3}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:${n % 9000}kB oom_score_adj:0`;
  }
}

function correctedBurst(pfn: number, count: number): string[] {
  const out = ['mce: [Hardware Error]: Machine check events logged'];
  for (let i = 0; i < count; i++) {
    out.push(
      `EDAC MC1: 1 CE memory read error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0x${pfn.toString(16)} offset:0x${(i * 64).toString(16)} grain:32 syndrome:0x0 -  area:DRAM err_code:0001:0090 socket:1 ha:0 channel_mask:1 rank:1)`,
    );
  }
  return out;
}

function poisonReport(pfn: number): string[] {
  const p = pfn.toString(16);
  return [
    'mce: [Hardware Error]: Machine check events logged',
    `mce: [Hardware Error]: CPU 4: Machine Check: 0 Bank 7: bd80000000100134`,
    'mce: [Hardware Error]: RIP 10:<ffffffff9b4f5a37> {clear_page_erms+0x7/0x10}',
    `mce: [Hardware Error]: TSC 4a6f1b2c3d ADDR ${p}040 MISC 86 `,
    'mce: [Hardware Error]: PROCESSOR 0:806f8 TIME 1763706620 SOCKET 0 APIC 8 microcode 2b000603',
    `Memory failure: 0x${p}: unhandlable page.`,
    `Memory failure: 0x${p}: recovery action for get hwpoison page: Ignored`,
  ];
}

export function pageFaultCrash(release: string, fn: string, pid: number): string[] {
  return [
    'BUG: unable to handle page fault for address: ffff8f3a4272d040',
    '#PF: supervisor read access in kernel mode',
    '#PF: error_code(0x0000) - not-present page',
    'PGD 5a01067 P4D 5a01067 PUD 0 ',
    'Oops: Oops: 0000 [#1] SMP NOPTI',
    `CPU: 17 UID: 0 PID: ${pid} Comm: nginx Tainted: G   M               ${release} #1`,
    'Tainted: [M]=MACHINE_CHECK',
    'Hardware name: Dell Inc. PowerEdge R750/0PJ80M, BIOS 1.15.2 09/12/2025',
    `RIP: 0010:${fn}+0x4b/0x110`,
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
  ];
}

export function warningCrash(release: string, pid: number): string[] {
  return [
    '------------[ cut here ]------------',
    `WARNING: CPU: 3 PID: ${pid} at fs/ext4/inode.c:379 ext4_da_update_reserve_space+0x1b1/0x1d0`,
    'Modules linked in: nft_chain_nat xt_MASQUERADE nf_nat bridge stp llc overlay ext4 mbcache jbd2 nvme',
    `CPU: 3 PID: ${pid} Comm: kworker/u64:7 Not tainted ${release} #1`,
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
    ' wb_workfn+0x2ad/0x4d0',
    ' process_one_work+0x179/0x390',
    ' worker_thread+0x245/0x350',
    ' kthread+0xe6/0x120',
    ' ret_from_fork+0x34/0x50',
    ' </TASK>',
    '---[ end trace 0000000000000000 ]---',
  ];
}

interface HostClock {
  seq: number;
}

/**
 * Generates the fleet's records in event-time order and hands each one to `emit`. Special episodes
 * (bursts, poison, crashes) are spread evenly; about 0.6% of records belong to them.
 */
export function generateFleet(opts: FleetOptions, emit: (e: KernelLogEvent) => void): FleetMix {
  const { records, hosts } = opts;
  const span = opts.spanUs ?? 3_600_000_000;
  const r = rng(opts.seed ?? 20261125);
  const clocks: HostClock[] = Array.from({ length: hosts }, () => ({ seq: 1000 }));
  const bootUs = T0_US - 86_400_000_000;
  const mix: FleetMix = {
    routine: 0,
    correctedBurstLines: 0,
    poisonLines: 0,
    crashLines: 0,
    bursts: 0,
    poisonReports: 0,
    crashReports: 0,
    crashesAfterPoison: 0,
  };
  // one episode per this many records; each episode averages ~17 lines → ~0.6% special lines
  const episodeEvery = 3000;
  const poisoned: number[] = [];
  let i = 0;
  const make = (h: number, ts: number, message: string, priority: number): KernelLogEvent => {
    const c = clocks[h] as HostClock;
    return {
      host: hostName(h),
      boot_id: bootId(h),
      ts,
      uptime_us: ts - bootUs,
      seq: c.seq++,
      priority,
      message,
      arch: 'x86_64',
      kernel_release: RELEASES[h % RELEASES.length] as string,
      source: 'kmsg',
      caller: null,
    };
  };
  const tsAt = (k: number): number => T0_US + Math.floor((k * span) / records);
  let episode = 0;
  while (i < records) {
    if (i > 0 && i % episodeEvery === 0) {
      const h = Math.floor(r() * hosts);
      const kind = episode++ % 4;
      let lines: string[];
      let priority = 4;
      if (kind === 0 || kind === 2) {
        lines = correctedBurst(0xee3000 + (h % 4096), 20 + Math.floor(r() * 20));
        mix.bursts++;
        mix.correctedBurstLines += lines.length;
      } else if (kind === 1) {
        lines = poisonReport(0x40000 + h);
        poisoned.push(h);
        mix.poisonReports++;
        mix.poisonLines += lines.length;
        priority = 3;
      } else {
        // half the crashes land on a host that reported poison earlier
        const after = poisoned.length > 0 && r() < 0.5;
        const ch = after ? (poisoned[Math.floor(r() * poisoned.length)] as number) : h;
        const rel = RELEASES[ch % RELEASES.length] as string;
        lines = r() < 0.5 ? pageFaultCrash(rel, 'd_lookup', 1000 + ch) : warningCrash(rel, 1000 + ch);
        if (after) mix.crashesAfterPoison++;
        mix.crashReports++;
        mix.crashLines += lines.length;
        priority = 1;
        for (const line of lines) {
          if (i >= records) break;
          emit(make(ch, tsAt(i), line, priority));
          i++;
        }
        continue;
      }
      for (const line of lines) {
        if (i >= records) break;
        emit(make(h, tsAt(i), line, priority));
        i++;
      }
      continue;
    }
    // routine: hosts visited round-robin with a stride so every host appears, in a mixed order
    const h = (i * 7919) % hosts;
    emit(make(h, tsAt(i), routine(r), 6));
    mix.routine++;
    i++;
  }
  return mix;
}
