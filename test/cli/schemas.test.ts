import { describe, expect, it } from 'vitest';
import { type SchemasCommandIo, schemasCommand } from '../../src/cli/schemas.js';
import { type RegistryClient, createStaticRegistryClient } from '../../src/decode/registry.js';
import { SCHEMA_TEXT } from '../../src/decode/schemas.js';

function io(registry: RegistryClient = createStaticRegistryClient(new Map()), env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: { url: string; auth: unknown }[] = [];
  const value: SchemasCommandIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    registry: (url, auth) => {
      calls.push({ url, auth });
      return registry;
    },
  };
  return { value, out: () => out.join(''), err: () => err.join(''), calls };
}

describe('poisonlink schemas', () => {
  it('prints the three schemas with their default subjects', async () => {
    const t = io();
    expect(await schemasCommand([], t.value)).toBe(0);
    expect(t.out()).toContain('# schemas/kernel-log-event.avsc (subject kernel-log-events-value)');
    expect(t.out()).toContain('(subject poisonlink.verdicts-value)');
    expect(t.out()).toContain('(subject poisonlink.host-events-value)');
    expect(t.out()).toContain('"name": "TriagedCrash"');
  });

  it('prints one schema as plain JSON with --name', async () => {
    const t = io();
    expect(await schemasCommand(['--name', 'host-hardware-event'], t.value)).toBe(0);
    expect(JSON.parse(t.out())).toEqual(JSON.parse(SCHEMA_TEXT['host-hardware-event']));
  });

  it('registers every schema under <topic>-value, with topics from flags', async () => {
    const registered: [string, string][] = [];
    const registry: RegistryClient = {
      fetchSchema: async () => null,
      register: async (subject, schema) => {
        registered.push([subject, JSON.parse(schema).name as string]);
        return registered.length + 10;
      },
    };
    const t = io(registry);
    const code = await schemasCommand(
      ['--register', 'http://127.0.0.1:8081', '--input-topic', 'fleet.kmsg', '--verdicts-topic', 'v'],
      t.value,
    );
    expect(code).toBe(0);
    expect(registered).toEqual([
      ['fleet.kmsg-value', 'KernelLogEvent'],
      ['v-value', 'TriagedCrash'],
      ['poisonlink.host-events-value', 'HostHardwareEvent'],
    ]);
    expect(t.out()).toContain('registered kernel-log-event as fleet.kmsg-value: schema id 11');
    expect(t.calls).toEqual([{ url: 'http://127.0.0.1:8081', auth: undefined }]);
  });

  it('exits 1 and names the subject when the registry refuses a schema', async () => {
    const registry: RegistryClient = {
      fetchSchema: async () => null,
      register: async (subject) => {
        if (subject.startsWith('poisonlink.verdicts'))
          throw new Error('Schema being registered is incompatible');
        return 1;
      },
    };
    const t = io(registry);
    expect(await schemasCommand(['--register', 'http://127.0.0.1:8081'], t.value)).toBe(1);
    expect(t.err()).toMatch(/could not register triaged-crash as poisonlink\.verdicts-value.*incompatible/);
  });

  it('takes the registry password from the environment, never from a flag', async () => {
    const t = io(undefined, { POISONLINK_REGISTRY_PASSWORD: 's3cret' });
    expect(await schemasCommand(['--register', 'https://sr.example:8081', '--username', 'pl'], t.value)).toBe(
      0,
    );
    expect(t.calls[0]?.auth).toEqual({ username: 'pl', password: 's3cret' });
    expect(t.out()).not.toContain('s3cret');
    const noPw = io();
    expect(
      await schemasCommand(['--register', 'https://sr.example:8081', '--username', 'pl'], noPw.value),
    ).toBe(2);
  });

  it('exits 2 with a message on unknown flags, names and URLs', async () => {
    for (const argv of [['--bogus'], ['--name', 'nope'], ['--register', 'sr:8081'], ['--input-topic', '']]) {
      const t = io();
      expect(await schemasCommand(argv, t.value), argv.join(' ')).toBe(2);
      expect(t.err().length).toBeGreaterThan(10);
    }
  });
});
