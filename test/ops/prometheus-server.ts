/**
 * Starts a real Prometheus server (the Debian package's binary that scripts/ci/10-tools.sh installs,
 * or one in .cache/tools/bin) on a free loopback port with a temporary config, and queries it
 * through its HTTP API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './contract.js';

export function findBinary(name: string): string | null {
  const dirs = [
    path.join(REPO_ROOT, '.cache', 'tools', 'bin'),
    ...(process.env['PATH'] ?? '').split(path.delimiter),
  ];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

export interface PrometheusServer {
  readonly url: string;
  query(expr: string): Promise<QueryResult>;
  /** GET an API path (e.g. `/api/v1/rules`) and return the parsed JSON */
  api<T>(pathAndQuery: string): Promise<T>;
  /** the server's stderr so far, for failure messages */
  logs(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port targets scraped as job="poisonlink" every second */
  targets: string[];
  ruleFiles?: string[];
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = findBinary('prometheus');
  if (binary === null) {
    throw new Error(
      'prometheus binary not found in .cache/tools/bin or on PATH: run scripts/ci/10-tools.sh ' +
        '(installs the Debian package prometheus) before the integration tests',
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'poisonlink-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    '  evaluation_interval: 1s',
    `rule_files: ${JSON.stringify(options.ruleFiles ?? [])}`,
    'scrape_configs:',
    '  - job_name: poisonlink',
    '    static_configs:',
    `      - targets: ${JSON.stringify(options.targets)}`,
    '',
  ].join('\n');
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  let stderr = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = code ?? (signal === null ? -1 : 128);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`prometheus exited with ${exited} before it was ready:\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 30 s:\n${stderr}`);
    }
    await sleep(200);
  }

  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }).toString(),
      });
      return (await res.json()) as QueryResult;
    },
    async api<T>(pathAndQuery: string) {
      const res = await fetch(`${url}${pathAndQuery}`);
      return (await res.json()) as T;
    },
    logs: () => stderr,
    stop,
  };
}
