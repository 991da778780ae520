import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiError, describePath, isConflict, KubeClient, rbacVerb, RequestRecord } from '../../lib/reconciler/kube/client';
import { Informer } from '../../lib/reconciler/kube/informer';
import { silentLogger } from '../../lib/reconciler/log';
import { MetricsRegistry, metricValue, ReconcilerMetrics } from '../../lib/reconciler/metrics';

describe('RBAC view of API paths', () => {
  test.each([
    ['GET', '/apis/kubeflow.org/v1beta1/workspaces', {}, 'list', 'kubeflow.org', 'workspaces'],
    ['GET', '/apis/kubeflow.org/v1beta1/workspaces', { watch: true }, 'watch', 'kubeflow.org', 'workspaces'],
    ['PATCH', '/apis/kubeflow.org/v1beta1/namespaces/ns/workspaces/w/status', {}, 'patch', 'kubeflow.org', 'workspaces/status'],
    ['PATCH', '/apis/kubeflow.org/v1beta1/workspacekinds/k', {}, 'patch', 'kubeflow.org', 'workspacekinds'],
    ['POST', '/apis/apps/v1/namespaces/ns/statefulsets', {}, 'create', 'apps', 'statefulsets'],
    ['GET', '/api/v1/namespaces/ns/services/svc:http-8888/proxy/workspace/ns/w/jupyterlab/api/status', {}, 'get', '', 'services/proxy'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l', {}, 'get', 'coordination.k8s.io', 'leases'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l', {}, 'update', 'coordination.k8s.io', 'leases'],
  ] as const)('%s %s', (method, path, query, verb, group, resource) => {
    expect(rbacVerb(method, path, query)).toBe(verb);
    expect(describePath(path)).toMatchObject({ group, resource });
  });
});

/** A minimal fake of the list/watch protocol, enough to exercise the client and informer code paths. */
class FakeApi {
  server!: http.Server;
  pages: { items: unknown[]; rv: string }[] = [];
  watchScript: (res: http.ServerResponse, rv: string) => void = () => undefined;
  requests: string[] = [];

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      this.requests.push(`${req.method} ${url.pathname}?${url.searchParams}`);
      if (url.pathname === '/conflict') {
        res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'the object has been modified' }));
        return;
      }
      if (url.pathname === '/exists') {
        res.writeHead(409).end(JSON.stringify({ kind: 'Status', reason: 'AlreadyExists', message: 'already exists' }));
        return;
      }
      if (url.searchParams.get('watch')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        this.watchScript(res, url.searchParams.get('resourceVersion') ?? '');
        return;
      }
      const page = Number(url.searchParams.get('continue') ?? '0');
      const p = this.pages[page];
      const cont = page + 1 < this.pages.length ? String(page + 1) : undefined;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { resourceVersion: p.rv, continue: cont }, items: p.items }));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, ...extra });
const event = (type: string, object: unknown) => JSON.stringify({ type, object }) + '\n';

