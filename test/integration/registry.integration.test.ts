import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApicurio, startApicurio } from '../../scripts/registry/apicurio.js';
import { schemasCommand } from '../../src/cli/schemas.js';
import { createKernelLogEventCodec, createTriagedCrashCodec } from '../../src/decode/codecs.js';
import { frame } from '../../src/decode/framing.js';
import { createKernelLogEventDecoder } from '../../src/decode/kernel-log-event-decoder.js';
import { type RegistryClient, createConfluentRegistryClient } from '../../src/decode/registry.js';
import { SCHEMA_TEXT, parseAvroSchema } from '../../src/decode/schemas.js';
import { CRASH, EVENT } from '../decode/fixtures.js';

/*
 * Against a real schema registry: Apicurio Registry (Confluent-compatible API), built from Maven
 * Central and started by scripts/registry/apicurio.ts, or the registry at SCHEMA_REGISTRY_URL.
 */
let running: RunningApicurio | undefined;
let url = '';
let client: RegistryClient;

interface SchemaJson {
  fields: { name: string }[];
}
const today = JSON.parse(SCHEMA_TEXT['kernel-log-event']) as SchemaJson;
const older = {
  ...today,
  fields: today.fields.filter((f) => f.name !== 'caller' && f.name !== 'kernel_release'),
};
const newer = {
  ...today,
  fields: [
    ...today.fields.filter((f) => f.name !== 'arch'),
    { name: 'cpu', type: ['null', 'int'], default: null, doc: 'CPU that printed the record' },
  ],
};

beforeAll(async () => {
  const given = process.env['SCHEMA_REGISTRY_URL'];
  if (given !== undefined && given !== '') {
    url = given;
  } else {
    // a cold start builds the registry with Maven first (minutes); later runs start in ~20 s
    running = await startApicurio({ log: (l) => console.log(`[registry] ${l}`) });
    url = running.url;
  }
  client = createConfluentRegistryClient({ url });
}, 600_000);

afterAll(async () => {
  await running?.stop();
});

describe('schema registry (real Apicurio Registry)', () => {
  it('registers the three schemas under <topic>-value with `poisonlink schemas --register`, idempotently', async () => {
    const out: string[] = [];
    const io = {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => out.push(t),
      env: {},
      registry: (u: string) => createConfluentRegistryClient({ url: u }),
    };
    const topics = [
      '--input-topic',
      'it.kmsg',
      '--verdicts-topic',
      'it.verdicts',
      '--host-events-topic',
      'it.hw',
    ];
    expect(await schemasCommand(['--register', url, ...topics], io)).toBe(0);
    const first = out.join('');
    expect(first).toMatch(/registered kernel-log-event as it\.kmsg-value: schema id \d+/);
    expect(first).toMatch(/registered triaged-crash as it\.verdicts-value: schema id \d+/);
    expect(first).toMatch(/registered host-hardware-event as it\.hw-value: schema id \d+/);
    const res = await fetch(`${url}/subjects`);
    expect(await res.json()).toEqual(
      expect.arrayContaining(['it.kmsg-value', 'it.verdicts-value', 'it.hw-value']),
    );
    out.length = 0;
    expect(await schemasCommand(['--register', url, ...topics], io)).toBe(0);
    expect(out.join('')).toBe(first);
  });

  it('decodes framed records written with the registered schema, fetching it from the registry', async () => {
    const id = await client.register('it.decode-value', SCHEMA_TEXT['kernel-log-event']);
    const writer = createKernelLogEventCodec();
    const batch = [
      writer.encodeFramed(EVENT, id),
      writer.encodeFramed({ ...EVENT, seq: 7, caller: null }, id),
    ];
    const decoder = createKernelLogEventDecoder({ format: 'avro', registry: client });
    await decoder.prefetch(batch);
    expect(batch.map((b) => decoder.decode(b))).toEqual([
      { ok: true, value: EVENT },
      { ok: true, value: { ...EVENT, seq: 7, caller: null } },
    ]);
  });

  it('resolves records of an older and a newer producer schema registered in the registry', async () => {
    const oldId = await client.register('it.legacy-value', JSON.stringify(older));
    const newId = await client.register('it.next-value', JSON.stringify(newer));
    expect(new Set([oldId, newId]).size).toBe(2);
    const decoder = createKernelLogEventDecoder({ format: 'avro', registry: client });
    const fromOld = frame(oldId, parseAvroSchema(older).toBuffer({ ...EVENT }));
    const fromNew = frame(newId, parseAvroSchema(newer).toBuffer({ ...EVENT, cpu: 5 }));
    expect(await decoder.decodeAsync(fromOld)).toEqual({
      ok: true,
      value: { ...EVENT, caller: null, kernel_release: null },
    });
    expect(await decoder.decodeAsync(fromNew)).toEqual({ ok: true, value: { ...EVENT, arch: null } });
  });

  it('round-trips a framed TriagedCrash through its registered id', async () => {
    const id = await client.register('it.crash-value', SCHEMA_TEXT['triaged-crash']);
    const codec = createTriagedCrashCodec({ registry: client });
    expect(await codec.decodeFramedAsync(codec.encodeFramed(CRASH, id))).toEqual({ ok: true, value: CRASH });
  });

  it('reports UNKNOWN_SCHEMA_ID for an id the registry does not have', async () => {
    const decoder = createKernelLogEventDecoder({ format: 'avro', registry: client });
    const r = await decoder.decodeAsync(frame(987_654, createKernelLogEventCodec().encode(EVENT)));
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SCHEMA_ID', retriable: false } });
  });

  it('reports REGISTRY_UNAVAILABLE when no registry listens at the URL', async () => {
    const down = createConfluentRegistryClient({ url: 'http://127.0.0.1:9/apis/ccompat/v6', retries: 0 });
    const decoder = createKernelLogEventDecoder({ format: 'avro', registry: down });
    const r = await decoder.decodeAsync(frame(1, createKernelLogEventCodec().encode(EVENT)));
    expect(r).toMatchObject({ ok: false, error: { code: 'REGISTRY_UNAVAILABLE', retriable: true } });
  });
});
