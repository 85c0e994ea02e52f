/**
 * Throwaway TLS identities for the test broker, made with openssl: the SSL listeners' own (a
 * self-signed RSA certificate for 127.0.0.1 and localhost, its PEM the CA file a client trusts, and
 * a PEM keystore of key and certificate the broker reads), and a client's for the listener that
 * requires one (a CA the broker trusts and a client certificate it signed, key and certificate as
 * PEM, as kafka.ssl.certFile/keyFile want them).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestTlsIdentity {
  /** Key and certificate in one PEM file (the broker's `ssl.keystore.type=PEM`). */
  readonly keystoreFile: string;
  /** The certificate, PEM: the CA file a client trusts. */
  readonly caFile: string;
}

export interface TestClientIdentity {
  /** PEM of the CA that signed the client certificate: the broker's truststore */
  readonly caFile: string;
  /** the client's certificate and key, PEM (kafka.ssl.certFile / keyFile) */
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: readonly string[]): void {
  const res = spawnSync('openssl', args, { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  if (res.error !== undefined) {
    throw new Error(
      `openssl is missing (${res.error.message}): the test broker's TLS listeners need it for their certificates (Debian: apt-get install openssl)`,
    );
  }
  if (res.status !== 0) {
    throw new Error(
      `openssl ${args[0] ?? ''} failed (exit ${String(res.status ?? res.signal)}): ${res.stderr.trim()}`,
    );
  }
}

const VALIDITY = ['-days', '2'];

/**
 * A new RSA key (unencrypted PEM) and, for it, a certificate request, or with `-x509` among
 * `extra` a self-signed certificate.
 */
function newKey(keyFile: string, out: string, subject: string, extra: readonly string[] = []): void {
  openssl([
    'req',
    ...extra,
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    out,
    '-subj',
    subject,
  ]);
}

/** A self-signed certificate and its unencrypted key, both PEM. */
function selfSigned(keyFile: string, certFile: string, subject: string, altNames?: string): void {
  const san = altNames === undefined ? [] : ['-addext', `subjectAltName=${altNames}`];
  newKey(keyFile, certFile, subject, ['-x509', ...VALIDITY, ...san]);
}

/** Makes `<name>.key`, `<name>.pem` and the keystore `<name>-keystore.pem` in `dir`, valid for two days. */
export function makeTestTlsIdentity(dir: string, name = 'broker'): TestTlsIdentity {
  const keyFile = path.join(dir, `${name}.key`);
  const caFile = path.join(dir, `${name}.pem`);
  const keystoreFile = path.join(dir, `${name}-keystore.pem`);
  selfSigned(keyFile, caFile, `/CN=localhost/O=poisonlink tests (${name})`, 'IP:127.0.0.1,DNS:localhost');
  writeFileSync(keystoreFile, readFileSync(keyFile, 'utf8') + readFileSync(caFile, 'utf8'));
  return { keystoreFile, caFile };
}

/** Makes `client-ca.pem` (and its key), `client.pem` and `client.key` in `dir`, valid for two days. */
export function makeTestClientIdentity(dir: string): TestClientIdentity {
  const caKey = path.join(dir, 'client-ca.key');
  const caFile = path.join(dir, 'client-ca.pem');
  const keyFile = path.join(dir, 'client.key');
  const csr = path.join(dir, 'client.csr');
  const certFile = path.join(dir, 'client.pem');
  selfSigned(caKey, caFile, '/CN=poisonlink test client CA');
  newKey(keyFile, csr, '/CN=poisonlink-test-client');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    certFile,
    ...VALIDITY,
  ]);
  return { caFile, certFile, keyFile };
}
