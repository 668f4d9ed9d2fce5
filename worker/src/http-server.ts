import { createServer, type Server } from 'node:http';
import type { WorkerMetrics } from './metrics.ts';

export interface Health {
  /** Joined the group (with partitions, or idle because instances outnumber partitions) and not stopping. */
  ready(): boolean;
}

/** /healthz (the event loop answers), /readyz (joined and consuming), /metrics (Prometheus). */
export function startHttpServer(
  port: number,
  health: Health,
  metrics: WorkerMetrics,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = health.ready();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (err: Error) =>
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '0.0.0.0', () => ok(server));
  });
}
