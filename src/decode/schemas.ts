import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { guardedArrayHook } from './array-guard.js';

/**
 * The Avro schemas of DESIGN.md §2-3, read from schemas/*.avsc once, when this module loads.
 * Nothing parses a schema per record.
 *
 * Every type is built without logical-type classes, so `timestamp-micros` longs stay plain
 * numbers of µs, exactly as the TypeScript interfaces hold them, and `["null", X]` unions decode
 * to the bare value or null (avsc's default `wrapUnions: 'auto'`).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
/** schemas/ at the repository root (src/decode/../../schemas, also dist/src/decode/../../../schemas). */
function schemasDir(): string {
  const candidates = [
    path.resolve(here, '..', '..', 'schemas'),
    path.resolve(here, '..', '..', '..', 'schemas'),
  ];
  for (const dir of candidates) {
    try {
      readFileSync(path.join(dir, 'kernel-log-event.avsc'));
      return dir;
    } catch {
      // try the next layout
    }
  }
  return candidates[0] as string;
}

export const SCHEMA_NAMES = ['kernel-log-event', 'triaged-crash', 'host-hardware-event'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

const dir = schemasDir();

/** The schema file's text, as committed (docs included); what `poisonlink schemas` prints and registers. */
export const SCHEMA_TEXT: Readonly<Record<SchemaName, string>> = {
  'kernel-log-event': readFileSync(path.join(dir, 'kernel-log-event.avsc'), 'utf8'),
  'triaged-crash': readFileSync(path.join(dir, 'triaged-crash.avsc'), 'utf8'),
  'host-hardware-event': readFileSync(path.join(dir, 'host-hardware-event.avsc'), 'utf8'),
};

/**
 * Builds an avsc type the way every type in this project is built (reader and writer schemas
 * alike): plain longs, auto-unwrapped unions, array counts bounded by the bytes left.
 */
export function parseAvroSchema(schema: string | object): avro.Type {
  const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
  return avro.Type.forSchema(json as avro.Schema, {
    wrapUnions: 'auto',
    typeHook: guardedArrayHook,
    // decoded records carry their fields only (no clone/toBuffer methods on their prototype)
    omitRecordMethods: true,
  });
}

export const KERNEL_LOG_EVENT_TYPE: avro.Type = parseAvroSchema(SCHEMA_TEXT['kernel-log-event']);
export const TRIAGED_CRASH_TYPE: avro.Type = parseAvroSchema(SCHEMA_TEXT['triaged-crash']);
export const HOST_HARDWARE_EVENT_TYPE: avro.Type = parseAvroSchema(SCHEMA_TEXT['host-hardware-event']);
