/**
 * One-line hardware-error recognizers, as data (reference/kernel-formats.md §2, §4, §6, §7).
 * Each row names the literal the line starts with (`lead`, the prefilter), an anchored regex and an
 * extractor. Multi-line records (x86 MCE blocks, GHES/AEST `{N}` records, EDAC MCE decodes) live in
 * blocks.ts. Lines are capped before matching and every pattern is anchored with bounded repeats,
 * so no row can backtrack badly on a hostile line.
 */
import { HW_RESULTS, type HwResult, type HwSource, type Marker, type Severity } from '../../model/signal.js';
import { hexHigh32, hexToNumber, physToPfn } from './hex.js';

/** MCi_STATUS: PCC (bit 57) fatal, UC (bit 61) uncorrected, else corrected. */
export function mceStatusSeverity(statusHex: string): Severity {
  const hi = hexHigh32(statusHex);
  if ((hi & (1 << 25)) !== 0) return 'fatal';
  if ((hi & (1 << 29)) !== 0) return 'uncorrected';
  return 'corrected';
}

/** How long a signal may wait for a marker printed right after it (see state.ts). */
export type HoldKind = 'none' | 'mf' | 'next';

export interface HwDraft {
  readonly kind: 'hw';
  source: HwSource;
  severity: Severity;
  pfn: number | null;
  physAddr: number | null;
  pageType: string | null;
  result: HwResult;
  count: number;
  /** synthetic by its own text (unpoison) */
  synthetic: boolean;
  /** a memory-failure verdict (may be software poison when no hardware record precedes it) */
  hold: HoldKind;
  /** a hardware error record (MCE, GHES, EDAC, SEA, SError), not a software verdict */
  record: boolean;
  /** page-fault-path kill with a user VA: synthetic unless this boot saw a hardware error */
  faultKill: boolean;
  /** `mce: Memory error not recovered`: takes the pfn of the user-access line just before */
  wantsUserAccessPfn: boolean;
  /** text glued after a message that has no trailing newline */
  rest: string | null;
  /** the line shows the kernel's page size (EDAC `offset:` beyond 4 KiB): log2 of it, else 0 */
  pageShift: number;
}

export interface MarkerDraft {
  readonly kind: 'marker';
  marker: Marker;
  pfn: number | null;
  /** the marker taints the whole boot (EINJ / mce-inject loaded) */
  bootWide: boolean;
  /** only a marker when this boot already saw a hardware error (TAINT_MCE) */
  needsHw: boolean;
}

export type RowResult = HwDraft | MarkerDraft | null;

export interface HwRow {
  id: string;
  /**
   * literal prefix the (prefix-stripped) line must start with; the cheap prefilter. Rows whose
   * line starts with a task name instead have `lead: ''` and a `needle` it must contain.
   */
  lead: string;
  needle?: string;
  match: RegExp;
  extract(m: RegExpExecArray, text: string): RowResult;
}

type DraftFields = Pick<HwDraft, 'source' | 'severity' | 'result'> & Partial<Omit<HwDraft, 'kind'>>;

export function draft(f: DraftFields): HwDraft {
  return {
    kind: 'hw',
    pfn: null,
    physAddr: null,
    pageType: null,
    count: 1,
    synthetic: false,
    hold: 'none',
    record: false,
    faultKill: false,
    wantsUserAccessPfn: false,
    rest: null,
    pageShift: 0,
    ...f,
  };
}

function marker(m: Marker, pfn: number | null, bootWide = false, needsHw = false): MarkerDraft {
  return { kind: 'marker', marker: m, pfn, bootWide, needsHw };
}

const hex = (s: string | undefined): number | null => (s === undefined ? null : hexToNumber(s));

const RESULT = '(Ignored|Failed|Delayed|Recovered)';
/** `Memory failure: ` (≥≈4.13) or the old `MCE ` prefix before `%#lx:` */
const MF = '(?:Memory failure: |MCE )';

/**
 * One string per result and per page type: a regex capture is a new string (or a slice of the
 * line) per signal, and a host keeps its signals for a while (held, then in an incident).
 */
