import { mergePatchBetween, normalisePodTemplate } from '../../lib/core/drift';
import { semanticEqual } from '../../lib/core/validation/equality';

const same = (a: unknown, b: unknown): boolean => semanticEqual(normalisePodTemplate(a), normalisePodTemplate(b));

describe('Pod template normalisation', () => {
  const rendered = {
    metadata: { labels: { a: '1' } },
    spec: {
      serviceAccountName: 'sa',
      containers: [
        {
          name: 'main',
          image: 'img',
          ports: [{ name: 'http-8888', containerPort: 8888, protocol: 'TCP' }],
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }],
          resources: { requests: { cpu: '1000m', memory: '1Gi' }, limits: { 'nvidia.com/gpu': 1 } },
          readinessProbe: { httpGet: { port: 8888 } },
        },
      ],
      volumes: [
        { name: 'cm', configMap: { name: 'x' } },
        { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } },
        { name: 'tmp', emptyDir: { sizeLimit: '1024Mi' } },
        { name: 'host', hostPath: { path: '/x' } },
      ],
    },
  };
  const defaulted = {
    metadata: { labels: { a: '1' }, creationTimestamp: null },
    spec: {
      serviceAccountName: 'sa',
      serviceAccount: 'sa',
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      enableServiceLinks: true,
      securityContext: {},
      containers: [
        {
          name: 'main',
          image: 'img',
          ports: [{ name: 'http-8888', containerPort: 8888, protocol: 'TCP' }],
          env: [
            { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '0' } } },
          ],
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { 'nvidia.com/gpu': '1' } },
          readinessProbe: { httpGet: { port: 8888, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      volumes: [
        { name: 'cm', configMap: { name: 'x', defaultMode: 420 } },
        { name: 'proj', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }] } },
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
        { name: 'host', hostPath: { path: '/x', type: '' } },
      ],
    },
  };

  test('server defaults and canonical quantities are not drift', () => {
    expect(same(rendered, defaulted)).toBe(true);
  });

  test('a non-default value where a default is expected is drift', () => {
    const changed = structuredClone(defaulted);
    changed.spec.containers[0].readinessProbe.timeoutSeconds = 5;
    expect(same(rendered, changed)).toBe(false);
    const grace = structuredClone(defaulted);
    grace.spec.terminationGracePeriodSeconds = 60;
    expect(same(rendered, grace)).toBe(false);
  });

  test('a different quantity, an extra label or a removed volume is drift', () => {
    const cpu = structuredClone(defaulted);
    cpu.spec.containers[0].resources.requests.cpu = '2';
    expect(same(rendered, cpu)).toBe(false);
    const label = structuredClone(defaulted);
    (label.metadata.labels as Record<string, string>).b = '2';
    expect(same(rendered, label)).toBe(false);
    const volumes = structuredClone(defaulted);
    volumes.spec.volumes.pop();
    expect(same(rendered, volumes)).toBe(false);
  });
});

describe('mergePatchBetween', () => {
  test('sets changed keys, nulls removed ones, replaces lists, leaves equal ones out', () => {
    const live = { a: 1, b: { c: 2, d: 3 }, list: [1, 2], keep: 'x', gone: { deep: true } };
    const desired = { a: 2, b: { c: 2 }, list: [1], keep: 'x', added: 'y' };
    expect(mergePatchBetween(live, desired)).toEqual({ a: 2, b: { d: null }, list: [1], gone: null, added: 'y' });
  });

  test('applying the patch (RFC 7386) yields the desired object', () => {
    const apply = (target: any, patch: any): any => {
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
      const out = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete out[k];
        else out[k] = apply(out[k], v);
      }
      return out;
    };
    const live = { spec: { containers: [{ name: 'main', image: 'a' }], affinity: { x: 1 }, dnsPolicy: 'ClusterFirst' }, metadata: { labels: { a: '1', b: '2' } } };
    const desired = { spec: { containers: [{ name: 'main', image: 'b' }] }, metadata: { labels: { a: '1' } } };
    expect(apply(live, mergePatchBetween(live, desired))).toEqual(desired);
  });
});
