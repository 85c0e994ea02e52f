/** JSON-lines logger with levels: one object per line, `ts`, `level`, `msg`, then the fields. */
import { describeError } from '../config/errors.js';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  enabled(level: Level): boolean;
}

export interface LoggerOptions {
  level?: Level;
  write?: (line: string) => void;
  now?: () => number;
}

/** Field names whose values are never written, whatever calls the logger. */
const SECRET_FIELD = /pass(word)?|secret|token|credential/i;

function clean(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) out[k] = '[redacted]';
    else if (v instanceof Error) out[k] = describeError(v);
    else if (typeof v === 'bigint') out[k] = v.toString();
    else out[k] = v;
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? Date.now;
  const log = (level: Level, msg: string, fields?: LogFields): void => {
    if (LEVELS.indexOf(level) < min) return;
    const rec = {
      ts: new Date(now()).toISOString(),
      level,
      msg,
      ...(fields === undefined ? {} : clean(fields)),
    };
    let line: string;
    try {
      line = JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ ts: rec.ts, level, msg, note: 'fields not serialisable' });
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    enabled: (level) => LEVELS.indexOf(level) >= min,
  };
}