const RESULT_TEXT = new Map<string, HwResult>(HW_RESULTS.map((r) => [r, r]));
const PAGE_TYPES = new Map<string, string>();
/** Distinct page types kept; the kernel has ~20 (mm/memory-failure.c action_page_types). */
const PAGE_TYPES_MAX = 256;

function pageTypeText(t: string): string {
  const known = PAGE_TYPES.get(t);
  if (known !== undefined) return known;
  // flattened, so the copy does not keep the whole line alive
  const copy = (' ' + t).slice(1);
  if (PAGE_TYPES.size < PAGE_TYPES_MAX) PAGE_TYPES.set(copy, copy);
  return copy;
}

function mfVerdict(m: RegExpExecArray, pageType: string): HwDraft {
  const result = m[3] as string;
  return draft({
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: RESULT_TEXT.get(result) ?? (result as HwResult),
    pfn: hex(m[1]),
    pageType: pageTypeText(pageType),
    hold: 'mf',
  });
}

function mfSimple(result: HwResult) {
  return (m: RegExpExecArray): HwDraft =>
    draft({ source: 'MEMORY_FAILURE', severity: 'uncorrected', result, pfn: hex(m[1]), hold: 'mf' });
}

function kill(m: RegExpExecArray): HwDraft {
  return draft({
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: hex(m[1]),
    hold: 'mf',
  });
}

/** Text after a message printed without a trailing newline, when the next one was glued on. */
function glued(text: string, end: number): string | null {
  const rest = text.slice(end).trimStart();
  return rest.length > 0 ? rest : null;
}

/**
 * arm64 ESR: EC 0x20/0x21 (instruction abort), 0x24/0x25 (data abort); FSC 0x10 SEA,
 * 0x11..0x17 SEA on a table walk, 0x18 parity/ECC, 0x1c..0x1f parity/ECC on a table walk.
 */
export function esrIsExternalAbort(esr: number): boolean {
  const ec = Math.floor(esr / 0x4000000) & 0x3f;
  if (ec !== 0x20 && ec !== 0x21 && ec !== 0x24 && ec !== 0x25) return false;
  const fsc = esr & 0x3f;
  return (fsc >= 0x10 && fsc <= 0x18) || (fsc >= 0x1c && fsc <= 0x1f);
}

/** fault_info[] names of the external-abort and parity/ECC fault status codes (arch/arm64/mm/fault.c). */
const SEA_NAME = String.raw`(synchronous external abort|synchronous parity or ECC error|level -?\d (?:synchronous parity error )?\(translation table walk\))`;

