/**
 * The Jupyter probe's HTTP request (docs/upstream-v2-beta.md §4.9.3) against a local server: answers, bounds, timeout,
 * errors.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { jupyterGet, podUrl } from '../../lib/reconciler/activity-probe';

let server: http.Server;
let base: string;
const hang: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/ok') res.end('{"last_activity":"2025-01-01T00:00:00Z"}');
    else if (req.url === '/big') res.end('x'.repeat(3 * 1024 * 1024));
    else if (req.url === '/hang') hang.push(res);
    else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hang.forEach((r) => r.destroy());
  await new Promise((r) => server.close(r));
});

test('a 2xx answer with its body; a 404 with its status', async () => {
  expect(await jupyterGet(`${base}/ok`)).toEqual({ kind: 'response', status: 200, body: '{"last_activity":"2025-01-01T00:00:00Z"}' });
  expect(await jupyterGet(`${base}/nope`)).toMatchObject({ kind: 'response', status: 404 });
});

test('the body is read up to 1 MiB only', async () => {
  const r = await jupyterGet(`${base}/big`);
  expect(r.kind === 'response' && r.body.length).toBe(1024 * 1024);
});

test('a server that does not answer is a timeout; a closed port an error', async () => {
  expect(await jupyterGet(`${base}/hang`, 200)).toEqual({ kind: 'timeout' });
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  expect(await jupyterGet(`http://127.0.0.1:${port}/x`)).toMatchObject({ kind: 'error', message: expect.stringContaining('ECONNREFUSED') });
});

test('Pod URLs bracket IPv6 addresses', () => {
  expect(podUrl('10.0.0.7', 8888, '/a')).toBe('http://10.0.0.7:8888/a');
  expect(podUrl('fd00::7', 8888, '/a')).toBe('http://[fd00::7]:8888/a');
});