describe('KubeClient and Informer against a fake API', () => {
  let api: FakeApi;
  let client: KubeClient;
  const records: RequestRecord[] = [];

  beforeEach(async () => {
    api = new FakeApi();
    const server = await api.start();
    records.length = 0;
    client = new KubeClient({ server, tls: {}, headers: async () => ({ authorization: 'Bearer t' }) }, { onRequest: (r) => records.push(r) });
  });

  afterEach(async () => {
    client.close();
    await api.stop();
  });

  test('errors carry the status and reason; conflicts and AlreadyExists are told apart', async () => {
    const conflict = (await client.get('/conflict').catch((e) => e)) as ApiError;
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict.status).toBe(409);
    expect(isConflict(conflict)).toBe(true);
    const exists = (await client.get('/exists').catch((e) => e)) as ApiError;
    expect(exists.reason).toBe('AlreadyExists');
    expect(isConflict(exists)).toBe(false);
    expect(records.map((r) => r.status)).toEqual([409, 409]);
  });

  test('lists page by page, then watches from the list version; handlers and indexes follow', async () => {
    api.pages = [
      { items: [obj('a', '1', { k: 'x' })], rv: '10' },
      { items: [obj('b', '2', { k: 'y' })], rv: '10' },
    ];
    let watchedFrom = '';
    api.watchScript = (res, rv) => {
      watchedFrom = rv;
      res.write(event('ADDED', obj('c', '11', { k: 'x' })));
      res.write(event('MODIFIED', obj('a', '12', { k: 'y' })));
      res.write(event('DELETED', obj('b', '13', { k: 'y' })));
      res.write(event('BOOKMARK', { metadata: { resourceVersion: '20' } }));
    };
    const seen: string[] = [];
    const informer = new Informer<any>({ name: 't', client, path: '/api/v1/things', transform: (o) => o, logger: silentLogger() });
    informer.addIndex('k', (o) => [o.k]);
    informer.addHandlers({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (_old, o) => seen.push(`update ${o.metadata.name}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    await informer.start();
    expect(informer.size).toBe(2);
    await waitFor(() => seen.length === 5);
    expect(seen).toEqual(['add a', 'add b', 'add c', 'update a', 'delete b']);
    expect(watchedFrom).toBe('10');
    expect(informer.byIndex('k', 'x').map((o) => o.metadata.name)).toEqual(['c']);
    expect(informer.byIndex('k', 'y').map((o) => o.metadata.name)).toEqual(['a']);
    expect(api.requests[1]).toContain('continue=1');
    await informer.stop();
  });

  test('410 Gone on the watch: lists again and tells about objects deleted meanwhile', async () => {
    api.pages = [{ items: [obj('a', '1'), obj('b', '1')], rv: '5' }];
    let watches = 0;
    api.watchScript = (res) => {
      watches += 1;
      if (watches === 1) {
        api.pages = [{ items: [obj('a', '1')], rv: '9' }];
        res.end(event('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' }));
      }
    };
    const deleted: string[] = [];
    const informer = new Informer<any>({ name: 't', client, path: '/api/v1/things', transform: (o) => o, logger: silentLogger() });
    informer.addHandlers({ onDelete: (o) => deleted.push(o.metadata.name) });
    await informer.start();
    await waitFor(() => watches === 2);
    expect(deleted).toEqual(['b']);
    expect(api.requests.filter((r) => !r.includes('watch=true'))).toHaveLength(2);
    await informer.stop();
  });

  test('objects written by the reconciler go into the cache without waiting for the watch', async () => {
    api.pages = [{ items: [obj('a', '1')], rv: '1' }];
    const informer = new Informer<any>({ name: 't', client, path: '/api/v1/things', transform: (o) => o, logger: silentLogger() });
    const updates: string[] = [];
    informer.addHandlers({ onUpdate: (_o, n) => updates.push(n.metadata.resourceVersion) });
    await informer.start();
    informer.addIfAbsent(obj('new', '2'));
    expect(informer.get('ns/new')).toBeDefined();
    informer.replaceIfUnchanged(obj('a', '3'), '1');
    expect(informer.get('ns/a').metadata.resourceVersion).toBe('3');
    informer.replaceIfUnchanged(obj('a', '4'), '1'); // based on a stale version: ignored
    expect(informer.get('ns/a').metadata.resourceVersion).toBe('3');
    expect(updates).toEqual([]);
    await informer.stop();
  });
});

describe('metrics', () => {
  test('counters, gauges and histograms in the text format, with escaped labels', async () => {
    const r = new MetricsRegistry(false);
    const c = r.counter('c_total', 'a counter', ['result']);
    c.inc({ result: 'ok' });
    c.inc({ result: 'ok' }, 2);
    c.inc({ result: 'say "hi"\n' });
    r.gauge('g', 'a gauge', [], (g) => g.set(7));
    const h = r.histogram('h_seconds', 'a histogram', [], [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    expect(await r.render()).toBe(
      [
        '# HELP c_total a counter',
        '# TYPE c_total counter',
        'c_total{result="ok"} 3',
        'c_total{result="say \\"hi\\"\\n"} 1',
        '',
        '# HELP g a gauge',
        '# TYPE g gauge',
        'g 7',
        '',
        '# HELP h_seconds a histogram',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.1"} 1',
        'h_seconds_bucket{le="1"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        'h_seconds_sum 5.55',
        'h_seconds_count 3',
        '',
      ].join('\n'),
    );
    expect(r.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(() => r.counter('c_total', 'again')).toThrow('A metric with the name c_total has already been registered');
    expect(() => c.inc({ other: 'x' } as never)).toThrow('Added label "other" is not included in initial labelset');
    expect(await metricValue(c, { result: 'ok' })).toBe(3);
    expect(await metricValue(c)).toBe(4);
    expect(await metricValue(c, { result: 'none' })).toBe(0);
  });

  test('the reconciler exposes every kfws_* metric and the standard process and Node.js metrics', async () => {
    const metrics = new ReconcilerMetrics({
      queueDepth: (g) => g.set({ controller: 'workspace' }, 3),
      workspacesByState: (g) => g.set({ state: 'Running' }, 2),
    });
    metrics.reconciles.inc({ controller: 'workspace', result: 'success' });
    const text = await metrics.registry.render();
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]));
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('kfws_')))).toEqual({
      kfws_reconcile_total: 'counter',
      kfws_reconcile_errors_total: 'counter',
      kfws_reconcile_duration_seconds: 'histogram',
      kfws_api_requests_total: 'counter',
      kfws_workqueue_depth: 'gauge',
      kfws_workspaces: 'gauge',
      kfws_workspaces_on_missing_options: 'gauge',
      kfws_webhook_refusals_total: 'counter',
      kfws_webhook_reservation_writes_total: 'counter',
      kfws_leader: 'gauge',
      kfws_activity_probes_total: 'counter',
      kfws_culled_workspaces_total: 'counter',
      kfws_admission_requests_total: 'counter',
      kfws_admission_duration_seconds: 'histogram',
      kfws_owned_object_refusals_total: 'counter',
    });
    for (const name of [
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(types.has(name)).toBe(true);
    }
    expect(text).toContain('kfws_workqueue_depth{controller="workspace"} 3');
    expect(text).toContain('kfws_workspaces{state="Running"} 2');
    expect(text).toContain('kfws_reconcile_total{controller="workspace",result="success"} 1');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