export const HW_ROWS: readonly HwRow[] = [
  // ---- mm/memory-failure.c verdicts (§2.2, §2.3)
  {
    id: 'mf-recovery-action',
    lead: '',
    match: new RegExp(`^${MF}0x([0-9a-f]{1,16}): recovery action for ([^:]{1,64}): ${RESULT}`),
    extract: (m) => mfVerdict(m, m[2] ?? ''),
  },
  {
    id: 'mf-old-page-recovery',
    lead: 'MCE 0x',
    match: new RegExp(`^MCE 0x([0-9a-f]{1,16}): ([^:]{1,64}) page recovery: ${RESULT}`),
    extract: (m) => mfVerdict(m, `${m[2]} page`),
  },
  {
    id: 'mf-unhandlable',
    lead: '',
    match: new RegExp(`^${MF}0x([0-9a-f]{1,16}): unhandlable page\\.`),
    extract: mfSimple('Unhandlable'),
  },
  {
    id: 'mf-already-hardware-poisoned',
    lead: '',
    match: new RegExp(`^${MF}0x([0-9a-f]{1,16}): already hardware poisoned`),
    extract: mfSimple('AlreadyPoisoned'),
  },
  {
    // kill_proc / kill_procs; `%#llx: Sending SIGBUS ...` without prefix comes from ghes.c memory_failure_cb
    id: 'mf-kill',
    lead: '',
    match: new RegExp(
      `^${MF}?0x([0-9a-f]{1,16}): (?:Sending SIGBUS to |Killing |forcibly killing )[^\\n]{0,80}? (?:due to hardware memory corruption|because of failure to unmap corrupted page)`,
    ),
    extract: kill,
  },
  {
    // the detail lines memory_failure() prints before its verdict; the result says what each means
    id: 'mf-detail',
    lead: '',
    match: new RegExp(
      `^${MF}0x([0-9a-f]{1,16}): (?:([^:]{1,64}) still referenced by \\d{1,10} users|(failed to unmap page|Failed to punch page|failed to release buffers|Failed to invalidate|could not lock mapping|Cannot send advisory machine check signal)|(Unknown page state|memory outside kernel control)|(keeping poisoned page in swap cache)|(corrupted page was clean: dropped without side effects))`,
    ),
    extract: (m) => {
      const result: HwResult =
        m[2] !== undefined || m[3] !== undefined
          ? 'Failed'
          : m[4] !== undefined
            ? 'Ignored'
            : m[5] !== undefined
              ? 'Delayed'
              : 'Recovered';
      return draft({
        source: 'MEMORY_FAILURE',
        severity: 'uncorrected',
        result,
        pfn: hex(m[1]),
        pageType: m[2] === undefined ? null : pageTypeText(m[2]),
        hold: 'mf',
      });
    },
  },
  {
    id: 'mf-queue-overflow',
    lead: 'Memory failure: buffer overflow',
    match: /^Memory failure: buffer overflow when queuing memory failure at 0x([0-9a-f]{1,16})/,
    extract: mfSimple('Ignored'),
  },
  {
    // panic("Memory failure: %#lx: unrecoverable page") (vm.panic_on_unrecoverable_memory_failure)
    id: 'mf-panic-unrecoverable',
    lead: 'Kernel panic - not syncing: Memory failure',
    match: /^Kernel panic - not syncing: Memory failure: 0x([0-9a-f]{1,16}): unrecoverable page/,
    extract: (m) => draft({ source: 'MEMORY_FAILURE', severity: 'fatal', result: 'Panic', pfn: hex(m[1]) }),
  },
  {
    // panic("Memory failure on page %lx") with vm.memory_failure_recovery=0 (no 0x)
    id: 'mf-panic-recovery-off',
    lead: 'Kernel panic - not syncing: Memory failure',
    match: /^Kernel panic - not syncing: Memory failure on page ([0-9a-f]{1,16})/,
    extract: (m) => draft({ source: 'MEMORY_FAILURE', severity: 'fatal', result: 'Panic', pfn: hex(m[1]) }),
  },
  {
    id: 'soft-offline',
    lead: '',
    match: /^[Ss]oft offline: 0x([0-9a-f]{1,16})[: ]/,
    extract: (m) =>
      draft({
        source: 'MEMORY_FAILURE',
        severity: 'corrected',
        result: 'SoftOffline',
        pfn: hex(m[1]),
        hold: 'next',
      }),
  },
  {
    // `Unpoison: %#lx: ...`; the virtio-balloon RFC prints `Unpoison: Unpoisoned page %#lx by ...`
    id: 'unpoison',
    lead: 'Unpoison: ',
    match: /^Unpoison: (?:[A-Za-z -]{0,40} )?0x([0-9a-f]{1,16})/,
    extract: (m) =>
      draft({
        source: 'MEMORY_FAILURE',
        severity: 'corrected',
        result: 'Unpoisoned',
        pfn: hex(m[1]),
        synthetic: true,
      }),
  },

  // ---- x86 machine check lines (§4)
  {
    // kill_me_maybe(): no trailing newline, the next message may be glued on
    id: 'mce-user-access',
    lead: 'mce: Uncorrected hardware memory error in user-access at ',
    match: /^mce: Uncorrected hardware memory error in user-access at ([0-9a-f]{1,16})/,
    extract: (m, text) => {
      const physAddr = hex(m[1]);
      return draft({
        source: 'MCE',
        severity: 'uncorrected',
        result: 'Reported',
        physAddr,
        pfn: physToPfn(physAddr),
        record: true,
        hold: 'next',
        rest: glued(text, m[0].length),
      });
    },
  },
  {
    id: 'mce-not-recovered',
    lead: 'mce: Memory error not recovered',
    match: /^mce: Memory error not recovered/,
    extract: (m, text) =>
      draft({
        source: 'MCE',
        severity: 'uncorrected',
        result: 'NotRecovered',
        record: true,
        wantsUserAccessPfn: true,
        rest: glued(text, m[0].length),
      }),
  },
  {
    id: 'mce-kernel-accessed-poison',
    lead: 'mce: Kernel accessed poison in user space at ',
    match: /^mce: Kernel accessed poison in user space at ([0-9a-f]{1,16})/,
    extract: (m, text) => {
      const physAddr = hex(m[1]);
      return draft({
        source: 'MCE',
        severity: 'uncorrected',
        result: 'Reported',
        physAddr,
        pfn: physToPfn(physAddr),
        record: true,
        hold: 'next',
        rest: glued(text, m[0].length),
      });
    },
  },
  {
    // mce_notify_irq(); older kernels printed it without the `mce: ` / HW_ERR prefixes.
    // The line carries no severity; corrected and action-optional errors both print it.
    id: 'mce-events-logged',
    lead: '',
    match: /^(?:mce: )?(?:\[Hardware Error\]: )?Machine check events logged/,
    extract: () =>
      draft({ source: 'MCE', severity: 'corrected', result: 'Reported', record: true, hold: 'next' }),
  },
  {
    // 2.6-era mce_panic()/print_mce(): `CPU %d: Machine Check Exception: %016Lx` then
    // `Bank %d: %016Lx at %016Lx` (status, physical address) per bank
    id: 'mce-old-bank',
    lead: 'Bank ',
    match: /^Bank \d{1,4}: ([0-9a-f]{16})(?: at ([0-9a-f]{16}))?\s*$/,
    extract: (m) => {
      const physAddr = m[2] === undefined ? null : hex(m[2]);
      return draft({
        source: 'MCE',
        severity: mceStatusSeverity(m[1] ?? ''),
        result: 'Reported',
        physAddr,
        pfn: physToPfn(physAddr),
        record: true,
        hold: 'next',
      });
    },
  },
  {
    // x86 without CONFIG_MEMORY_FAILURE
    id: 'mce-no-memory-failure',
    lead: 'Uncorrected memory error in page 0x',
    match: /^Uncorrected memory error in page 0x([0-9a-f]{1,16}) ignored/,
    extract: (m) =>
      draft({ source: 'MCE', severity: 'uncorrected', result: 'Ignored', pfn: hex(m[1]), record: true }),
  },
  {
    // do_sigbus() page-fault path (x86, powerpc, parisc): a user VA, not a pfn
    id: 'mce-fault-kill',
    lead: 'MCE: Killing ',
    match: /^MCE: Killing [^\n]{1,64}:\d{1,10} due to hardware memory corruption fault at ([0-9a-f]{1,16})/,
    extract: () =>
      draft({ source: 'MEMORY_FAILURE', severity: 'uncorrected', result: 'Killed', faultKill: true }),
  },

  // ---- EDAC (§6)
  {
    // edac_ce_error / edac_ue_error: `EDAC MC%d: %d CE|UE %s%son %s (%s page:0x%lx offset:0x%lx ...)`
    id: 'edac-ce-ue',
    lead: 'EDAC MC',
    match: /^EDAC MC\d{1,5}: (\d{1,10}) (CE|UE) /,
    extract: (m, text) => {
      const ce = m[2] === 'CE';
      let pfn: number | null = null;
      let physAddr: number | null = null;
      let pageShift = 0;
      const pageAt = text.indexOf(' page:0x');
      if (pageAt > 0) {
        const pm = /^ page:0x([0-9a-f]{1,16}) offset:0x([0-9a-f]{1,16})/.exec(
          text.slice(pageAt, pageAt + 64),
        );
        if (pm !== null) {
          pfn = hex(pm[1]);
          const off = hex(pm[2]);
          // page:0x0 offset:0x0 is what drivers print when the address is unknown
          if (pfn === 0 && off === 0) pfn = null;
          else if (pfn !== null && off !== null) {
            // `page` is the kernel's pfn and `offset` the offset in that page: an offset past
            // 4 KiB shows a 16 KiB or 64 KiB page kernel (arm64)
            pageShift = off < 0x1000 ? 0 : off < 0x4000 ? 14 : off < 0x10000 ? 16 : 0;
            physAddr = pfn * 2 ** (pageShift || 12) + off;
          }
        }
      }
      if (pfn === null) {
        const sa = text.indexOf('SystemAddress:0x');
        if (sa > 0) {
          const sm = /^SystemAddress:0x([0-9a-f]{1,16})/.exec(text.slice(sa, sa + 40));
          if (sm !== null) {
            physAddr = hex(sm[1]);
            pfn = physToPfn(physAddr);
          }
        }
      }
      const count = Number.parseInt(m[1] ?? '1', 10);
      return draft({
        source: 'EDAC',
        severity: ce ? 'corrected' : 'uncorrected',
        result: 'Reported',
        pfn,
        physAddr,
        count: Number.isFinite(count) && count > 0 ? count : 1,
        record: true,
        pageShift,
      });
    },
  },
  {
    // pre-3.x edac_mc_handle_ce/ue: `EDAC MC%d: CE page 0x%lx, offset 0x%lx, grain %d, ...`
    id: 'edac-old-ce-ue',
    lead: 'EDAC MC',
    match: /^EDAC MC\d{1,5}: (CE|UE) page 0x([0-9a-f]{1,16}), offset 0x([0-9a-f]{1,16})/,
    extract: (m) => {
      const pfn = hex(m[2]);
      const off = hex(m[3]);
      return draft({
        source: 'EDAC',
        severity: m[1] === 'CE' ? 'corrected' : 'uncorrected',
        result: 'Reported',
        pfn,
        physAddr: pfn !== null && off !== null ? pfn * 4096 + (off % 4096) : null,
        record: true,
      });
    },
  },

  // ---- arm64 (§7)
  {
    id: 'sea-internal-error',
    lead: 'Internal error: ',
    match: new RegExp(`^Internal error: ${SEA_NAME}: `),
    extract: () => draft({ source: 'SEA', severity: 'fatal', result: 'Reported', record: true }),
  },
  {
    // ≤4.x: `Internal error: : 96000210 [#1] SMP` (empty name): decide from the ESR
    id: 'sea-internal-error-old',
    lead: 'Internal error: : ',
    match: /^Internal error: : ([0-9a-f]{1,16}) \[#/,
    extract: (m) => {
      const esr = hex(m[1]);
      if (esr === null || !esrIsExternalAbort(esr)) return null;
      return draft({ source: 'SEA', severity: 'fatal', result: 'Reported', record: true });
    },
  },
  {
    // old do_mem_abort(): `Unhandled fault: %s (0x%08x) at 0x%016lx`
    id: 'sea-unhandled-fault',
    lead: 'Unhandled fault: ',
    match: new RegExp(`^Unhandled fault: ${SEA_NAME} \\(0x([0-9a-f]{1,16})\\) at 0x`),
    extract: () => draft({ source: 'SEA', severity: 'uncorrected', result: 'Reported', record: true }),
  },
  {
    // arm64_show_signal() (show_unhandled_signals, on by default, rate-limited):
    // `%s[%d]: unhandled exception: ` + `%s, ESR 0x%016lx, ` + fault name + ` in <vma>`
    id: 'sea-user-unhandled-exception',
    lead: '',
    needle: ': unhandled exception: ',
    match: new RegExp(
      `^[^\\n]{1,64}\\[\\d{1,10}\\]: unhandled exception: [^,]{1,48}, ESR 0x[0-9a-f]{1,16}, ${SEA_NAME}`,
    ),
    extract: () => draft({ source: 'SEA', severity: 'uncorrected', result: 'Reported', record: true }),
  },
  {
    // ghes.c: dev_err(ghes->dev, HW_ERR GHES_PFX "%s:%d: synchronous unrecoverable error (SIGBUS)")
    id: 'ghes-sync-sigbus',
    lead: '',
    needle: '[Hardware Error]: GHES: ',
    match:
      /^[^\n]{0,64}\[Hardware Error\]: GHES: [^\n]{1,64}:\d{1,10}: synchronous unrecoverable error \(SIGBUS\)/,
    extract: () => draft({ source: 'GHES', severity: 'uncorrected', result: 'Killed', record: true }),
  },
  {
    id: 'serror',
    lead: 'SError Interrupt on CPU',
    match: /^SError Interrupt on CPU\d{1,5}, code (?:0x)?[0-9a-f]{1,16}/,
    extract: () => draft({ source: 'SERROR', severity: 'fatal', result: 'Reported', record: true }),
  },

  // ---- injection and other markers (§2.3, §4)
  {
    // madvise_inject_error(), current and old
    id: 'inject-madvise',
    lead: 'Injecting memory failure for ',
    match: /^Injecting memory failure for (?:pfn|page) 0x([0-9a-f]{1,16}) at /,
    extract: (m) => marker('INJECTION', hex(m[1])),
  },
  {
    id: 'inject-soft-offline',
    lead: 'Soft offlining ',
    match: /^Soft offlining (?:pfn|page) 0x([0-9a-f]{1,16}) at /,
    extract: (m) => marker('INJECTION', hex(m[1])),
  },
  {
    // mm/hwpoison-inject.c (debugfs corrupt-pfn)
    id: 'inject-hwpoison-debugfs',
    lead: 'Injecting memory failure at pfn ',
    match: /^Injecting memory failure at pfn 0x([0-9a-f]{1,16})/,
    extract: (m) => marker('INJECTION', hex(m[1])),
  },
  {
    id: 'inject-mce-done',
    lead: 'MCE exception done on CPU ',
    match: /^MCE exception done on CPU \d/,
    extract: () => marker('INJECTION', null),
  },
  {
    // mce-inject raise_local(): `Triggering MCE exception on CPU %d`, `Starting machine check poll
    // CPU %d`, `Machine check poll done on CPU %d`
    id: 'inject-mce-trigger',
    lead: '',
    match:
      /^(?:Triggering MCE exception on CPU|Starting machine check poll CPU|Machine check poll done on CPU) \d/,
    extract: () => marker('INJECTION', null),
  },
  {
    id: 'inject-einj-loaded',
    lead: 'EINJ: ',
    match: /^EINJ: Error INJection is initialized/,
    extract: () => marker('INJECTION', null, true),
  },
  {
    id: 'inject-mce-inject-loaded',
    lead: 'Machine check injector initialized',
    match: /^Machine check injector initialized/,
    extract: () => marker('INJECTION', null, true),
  },
  {
    id: 'taint-after-hw-error',
    lead: 'Disabling lock debugging due to kernel taint',
    match: /^Disabling lock debugging due to kernel taint/,
    extract: () => marker('TAINT_MCE', null, false, true),
  },
];

/** Substrings that make a line worth a look although it starts with a task or device name. */
export const NEEDLES: readonly string[] = [': unhandled exception: ', '[Hardware Error]: GHES: '];

/**
 * Lines that can carry one of the rows above start with one of these literals (or contain a
 * NEEDLE); everything else is routine chatter and never reaches a regex. `0x` is ghes.c's
 * prefix-less SIGBUS line.
 */
export const LEADS: readonly string[] = [
  'Memory failure: ',
  'MCE ',
  'MCE: ',
  '0x',
  'Kernel panic - not syncing: Memory failure',
  'soft offline: ',
  'Soft offline: ',
  'Soft offlining ',
  'Unpoison: ',
  'mce: ',
  '[Hardware Error]: ',
  'Machine check ',
  'Bank ',
  'Triggering MCE exception',
  'Starting machine check poll',
  'Uncorrected memory error in page ',
  'EDAC ',
  'Internal error: ',
  'Unhandled fault: ',
  'SError Interrupt on CPU',
  'Injecting memory failure ',
  'EINJ: ',
  'Disabling lock debugging',
  'AEST: ',
  '{',
];
