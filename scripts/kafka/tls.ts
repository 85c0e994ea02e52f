/**
 * Throwaway TLS identities for the test broker. The SSL listener's: made with the JDK's keytool (the
 * broker needs a JDK already), a self-signed RSA certificate for 127.0.0.1 and localhost in a PKCS12
 * keystore the broker reads, and the same certificate as PEM, which a client trusts as its CA file.
 * The client's, for the listener that requires one (mutual TLS): made with openssl, because kafkajs
 * wants the private key as PEM, which keytool cannot write: a CA the broker trusts and a client
 * certificate it signed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TestTlsIdentity {
  /** PKCS12 keystore holding the key and the certificate (broker side). */
  readonly keystoreFile: string;
  readonly password: string;
  /** The certificate, PEM: the CA file a client trusts. */
  readonly caFile: string;
}

/** `keytool` next to `javaBin` (or from PATH when the JVM is found on PATH). */
export function keytoolOf(javaBin: string): string {
  return path.join(path.dirname(javaBin), 'keytool');
}

function keytool(bin: string, args: readonly string[]): void {
  const res = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  if (res.status !== 0) {
    const why = res.error !== undefined ? res.error.message : `exit ${String(res.status ?? res.signal)}`;
    throw new Error(
      `keytool ${args[0] ?? ''} failed (${why}): ${`${res.stdout ?? ''}${res.stderr ?? ''}`.trim()}`,
    );
  }
}

/** Makes `<name>.p12` and `<name>.pem` in `dir`, valid for two days. */
export function makeTestTlsIdentity(dir: string, javaBin: string, name = 'broker'): TestTlsIdentity {
  const bin = keytoolOf(javaBin);
  const keystoreFile = path.join(dir, `${name}.p12`);
  const caFile = path.join(dir, `${name}.pem`);
  const password = randomBytes(12).toString('hex');
  const store = ['-keystore', keystoreFile, '-storetype', 'PKCS12', '-storepass', password];
  keytool(bin, [
    '-genkeypair',
    '-alias',
    name,
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-validity',
    '2',
    '-dname',
    `CN=localhost, O=poisonlink tests (${name})`,
    '-ext',
    'SAN=IP:127.0.0.1,DNS:localhost',
    '-keypass',
    password,
    ...store,
  ]);
  keytool(bin, ['-exportcert', '-rfc', '-alias', name, '-file', caFile, ...store]);
  if (!readFileSync(caFile, 'utf8').includes('BEGIN CERTIFICATE')) {
    throw new Error(`keytool -exportcert wrote no PEM certificate to ${caFile}`);
  }
  return { keystoreFile, password, caFile };
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
      `openssl is missing (${res.error.message}): the mutual-TLS listener of the test broker needs it to make a client certificate (Debian: apt-get install openssl)`,
    );
  }
  if (res.status !== 0) {
    throw new Error(
      `openssl ${args[0] ?? ''} failed (exit ${String(res.status ?? res.signal)}): ${res.stderr.trim()}`,
    );
  }
}

/** Makes `client-ca.pem` (and its key), `client.pem` and `client.key` in `dir`, valid for two days. */
export function makeTestClientIdentity(dir: string): TestClientIdentity {
  const caKey = path.join(dir, 'client-ca.key');
  const caFile = path.join(dir, 'client-ca.pem');
  const keyFile = path.join(dir, 'client.key');
  const csr = path.join(dir, 'client.csr');
  const certFile = path.join(dir, 'client.pem');
  const days = ['-days', '2'];
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caFile,
    ...days,
    '-subj',
    '/CN=poisonlink test client CA',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    '/CN=poisonlink-test-client',
  ]);
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
    ...days,
  ]);
  return { caFile, certFile, keyFile };
}
