/**
 * Per-host state ⇄ Avro (schemas/host-state.avsc), the value of the changelog topic. Restoring gives
 * back the exact object: absent optional fields stay absent, nulls stay null.
 */
import { existsSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import type { HostState } from './types.js';

// From src/correlate (tsx, tests) or dist/src/correlate (build): the schema sits in the package root.
const schemaUrl =
  [
    new URL('../../schemas/host-state.avsc', import.meta.url),
    new URL('../../../schemas/host-state.avsc', import.meta.url),
  ].find((u) => existsSync(u)) ?? new URL('../../schemas/host-state.avsc', import.meta.url);

export const HOST_STATE_TYPE: avro.Type = avro.Type.forSchema(
  JSON.parse(readFileSync(schemaUrl, 'utf8')) as avro.Schema,
);

/** Top-level optional fields: absent in the object, null in Avro. */
const OPTIONAL = [
  'lastUptimeUs',
  'wm',
  'prevBoots',
  'incidents',
  'open',
  'ce',
  'inj',
  'injBoot',
  'sigs',
] as const;

export function encodeHostState(state: HostState): Buffer {
  const rec: Record<string, unknown> = { ...state };
  for (const k of OPTIONAL) if (rec[k] === undefined) rec[k] = null;
  return HOST_STATE_TYPE.toBuffer(rec);
}

/** Throws on a buffer that is not a host state (a corrupt changelog record is a bug upstream). */
export function decodeHostState(buf: Uint8Array): HostState {
  const decoded: unknown = HOST_STATE_TYPE.fromBuffer(
    Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength),
  );
  // avsc builds class instances; the state is a plain object.
  const plain = JSON.parse(JSON.stringify(decoded)) as Record<string, unknown>;
  for (const k of OPTIONAL) if (plain[k] === null) delete plain[k];
  return plain as unknown as HostState;
}
