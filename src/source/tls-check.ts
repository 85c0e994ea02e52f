/**
 * A TLS check before kafkajs connects. kafkajs retries a refused TLS handshake like any lost
 * connection, so a CA file that does not sign the broker, or a missing client certificate, only
 * surfaced after ~40 s of its retries. Here one TLS connection to the first broker that answers
 * sends a Kafka ApiVersions request (allowed before SASL) and waits for its answer: a certificate
 * the client refuses, a client certificate the broker refuses (TLS 1.3 sends that alert after the
 * handshake, so the answer to a request is what proves acceptance) or a listener that does not
 * speak TLS fail start-up at once with the error `toPoisonlinkError` gives them. Anything else
 * (a broker not reachable yet, a timeout) is left to kafkajs and its retries, as before.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { PoisonlinkError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { kafkaClientConfig, toPoisonlinkError } from './kafka-client.js';

/** ApiVersions v0, correlation id 1, client id `poisonlink-tls-check`. */
function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from('poisonlink-tls-check', 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // api key: ApiVersions
  body.writeInt16BE(0, 2); // version 0
  body.writeInt32BE(1, 4); // correlation id
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

function hostPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(broker.slice(at + 1)) };
}

/** 'ok', or the error the connection failed with. */
function probe(broker: string, options: tls.ConnectionOptions, timeoutMs: number): Promise<'ok' | Error> {
  const { host, port } = hostPort(broker);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: 'ok' | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const socket = tls.connect({
      ...options,
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
    });
    const timer = setTimeout(
      () => done(new Error(`no answer from ${broker} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('secureConnect', () => socket.write(apiVersionsRequest()));
    socket.on('data', () => done('ok'));
    socket.once('error', (e) => done(e));
    socket.once('close', () => done(new Error(`${broker} closed the connection before answering`)));
  });
}

/**
 * With `kafka.ssl.enabled`, connects to the brokers in turn until one answers or refuses TLS;
 * throws the non-retriable error of a refusal, returns otherwise.
 */
export async function checkTls(config: Config, timeoutMs = 5_000): Promise<void> {
  if (!config.kafka.ssl.enabled) return;
  const ssl = kafkaClientConfig(config).ssl;
  const options: tls.ConnectionOptions = typeof ssl === 'object' ? ssl : {};
  for (const broker of config.kafka.brokers) {
    const r = await probe(broker, options, timeoutMs);
    if (r === 'ok') return;
    const err: PoisonlinkError = toPoisonlinkError(r, config, 'checking the TLS connection to Kafka');
    if (err.code === 'KAFKA_CONNECTION_FAILED' && !err.retriable) throw err;
  }
}
