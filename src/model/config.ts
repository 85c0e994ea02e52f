/**
 * Settings of the pure stages. The config schema (src/config) declares, documents and validates
 * them; the stages receive them already resolved.
 */
export interface CorrelationConfig {
  /** how far back an unrecovered error links to a crash (default 72 h) */
  horizonMs: number;
  /** within this a correlated crash gets HIGH confidence (default 10 min) */
  highWithinMs: number;
  /** late evidence within this much event time still revises a verdict (default 10 min) */
  latenessMs: number;
  /** treat injected / software poison as real */
  trustSynthetic: boolean;
  /** an MCE printed before this uptime describes the previous boot (default 5 s) */
  bootMceWindowMs: number;
  /** corrected errors per host per hour above which advice is REPLACE_AT_MAINTENANCE */
  correctedStormPerHour: number;
}

export interface StateLimits {
  /** tracked hosts per input partition; beyond it the least recently seen is evicted (CLOCK approximation) */
  maxHosts: number;
  /** unrecovered incidents kept per host */
  maxIncidentsPerHost: number;
  /** event-time retention of per-host state after its last record */
  retentionMs: number;
  /** lines kept per open crash report */
  maxReportLines: number;
  /** bytes kept per line */
  maxLineBytes: number;
  /** a report with no new line for this long (event time) is closed */
  reportIdleMs: number;
  /** after a report's end marker, how long (event time) it waits for the panic epilogue */
  epilogueMs: number;
}

export const DEFAULT_CORRELATION: CorrelationConfig = {
  horizonMs: 72 * 3600_000,
  highWithinMs: 10 * 60_000,
  latenessMs: 10 * 60_000,
  trustSynthetic: false,
  bootMceWindowMs: 5_000,
  correctedStormPerHour: 100,
};

export const DEFAULT_LIMITS: StateLimits = {
  maxHosts: 1_000_000,
  maxIncidentsPerHost: 64,
  retentionMs: 7 * 24 * 3600_000,
  maxReportLines: 400,
  maxLineBytes: 4096,
  reportIdleMs: 10_000,
  epilogueMs: 250,
};
