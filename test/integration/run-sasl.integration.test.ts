import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  eventRecord,
  produce,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

function scramUser(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512') {
  const u = kafkaConnection().scram.find((s) => s.mechanism === mechanism);
  if (u === undefined) throw new Error(`the test broker has no ${mechanism} user`);
  return u;
}

describe('poisonlink run against the SASL/SCRAM listener', () => {
  const suite = kafkaSuite('run-sasl-test');

  it('logs in with SCRAM-SHA-512, processes records, serves /readyz and exits 0 on SIGTERM without printing the password', async () => {
    const user = scramUser('SCRAM-SHA-512');
    const t = runTopics(uniqueTopic, 'sasl512');
    await createTopic(suite.admin, t.input, 2);
    await produce(
      suite.kafka,
      t.input,
      Array.from({ length: 20 }, (_, i) => ({
        key: `h${i % 4}`,
        value: eventRecord({ host: `h${i % 4}`, ts: 1_760_000_000_000_000 + i, message: `line ${i}` }),
      })),
    );
    const sets = runSets(kafkaConnection().saslBootstrap!, t, {
      'kafka.sasl.mechanism': 'scram-sha-512',
      'kafka.sasl.username': user.username,
    });
    const run = spawnRun(setArgs(sets), { POISONLINK_KAFKA_SASL_PASSWORD: user.password });
    try {
      const http = await run.waitForLog((l) => l['msg'] === 'http listening', 30_000);
      await waitForCommitted(suite.admin, t.groupId, t.input, 90_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${run.tail()}`);
      });
      const base = `http://127.0.0.1:${http['port']}`;
      let ready = 0;
      for (let i = 0; i < 50 && ready !== 200; i++) {
        ready = (await fetch(`${base}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`poisonlink_records_consumed_total{topic="${t.input}"} 20`);
      // fed by real values: every record consumed, and event time (2025-10-09) far behind the wall clock
      for (const p of [0, 1]) {
        expect(metrics).toContain(`poisonlink_consumer_lag_records{topic="${t.input}",partition="${p}"} 0`);
        const lag = new RegExp(
          `poisonlink_event_time_lag_seconds\\{partition="${p}"\\} (\\d+(?:\\.\\d+)?)`,
        ).exec(metrics);
        expect(Number(lag?.[1])).toBeGreaterThan(30 * 86_400);
      }
      expect(metrics).toMatch(/poisonlink_batch_duration_seconds_count [1-9]/);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.lines.some((l) => l['msg'] === 'processor stopped')).toBe(true);
      const all = JSON.stringify(run.lines) + run.stderr.join('');
      expect(all).not.toContain(user.password);
      expect(all).toContain('[redacted]');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('logs in with SCRAM-SHA-256 reading the password from passwordFile', async () => {
    const user = scramUser('SCRAM-SHA-256');
    const t = runTopics(uniqueTopic, 'sasl256');
    await createTopic(suite.admin, t.input, 1);
    await produce(suite.kafka, t.input, [
      { key: 'h', value: eventRecord({ host: 'h', ts: 1, message: 'x' }) },
    ]);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'plsasl-')), 'password');
    writeFileSync(file, `${user.password}\n`);
    const sets = runSets(kafkaConnection().saslBootstrap!, t, {
      'kafka.sasl.mechanism': 'scram-sha-256',
      'kafka.sasl.username': user.username,
      'kafka.sasl.passwordFile': file,
    });
    const run = spawnRun(setArgs(sets));
    try {
      await waitForCommitted(suite.admin, t.groupId, t.input, 90_000);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('exits non-zero with a clear KAFKA_AUTH_FAILED error for a wrong password, and never prints it', async () => {
    const user = scramUser('SCRAM-SHA-512');
    const t = runTopics(uniqueTopic, 'saslbad');
    await createTopic(suite.admin, t.input, 1);
    const wrong = 'definitely-not-the-password';
    const sets = runSets(kafkaConnection().saslBootstrap!, t, {
      'kafka.sasl.mechanism': 'scram-sha-512',
      'kafka.sasl.username': user.username,
    });
    const run = spawnRun(setArgs(sets), { POISONLINK_KAFKA_SASL_PASSWORD: wrong });
    const code = await Promise.race([
      run.exited,
      new Promise<'hang'>((r) => setTimeout(() => r('hang'), 60_000)),
    ]);
    run.child.kill('SIGKILL');
    expect(code).toBe(1);
    const err = run.lines.find((l) => l['level'] === 'error');
    expect(err?.['code']).toBe('KAFKA_AUTH_FAILED');
    expect(String(err?.['error'])).toContain(`refused SASL scram-sha-512 login for user '${user.username}'`);
    const all = JSON.stringify(run.lines) + run.stderr.join('');
    expect(all).not.toContain(wrong);
  });

  it('exits 2 listing every configuration problem before touching Kafka', async () => {
    const run = spawnRun(['--set', 'http.port=99999', '--set', 'kafka.sasl.mechanism=scram-sha-256'], {
      POISONLINK_CORRELATION_HORIZON_MS: 'soon',
    });
    expect(await run.exited).toBe(2);
    const text = run.stderr.join('');
    expect(text).toContain('http.port: expected 0..65535, found 99999 [--set]');
    expect(text).toContain(
      "correlation.horizonMs: expected an integer, found 'soon' [POISONLINK_CORRELATION_HORIZON_MS]",
    );
    expect(text).toContain('kafka.sasl.username: required when mechanism is scram-sha-256');
  });
});
