/**
 * Kernel log files → KernelLogEvent, for the file-driven commands (triage, replay from files, the
 * demo). The format is detected from the first lines unless given; each dmesg file without
 * `--host` is its own host, named after the file.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  createDmesgReader,
  decodeJournaldLine,
  decodeNdjsonLine,
  detectFormat,
  type DecodeError,
} from '../decode/index.js';
import type { KernelLogEvent } from '../model/event.js';

export const FILE_FORMATS = ['auto', 'dmesg', 'journald', 'ndjson'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface FileReadOptions {
  format: FileFormat;
  /** host for dmesg text (default: the file's name without extension) */
  host?: string;
  /** wall clock of uptime 0 for dmesg text, µs */
  bootTimeUs?: number;
  /** year of syslog stamps, which carry none */
  year?: number;
}

export interface BadRecord {
  file: string;
  line: number;
  error: DecodeError;
  raw: string;
}

export interface FileEvents {
  file: string;
  format: Exclude<FileFormat, 'auto'>;
  events: KernelLogEvent[];
  bad: BadRecord[];
  /** lines that hold no kernel record (blank lines, non-kernel journald entries) */
  skipped: number;
}

export function hostFromFileName(file: string): string {
  const name = basename(file).replace(/\.(?:log|txt|dmesg|out|journal|json|ndjson)$/i, '');
  return name === '' ? basename(file) : name;
}

/** Reads one file completely. Decode problems are returned per line, never thrown. */
export function readEventsFromText(file: string, text: string, opts: FileReadOptions): FileEvents {
  const format = opts.format === 'auto' ? detectFormat(text.slice(0, 64 * 1024)) : opts.format;
  const out: FileEvents = { file, format, events: [], bad: [], skipped: 0 };
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (format === 'dmesg') {
    const readerOpts: Parameters<typeof createDmesgReader>[0] = { host: opts.host ?? hostFromFileName(file) };
    if (opts.bootTimeUs !== undefined) readerOpts.bootTimeUs = opts.bootTimeUs;
    if (opts.year !== undefined) readerOpts.year = opts.year;
    const reader = createDmesgReader(readerOpts);
    for (const line of lines) {
      const ev = reader.pushLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      if (ev === null) out.skipped++;
      else out.events.push(ev);
    }
    return out;
  }
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      out.skipped++;
      return;
    }
    const r =
      format === 'ndjson'
        ? decodeNdjsonLine(line)
        : decodeJournaldLine(line, { fallbackHost: opts.host ?? null });
    if (r.ok) out.events.push(r.value);
    else if ('skipped' in r) out.skipped++;
    else
      out.bad.push({
        file,
        line: i + 1,
        error: r.error,
        raw: line.length > 200 ? `${line.slice(0, 200)}…` : line,
      });
  });
  return out;
}

export function readEventsFromFile(file: string, opts: FileReadOptions): FileEvents {
  return readEventsFromText(file, readFileSync(file, 'utf8'), opts);
}
