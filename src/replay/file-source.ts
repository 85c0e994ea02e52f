/**
 * `poisonlink replay FILE...`: ndjson, journald export (`journalctl -o json`), dmesg / syslog /
 * console text, and Avro object container files of KernelLogEvent, read in file order into the
 * replay engine (one pipeline: a file has no partitions). The format is detected per file unless
 * given: the Avro container magic `Obj\x01`, else src/decode's detectFormat on the first 64 KiB.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import avro from 'avsc';
import { checkKernelLogEvent } from '../decode/checks.js';
import {
  createKernelLogEventDecoder,
  detectFormat,
  type InputFormat,
  type KernelLogEventDecoder,
} from '../decode/kernel-log-event-decoder.js';
import { KERNEL_LOG_EVENT_TYPE, parseAvroSchema } from '../decode/schemas.js';
import type { KernelLogEvent } from '../model/event.js';
import type { ReplayEngine } from './engine.js';

export const FILE_FORMATS = ['avro', 'ndjson', 'journald', 'dmesg'] as const satisfies readonly InputFormat[];
export type FileFormat = (typeof FILE_FORMATS)[number];

const OCF_MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

/** The format of a file from its first bytes. */
export function sniffFormat(head: Buffer): FileFormat {
  if (head.length >= 4 && head.subarray(0, 4).equals(OCF_MAGIC)) return 'avro';
  return detectFormat(head.toString('utf8'));
}

function readHead(file: string, bytes = 65_536): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export interface FileSourceOptions {
  files: readonly string[];
  /** null: detect per file */
  format: FileFormat | null;
  /** dmesg: the host of lines that name none; default: the file's name without extension */
  host: string | null;
  /** dmesg: wall clock of uptime 0, µs (--boot-time) */
  bootTimeUs: number | null;
  engine: ReplayEngine;
  /** records per chunk (the pipeline advances after each, as in the live run) */
  chunkRecords: number;
  /** aborted: stop after the current chunk */
  signal?: AbortSignal;
  /** after every chunk: write outputs, report progress (bytes done, bytes total) */
  onChunk: (bytesDone: number, bytesTotal: number) => Promise<void>;
}

export interface FileSummary {
  file: string;
  format: FileFormat;
  records: number;
  /** the signal stopped the replay inside (or before) this file */
  interrupted: boolean;
}

/** Thrown between chunks when the signal is aborted; replayFiles catches it. */
class Interrupted extends Error {}

