/** Plain-HTTP endpoints of the process: health checks and Prometheus metrics. */
import * as http from 'node:http';

export interface EndpointResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface Endpoint {
  (): EndpointResponse | Promise<EndpointResponse>;
}

/** Serves GET on the given paths; resolves once listening (port 0 picks a free port, see `address()`). */
export function serve(host: string, port: number, routes: Readonly<Partial<Record<string, Endpoint>>>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[path];
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(route ? 405 : 404, { 'content-type': 'text/plain' }).end(route ? 'method not allowed\n' : 'not found\n');
      return;
    }
    Promise.resolve()
      .then(route)
      .then(
        ({ status, body, contentType }) => {
          res.writeHead(status, { 'content-type': contentType ?? 'text/plain; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
        },
        (err) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
        },
      );
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
