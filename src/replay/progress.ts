/**
 * Progress of a replay on stderr: on a terminal a bar redrawn in place at most every `redrawMs`
 * (records done / total when known, rate, ETA); otherwise one plain line every `intervalMs`, so a
 * Kubernetes Job's log shows that the backfill moves without drowning in carriage returns.
 * The clock is injected; nothing here reads the time or writes by itself.
 */

export interface ProgressState {
  /** work units done and expected (offsets or bytes): drive the percentage and the ETA */
  done: number;
  total: number | null;
  /** records read so far: what the rate counts */
  records: number;
}

export interface ProgressOptions {
  now: () => number;
  write: (text: string) => void;
  tty: boolean;
  /** terminal width for the bar (default 80) */
  columns?: number;
  /** plain-line period when not on a terminal (default 10 s) */
  intervalMs?: number;
  /** minimum time between two redraws of the bar (default 100 ms: at most 10 a second) */
  redrawMs?: number;
  /** what is being read, e.g. `kernel-log-events` or `3 files` */
  label?: string;
  /** what `done` / `total` count, for the plain lines: `offsets`, `bytes` */
  unit?: string;
}

/** `950`, `12.3k`, `4.56M` */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 1e6) return `${(n / 1e3).toFixed(a < 1e4 ? 2 : 1)}k`;
  if (a < 1e9) return `${(n / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** records per second: `0/s`, `850/s`, `12.3k/s` */
export function formatRate(perSecond: number): string {
  return `${formatCount(perSecond)}/s`;
}

/** `45s`, `3m05s`, `2h07m`, `3d04h`; `--` when unknown */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** `[=======>      ]` of `width` characters in all */
export function renderBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * inner);
  if (full >= inner) return `[${'='.repeat(inner)}]`;
  return `[${'='.repeat(full)}>${' '.repeat(inner - full - 1)}]`;
}

interface Sample {
  t: number;
  done: number;
  records: number;
}

/** Rate over the last `windowMs` of samples, so a slow start does not skew the ETA for ever. */
export class RateWindow {
  private readonly samples: Sample[] = [];
  constructor(private readonly windowMs = 10_000) {}

  add(s: Sample): void {
    this.samples.push(s);
    // keep one sample older than the window, so the window is always spanned
    while (this.samples.length > 2 && s.t - (this.samples[1] as Sample).t >= this.windowMs)
      this.samples.shift();
  }

  /** units and records per second, or null before two samples a moment apart */
  rates(): { units: number; records: number } | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.t - first.t <= 0) return null;
    const secs = (last.t - first.t) / 1000;
    return { units: (last.done - first.done) / secs, records: (last.records - first.records) / secs };
  }
}

/** ms left at `unitsPerSecond`, or null when it cannot be known */
export function eta(state: ProgressState, unitsPerSecond: number | null): number | null {
  if (state.total === null) return null;
  const left = Math.max(0, state.total - state.done);
  if (left === 0) return 0;
  if (unitsPerSecond === null || unitsPerSecond <= 0) return null;
  return (left / unitsPerSecond) * 1000;
}

/** The text of one progress report (no line ending); `width` bounds the bar line on a terminal. */
export function progressText(
  state: ProgressState,
  rates: { units: number; records: number } | null,
  elapsedMs: number,
  opts: { tty: boolean; width: number; label: string; unit?: string },
): string {
  const rate = rates === null ? '--/s' : formatRate(rates.records);
  const left = eta(state, rates?.units ?? null);
  const counts =
    state.total === null
      ? `${formatCount(state.records)} records`
      : `${formatCount(state.records)} records, ${Math.floor((Math.min(state.done, state.total) / Math.max(1, state.total)) * 100)}%`;
  const tail = `${counts}  ${rate}  elapsed ${formatDuration(elapsedMs)}  ETA ${formatDuration(left)}`;
  const label = opts.label === '' ? '' : `${opts.label} `;
  if (!opts.tty) {
    const of = state.total === null ? '' : ` of ${formatCount(state.total)}`;
    const unit = opts.unit === undefined || opts.unit === '' ? '' : ` ${opts.unit}`;
    return `replay: ${label}${formatCount(state.done)}${of}${unit} done, ${tail}`;
  }
  // on a terminal the line must fit: the label goes first, then the elapsed time, then the bar
  const room = opts.width - 1;
  const short = `${counts}  ${rate}  ETA ${formatDuration(left)}`;
  const fraction = state.total === null ? null : state.total === 0 ? 1 : state.done / state.total;
  const withBar = (text: string, prefix: string): string | null => {
    if (fraction === null) return `${prefix}${text}`.length <= room ? `${prefix}${text}` : null;
    const barWidth = Math.min(40, room - text.length - prefix.length - 1);
    return barWidth >= 10 ? `${prefix}${renderBar(fraction, barWidth)} ${text}` : null;
  };
  return (
    withBar(tail, label) ??
    withBar(tail, '') ??
    withBar(short, '') ??
    (short.length <= room ? short : short.slice(0, Math.max(0, room)))
  );
}

export class ProgressReporter {
  private readonly opts: Required<ProgressOptions>;
  private readonly started: number;
  private readonly window = new RateWindow();
  private last = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private state: ProgressState = { done: 0, total: null, records: 0 };

  constructor(options: ProgressOptions) {
    this.opts = {
      columns: 80,
      intervalMs: 10_000,
      redrawMs: 100,
      label: '',
      unit: '',
      ...options,
    };
    this.started = this.opts.now();
    this.window.add({ t: this.started, done: 0, records: 0 });
  }

  /** Record the new state; draws only when the period has passed. */
  update(state: ProgressState): void {
    this.state = state;
    const t = this.opts.now();
    const period = this.opts.tty ? this.opts.redrawMs : this.opts.intervalMs;
    if (t - this.last < period) return;
    if (!this.opts.tty && t - this.started < period) return;
    this.draw(t);
  }

  private draw(t: number): void {
    this.window.add({ t, done: this.state.done, records: this.state.records });
    this.last = t;
    const text = progressText(this.state, this.window.rates(), t - this.started, {
      tty: this.opts.tty,
      width: this.opts.columns,
      label: this.opts.label,
      unit: this.opts.unit,
    });
    if (this.opts.tty) {
      this.opts.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.opts.write(`${text}\n`);
    }
  }

  /** Final state: the bar is drawn once more at its end and the line is ended. */
  finish(state: ProgressState = this.state): void {
    this.state = state;
    const t = this.opts.now();
    if (this.opts.tty) {
      this.draw(t);
      if (this.drawn) this.opts.write('\n');
    } else if (t - this.started >= this.opts.intervalMs) {
      this.draw(t);
    }
  }
}