function hostFor(file: string, given: string | null): string {
  if (given !== null) return given;
  const base = path.basename(file);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Reads every file; throws only when a file cannot be opened (the caller checks them first). */
export async function replayFiles(opts: FileSourceOptions): Promise<FileSummary[]> {
  const sizes = opts.files.map((f) => statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  let inChunk = 0;
  const out: FileSummary[] = [];
  const { engine } = opts;

  const tick = async (bytesInFile: number): Promise<void> => {
    inChunk++;
    if (inChunk < opts.chunkRecords) return;
    inChunk = 0;
    engine.endChunk(0);
    await opts.onChunk(before + bytesInFile, total);
    if (opts.signal?.aborted === true) throw new Interrupted('interrupted');
  };

  for (let i = 0; i < opts.files.length; i++) {
    const file = opts.files[i] as string;
    const format = opts.format ?? sniffFormat(readHead(file));
    const counter = { n: 0 };
    try {
      if (opts.signal?.aborted === true) throw new Interrupted('interrupted');
      if (format === 'avro') {
        await readContainer(file, engine, tick, counter);
      } else {
        const decoder = createKernelLogEventDecoder({
          format,
          host: hostFor(file, opts.host),
          ...(opts.bootTimeUs === null ? {} : { dmesg: { bootTimeUs: opts.bootTimeUs } }),
        });
        await readLines(file, decoder, engine, tick, counter);
      }
    } catch (e: unknown) {
      if (!(e instanceof Interrupted)) throw e;
      out.push({ file, format, records: counter.n, interrupted: true });
      return out;
    }
    out.push({ file, format, records: counter.n, interrupted: false });
    before += sizes[i] as number;
  }
  engine.endChunk(0);
  await opts.onChunk(total, total);
  return out;
}

async function readLines(
  file: string,
  decoder: KernelLogEventDecoder,
  engine: ReplayEngine,
  tick: (bytes: number) => Promise<void>,
  counter: { n: number },
): Promise<void> {
  const stream = createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      // blank lines separate nothing in these formats; dmesg text keeps them out of reports itself
      if (line === '' && decoder.format !== 'dmesg') continue;
      counter.n++;
      engine.record(0, decoder.decode(Buffer.from(line, 'utf8')), `${file}:${lineNo}`);
      await tick(stream.bytesRead);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** An Avro zig-zag varint long at `pos`: [value, next pos], or null when cut or over 10 bytes. */
function readLong(buf: Buffer, pos: number): [number, number] | null {
  let n = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) return null;
    n += (b & 0x7f) * shift;
    shift *= 128;
    if ((b & 0x80) === 0) return [n % 2 === 0 ? n / 2 : -(n + 1) / 2, pos + i + 1];
  }
  return null;
}

/**
 * Walks an object container header (magic, `map<bytes>` of metadata, 16-byte sync) within `head`
 * and says what is wrong with it, or null. avsc reads the metadata map without bounds: a hostile
 * count keeps it busy for ever, so the header is checked before avsc sees it.
 */
export function containerHeaderProblem(head: Buffer): string | null {
  if (head.length < 4 || !head.subarray(0, 4).equals(OCF_MAGIC)) return 'no Avro container magic (Obj 0x01)';
  let pos = 4;
  const cut = 'the header is cut short or larger than the bytes read';
  for (;;) {
    const c = readLong(head, pos);
    if (c === null) return cut;
    let [count, next] = c;
    pos = next;
    if (count === 0) break;
    if (count < 0) {
      const size = readLong(head, pos);
      if (size === null) return cut;
      pos = size[1];
      count = -count;
    }
    // every entry takes at least two bytes (two lengths)
    if (count * 2 > head.length - pos)
      return `the metadata map claims ${count} entries, more than the bytes left`;
    for (let i = 0; i < count * 2; i++) {
      const len = readLong(head, pos);
      if (len === null || len[0] < 0 || len[1] + len[0] > head.length) return cut;
      pos = len[1] + len[0];
    }
  }
  if (pos + 16 > head.length) return cut;
  return null;
}

async function readContainer(
  file: string,
  engine: ReplayEngine,
  tick: (bytes: number) => Promise<void>,
  counter: { n: number },
): Promise<void> {
  const problem = containerHeaderProblem(readHead(file, 1 << 20));
  if (problem !== null) {
    engine.record(
      0,
      {
        ok: false,
        error: { code: 'INVALID_AVRO', message: `expected an Avro object container file, found ${problem}` },
      },
      `${file}#header`,
    );
    counter.n++;
    return;
  }
  const stream = createReadStream(file);
  // the writer schema in the header is built like every schema here (bounded arrays), then resolved
  const decoder = stream.pipe(
    new avro.streams.BlockDecoder({
      readerSchema: KERNEL_LOG_EVENT_TYPE,
      parseHook: (schema: avro.Schema) => parseAvroSchema(schema as object),
    }),
  );
  let failure: unknown = null;
  stream.on('error', (e) => {
    failure = e;
    decoder.destroy();
  });
  // avsc waits for the rest of a header for ever when the file ends inside it
  let header = false;
  decoder.on('metadata', () => {
    header = true;
  });
  stream.on('end', () => {
    setImmediate(() => {
      if (!header) decoder.destroy(new Error('the file ends inside the container header'));
    });
  });
  try {
    for await (const value of decoder as AsyncIterable<KernelLogEvent>) {
      counter.n++;
      const bad = checkKernelLogEvent(value);
      engine.record(
        0,
        bad === null ? { ok: true, value } : { ok: false, error: bad },
        `${file}#${counter.n}`,
      );
      await tick(stream.bytesRead);
    }
  } catch (e: unknown) {
    if (e instanceof Interrupted) {
      stream.destroy();
      throw e;
    }
    failure = e;
  }
  if (failure !== null) {
    counter.n++;
    engine.record(
      0,
      {
        ok: false,
        error: {
          code: 'INVALID_AVRO',
          message: `expected an Avro object container file of KernelLogEvent, found: ${
            failure instanceof Error ? failure.message : String(failure)
          } (the rest of the file is not read)`,
        },
      },
      `${file}#${counter.n}`,
    );
  }
}
