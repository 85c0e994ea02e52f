import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestClientIdentity, makeTestTlsIdentity } from '../../scripts/kafka/tls.js';
import { resolveConfig } from '../../src/config/load.js';
import { PoisonlinkError } from '../../src/config/errors.js';
import { checkTls } from '../../src/source/tls-check.js';
import { runReplay } from '../replay/helpers.js';

function cfg(sets: Record<string, string>) {
  return resolveConfig({
    env: {},
    sets: Object.entries(sets).map(([p, value]) => ({ path: p, value, origin: '--set' })),
  });
}

/** A listening server on 127.0.0.1, closed after the suite; resolves its port. */
async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

const servers: net.Server[] = [];
let dir = '';
let broker: { key: string; cert: string; caFile: string };
let stranger: { caFile: string };
let client: { caFile: string; certFile: string; keyFile: string };

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'poisonlink-tlscheck-'));
  const b = makeTestTlsIdentity(dir, 'broker');
  broker = {
    key: readFileSync(path.join(dir, 'broker.key'), 'utf8'),
    cert: readFileSync(b.caFile, 'utf8'),
    caFile: b.caFile,
  };
  stranger = makeTestTlsIdentity(dir, 'stranger');
  client = makeTestClientIdentity(dir);
});

afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A TLS "broker" that answers any request with four bytes and records the first bytes it got. */
async function tlsBroker(opts: tls.TlsOptions = {}): Promise<{ port: number; got: Buffer[] }> {
  const got: Buffer[] = [];
  const server = tls.createServer({ key: broker.key, cert: broker.cert, ...opts }, (s) => {
    s.on('data', (d: Buffer) => {
      got.push(d);
      s.write(Buffer.from([0, 0, 0, 0]));
    });
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  return { port: await listen(server), got };
}

async function refusal(sets: Record<string, string>): Promise<PoisonlinkError> {
  const e = await checkTls(cfg(sets)).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PoisonlinkError);
  const err = e as PoisonlinkError;
  expect(err.code).toBe('KAFKA_CONNECTION_FAILED');
  expect(err.retriable).toBe(false);
  return err;
}

describe('the TLS check before kafkajs connects', () => {
  it('passes a broker whose certificate kafka.ssl.caFile signs, after sending it an ApiVersions request', async () => {
    const b = await tlsBroker();
    await checkTls(
      cfg({
        'kafka.brokers': `127.0.0.1:${b.port}`,
        'kafka.ssl.enabled': 'true',
        'kafka.ssl.caFile': broker.caFile,
      }),
    );
    const req = Buffer.concat(b.got);
    // size, then api key 18 (ApiVersions), version 0, correlation id 1
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    expect([req.readInt16BE(4), req.readInt16BE(6), req.readInt32BE(8)]).toEqual([18, 0, 1]);
  });

  it('fails at once on a broker certificate kafka.ssl.caFile does not sign, naming the CA file', async () => {
    const b = await tlsBroker();
    const brokers = `127.0.0.1:${b.port}`;
    const err = await refusal({
      'kafka.brokers': brokers,
      'kafka.ssl.enabled': 'true',
      'kafka.ssl.caFile': stranger.caFile,
    });
    expect(err.message).toContain(`the TLS certificate of the broker at ${brokers} was refused`);
    expect(err.message).toContain(`kafka.ssl.caFile (${stranger.caFile})`);
  });

  it('fails at once when the broker requires a client certificate and none is set', async () => {
    const b = await tlsBroker({
      requestCert: true,
      rejectUnauthorized: true,
      ca: readFileSync(client.caFile),
    });
    const sets = {
      'kafka.brokers': `127.0.0.1:${b.port}`,
      'kafka.ssl.enabled': 'true',
      'kafka.ssl.caFile': broker.caFile,
    };
    const err = await refusal(sets);
    expect(err.message).toContain("refused this client's TLS certificate: it requires one");
    // and passes with one
    await checkTls(
      cfg({ ...sets, 'kafka.ssl.certFile': client.certFile, 'kafka.ssl.keyFile': client.keyFile }),
    );
  });

  it('fails at once on a listener that does not speak TLS', async () => {
    const port = await listen(
      net.createServer((s) => {
        s.on('error', () => {});
        s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      }),
    );
    const err = await refusal({ 'kafka.brokers': `127.0.0.1:${port}`, 'kafka.ssl.enabled': 'true' });
    expect(err.message).toContain('no TLS handshake with the broker');
  });

  it('leaves a broker that is not reachable yet to kafkajs, and tries the next one', async () => {
    const closed = await listen(net.createServer());
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    const b = await tlsBroker();
    const before = b.got.length;
    await checkTls(
      cfg({
        'kafka.brokers': `127.0.0.1:${closed},127.0.0.1:${b.port}`,
        'kafka.ssl.enabled': 'true',
        'kafka.ssl.caFile': broker.caFile,
      }),
    );
    expect(b.got.length).toBeGreaterThan(before);
    // only unreachable brokers: nothing to say yet
    await checkTls(cfg({ 'kafka.brokers': `127.0.0.1:${closed}`, 'kafka.ssl.enabled': 'true' }));
  });

  it('stops poisonlink replay of a topic at once, with exit code 1, on a certificate it refuses', async () => {
    const b = await tlsBroker();
    const brokers = `127.0.0.1:${b.port}`;
    const set = (kv: string) => ['--set', kv];
    const r = await runReplay([
      '--topic',
      'kernel-log-events',
      '--output',
      '-',
      ...set(`kafka.brokers=${brokers}`),
      ...set('kafka.ssl.enabled=true'),
      ...set(`kafka.ssl.caFile=${stranger.caFile}`),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('checking the TLS connection to Kafka');
    expect(r.stderr).toContain(`the TLS certificate of the broker at ${brokers} was refused`);
  });

  it('does nothing without kafka.ssl.enabled', async () => {
    const b = await tlsBroker();
    await checkTls(cfg({ 'kafka.brokers': `127.0.0.1:${b.port}` }));
    expect(b.got).toEqual([]);
  });
});
