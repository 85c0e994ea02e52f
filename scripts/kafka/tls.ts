/**
 * A throwaway TLS identity for the test broker's SSL listener, made with the JDK's keytool (the
 * broker already needs a JDK, so no other tool is required): a self-signed RSA certificate for
 * 127.0.0.1 and localhost in a PKCS12 keystore the broker reads, and the same certificate as PEM,
 * which a client trusts as its CA file.
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
