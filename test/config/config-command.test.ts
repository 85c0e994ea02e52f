import { afterEach, describe, expect, it, vi } from 'vitest';
import { configCommand } from '../../src/cli/run.js';

describe('poisonlink config', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the defaults as commented YAML', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    expect(await configCommand(['--print-defaults'])).toBe(0);
    expect(out.join('')).toContain('  # bootstrap brokers, host:port\n  brokers: [localhost:9092]\n');
  });

  it('checks a configuration and prints it with the password redacted', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    vi.stubEnv('POISONLINK_KAFKA_SASL_PASSWORD', 'topsecret');
    try {
      const code = await configCommand([
        '--check',
        '--set',
        'kafka.sasl.mechanism=plain',
        '--set',
        'kafka.sasl.username=u',
      ]);
      expect(code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const printed = JSON.parse(out.join('')) as { kafka: { sasl: { password: string; username: string } } };
    expect(printed.kafka.sasl).toMatchObject({ username: 'u', password: '[redacted]' });
  });

  it('exits 2 when the configuration is invalid', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err.push(String(s));
      return true;
    });
    expect(await configCommand(['--check', '--set', 'http.port=-1'])).toBe(2);
    expect(err.join('')).toContain('http.port: expected 0..65535, found -1 [--set]');
  });
});
