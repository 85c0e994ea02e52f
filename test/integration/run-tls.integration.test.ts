/**
 * `poisonlink run` over TLS (kafka.ssl.*) against the broker's SSL listeners, whose certificates the
 * global setup made (scripts/kafka/tls.ts): records are processed with the CA file that signs the
 * broker's certificate, and with a client certificate where the broker requires one; a CA file that
 * does not sign it, or a missing client certificate, is refused with an error that says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestTlsIdentity } from '../../scripts/kafka/tls.js';
import {
  eventRecord,
  produce,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, kafkaSuite, uniqueTopic } from './kafka-env.js';

function sslListener(): { bootstrap: string; caFile: string } {
  const ssl = kafkaConnection().ssl;
  if (ssl === null) {
    throw new Error(
      'the TLS tests need the broker’s SSL listener: set KAFKA_SSL_BOOTSTRAP and KAFKA_SSL_CA_FILE',
    );
  }
  return ssl;
}

describe('poisonlink run over TLS', () => {
  const suite = kafkaSuite('run-tls-test');
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /**
   * Runs `poisonlink run` with `sets`, which must give up within 90 s: exit 1 with a non-retriable
   * KAFKA_CONNECTION_FAILED from the TLS check before kafkajs connects (src/source/tls-check.ts),
   * not from kafkajs after its retries. Returns the error's text.
   */
  async function refusal(sets: Record<string, string>): Promise<string> {
    const run = spawnRun(setArgs(sets));
    suite.children.push(run);
    const code = await Promise.race([
      run.exited,
      new Promise<'hang'>((r) => setTimeout(() => r('hang'), 90_000)),
    ]);
    run.child.kill('SIGKILL');
    expect(code, run.tail()).toBe(1);
    const err = run.lines.find((l) => l['level'] === 'error');
    expect(err?.['code']).toBe('KAFKA_CONNECTION_FAILED');
    expect(err?.['retriable']).toBe(false);
    expect(String(err?.['error'])).toContain(
      'KAFKA_CONNECTION_FAILED: checking the TLS connection to Kafka: ',
    );
    return String(err?.['error']);
  }

  /**
   * `poisonlink run` with the TLS settings `tls` on `bootstrap` commits every record of a fresh topic,
   * logs no error and exits 0 on SIGTERM.
   */
  async function accepted(name: string, bootstrap: string, tls: Record<string, string>): Promise<void> {
    const t = runTopics(uniqueTopic, name);
    await createTopic(suite.admin, t.input, 2);
    const T = 1_790_000_000_000_000;
    await produce(
      suite.kafka,
      t.input,
      Array.from({ length: 200 }, (_, i) => ({
        key: `${name}-${i % 10}`,
        value: eventRecord({ host: `${name}-${i % 10}`, ts: T + i * 1000, message: 'eth0: link up' }),
      })),
    );
    const run = spawnRun(setArgs(runSets(bootstrap, t, { 'kafka.ssl.enabled': 'true', ...tls })));
    suite.children.push(run);
    await waitForCommitted(suite.admin, t.groupId, t.input, 90_000);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.tail()).toBe(0);
    expect(
      run.lines.some((l) => l['level'] === 'error'),
      run.tail(),
    ).toBe(false);
  }

  it('processes records through the SSL listener with kafka.ssl.caFile and exits 0 on SIGTERM', async () => {
    const ssl = sslListener();
    await accepted('tls', ssl.bootstrap, { 'kafka.ssl.caFile': ssl.caFile });
  });

  it('logs in with a client certificate (kafka.ssl.certFile, keyFile) where the broker requires one, and says so when none is set', async () => {
    const ssl = sslListener();
    const mtls = kafkaConnection().mtls;
    if (mtls === null)
      throw new Error(
        'the mutual-TLS test needs KAFKA_MTLS_BOOTSTRAP, KAFKA_MTLS_CERT_FILE and KAFKA_MTLS_KEY_FILE',
      );
    await accepted('mtls', mtls.bootstrap, {
      'kafka.ssl.caFile': ssl.caFile,
      'kafka.ssl.certFile': mtls.certFile,
      'kafka.ssl.keyFile': mtls.keyFile,
    });

    // the same listener without the client certificate
    const err = await refusal(
      runSets(mtls.bootstrap, runTopics(uniqueTopic, 'mtlsbad'), {
        'kafka.ssl.enabled': 'true',
        'kafka.ssl.caFile': ssl.caFile,
      }),
    );
    expect(err).toContain(
      `the broker at ${mtls.bootstrap} refused this client's TLS certificate: it requires one`,
    );
  });

  it('refuses a broker whose certificate kafka.ssl.caFile does not sign, saying so', async () => {
    const ssl = sslListener();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'poisonlink-tls-'));
    dirs.push(dir);
    const stranger = makeTestTlsIdentity(dir, 'stranger');
    const t = runTopics(uniqueTopic, 'tlsbad');
    await createTopic(suite.admin, t.input, 1);
    const err = await refusal(
      runSets(ssl.bootstrap, t, { 'kafka.ssl.enabled': 'true', 'kafka.ssl.caFile': stranger.caFile }),
    );
    expect(err).toContain(`the TLS certificate of the broker at ${ssl.bootstrap} was refused`);
    expect(err).toContain(`kafka.ssl.caFile (${stranger.caFile})`);
  });
});
