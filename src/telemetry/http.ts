/** /metrics, /healthz and /readyz on node:http. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthSource {
  /** the process is alive and its loop is not wedged on a fatal error */
  healthy(): boolean;
  /** partitions are assigned and every assigned partition's state is restored */
  ready(): boolean;
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(
  port: number,
  registry: Registry,
  health: HealthSource,
): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (url === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, text, registry.contentType),
        (e: unknown) => reply(500, `metrics failed: ${e instanceof Error ? e.message : String(e)}\n`),
      );
      return;
    }
    if (url === '/healthz') return health.healthy() ? reply(200, 'ok\n') : reply(503, 'unhealthy\n');
    if (url === '/readyz') return health.ready() ? reply(200, 'ready\n') : reply(503, 'not ready\n');
    reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
