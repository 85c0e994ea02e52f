import type { KernelLogEvent } from '../../src/model/event.js';
import type { HostHardwareEvent, TriagedCrash } from '../../src/model/verdict.js';

/** Lines follow mm/memory-failure.c action_result() and arm64 die() (reference/kernel-formats.md §2.2, §7). */
export const POISON_LINE = 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored';

export const EVENT: KernelLogEvent = {
  host: 'web-17.fra1',
  boot_id: '1b0f6a54-6b77-4c2e-9a51-4bd5d0b3e2a1',
  ts: 1_750_000_000_123_456,
  uptime_us: 88_690_498_473,
  seq: 120_331,
  priority: 3,
  message: POISON_LINE,
  arch: 'aarch64',
  kernel_release: '6.6.30-1.el9.aarch64',
  source: 'kmsg',
  caller: 'T593001',
};

export const CRASH: TriagedCrash = {
  crash_id: 'c0ffee0123456789',
  revision: 1,
  host: 'web-17.fra1',
  boot_id: '1b0f6a54-6b77-4c2e-9a51-4bd5d0b3e2a1',
  arch: 'aarch64',
  kernel_release: '6.6.30-1.el9.aarch64',
  ts: 1_750_000_100_000_000,
  kind: 'OOPS',
  title: 'Unable to handle kernel paging request in d_lookup',
  alt_titles: ['BUG: unable to handle kernel paging request in d_lookup'],
  guilty_frame: 'd_lookup',
  frames: ['d_lookup', 'lookup_fast', 'walk_component'],
  signature: '9f2c4e1a7b3d5c60',
  taint: 'M',
  category: 'HARDWARE',
  reason: 'POISON_CORRELATED',
  confidence: 'HIGH',
  evidence: [
    {
      source: 'MEMORY_FAILURE',
      ts: 1_750_000_000_123_456,
      pfn: 0x40272d,
      phys_addr: 0x40272d000,
      page_type: 'get hwpoison page',
      result: 'Ignored',
      seconds_before: 99.876544,
      same_boot: true,
      confidence: 'HIGH',
      line: POISON_LINE,
    },
  ],
  known_issue: { id: 'KI-12', title: 'd_lookup on poisoned dentry', url: null },
  corrupted: false,
  excerpt: ['Unable to handle kernel paging request at virtual address ffff0000c0a8b000'],
  rules_hash: '0123456789abcdef',
};

export const HOST_EVENT: HostHardwareEvent = {
  host: 'web-17.fra1',
  boot_id: null,
  ts: 1_750_000_000_123_456,
  source: 'MEMORY_FAILURE',
  severity: 'uncorrected',
  pfn: 0x40272d,
  phys_addr: null,
  page_type: 'get hwpoison page',
  result: 'Ignored',
  synthetic: false,
  advice: 'DRAIN',
  reports: 2,
  line: POISON_LINE,
};
