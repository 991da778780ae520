/**
 * fast-check arbitraries of (WorkspaceKind, Workspace) pairs for the differential test against the API server.
 *
 * Shapes, required fields, enums, list-map keys and length/pattern limits follow the CRD schemas
 * (lib/core/generated/crd-schemas.json, read here for the limits), so that most pairs pass the schema and the webhook
 * rules; the values the controller copies into the StatefulSet, Pod template and Service are drawn from mixes of
 * valid and odd values (long and dotted names, unicode, `=` in env names, unknown port ids, bad quantities, probes
 * with no or two handlers, ...), which is where the render-time rules decide.
 */
import * as fc from 'fast-check';
import schemas from '../../../lib/core/generated/crd-schemas.json';
import { DEFAULT_API_REVISION } from '../../../lib/core/revision';

type Json = any;

const KIND_PT = (schemas as Json)[DEFAULT_API_REVISION].WorkspaceKind.properties.spec.properties.podTemplate.properties;
const WS_PT = (schemas as Json)[DEFAULT_API_REVISION].Workspace.properties.spec.properties.podTemplate.properties;
const OPTION_ID_MAX = KIND_PT.options.properties.imageConfig.properties.values.items.properties.id.maxLength as number;
const PORT_ID_MAX = KIND_PT.ports.items.properties.id.maxLength as number;
const PVC_MAX = WS_PT.volumes.properties.home.maxLength as number;
const PORT_MAX = KIND_PT.options.properties.imageConfig.properties.values.items.properties.spec.properties.ports.items.properties.port.maximum as number;

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A lowercase RFC 1123 label of `min`..`max` characters. */
function dnsLabel(min: number, max: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: fc.constantFrom(...`${LOWER}-`.split('')), minLength: Math.max(0, min - 2), maxLength: Math.max(0, max - 2) })
    .chain((middle) =>
      fc.tuple(fc.constantFrom(...LOWER.split('')), fc.constantFrom(...LOWER.split(''))).map(([a, b]) => `${a}${middle}${b}`.slice(0, max)),
    )
    .map((s) => (s.endsWith('-') ? `${s.slice(0, -1)}z` : s));
}

/** The arbitraries of one pair: with `odd`, odd and invalid values are mixed in; without, only valid ones. */
function parts(odd: boolean) {
  const bad = (weight: number): number => (odd ? weight : 0);
/** Workspace names: mostly labels, and the names the controller cannot serve (long subdomains, dots, unicode). */
const workspaceName: fc.Arbitrary<string> = fc.oneof(
  { weight: 24, arbitrary: dnsLabel(1, 63) },
  { weight: 1, arbitrary: fc.constant('a'.repeat(63)) },
  { weight: bad(1), arbitrary: dnsLabel(64, 200) },
  { weight: bad(1), arbitrary: fc.tuple(dnsLabel(1, 30), dnsLabel(1, 30)).map(([a, b]) => `${a}.${b}`) },
  { weight: bad(1), arbitrary: fc.tuple(dnsLabel(50, 62), dnsLabel(1, 62), dnsLabel(1, 62)).map((p) => p.join('.')) },
  { weight: bad(1), arbitrary: fc.constantFrom('alice.vscode', 'é-unicode', 'UPPER', 'ws-', 'a'.repeat(64)) },
);

const portId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('jupyterlab', 'code_server', 'web-1', 'a1', 'rstudio') },
  { weight: 1, arbitrary: dnsLabel(2, PORT_ID_MAX) },
);

const quantity: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 20, arbitrary: fc.tuple(fc.integer({ min: 0, max: 4096 }), fc.constantFrom('', 'm', 'Mi', 'Gi', 'k', 'M', 'Ki', 'e3')).map(([n, u]) => `${n}${u}`) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom('0.5', '100m', '1.5Gi', '1e-3') },
  { weight: bad(1), arbitrary: fc.constantFrom('-1', '-500m', 'lots', '1GB') },
);

const resourceName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('cpu', 'memory', 'ephemeral-storage') },
  { weight: bad(1), arbitrary: fc.constantFrom('nvidia.com/gpu', 'example.com/foo', 'gpu', 'requests.cpu', 'kubernetes.io/foo') },
);

const resources = fc.record(
  {
    requests: fc.dictionary(resourceName, quantity, { maxKeys: 3 }),
    limits: fc.dictionary(resourceName, quantity, { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

const labelKey = fc.oneof(
  { weight: 20, arbitrary: fc.tuple(fc.option(dnsLabel(1, 20), { nil: undefined }), dnsLabel(1, 40)).map(([p, n]) => (p ? `${p}.io/${n}` : n)) },
  { weight: bad(1), arbitrary: fc.constantFrom('bad key', 'a/b/c', '-x', 'é', 'k'.repeat(64)) },
);
const labelValue = fc.oneof(
  { weight: 20, arbitrary: fc.oneof(fc.constant(''), dnsLabel(1, 63)) },
  { weight: bad(1), arbitrary: fc.constantFrom('bad value!', 'v'.repeat(64), 'x.', 'Ünï') },
);

const toleration = fc.record(
  {
    key: fc.oneof(labelKey, fc.constant('')),
    operator: fc.constantFrom('Equal', 'Exists', '', 'Exists'),
    value: labelValue,
    effect: fc.oneof(fc.constantFrom('', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'), { weight: bad(1), arbitrary: fc.constant('Bogus') }),
    tolerationSeconds: fc.integer({ min: 0, max: 3600 }),
  },
  { requiredKeys: ['key', 'operator', 'value', 'effect'] },
).map((t) => {
  if (odd) return t;
  // A valid toleration: Exists has no value, an empty key needs Exists, seconds only with NoExecute.
  const op = t.key === '' ? 'Exists' : t.operator;
  return { key: t.key, operator: op, value: op === 'Exists' ? '' : t.value, effect: t.effect, ...(t.effect === 'NoExecute' && t.tolerationSeconds !== undefined ? { tolerationSeconds: t.tolerationSeconds } : {}) };
});

const intOrNamePort = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: PORT_MAX }) },
  { weight: 3, arbitrary: fc.constantFrom('http', 'web-ui', '8080', '123') },
  { weight: bad(2), arbitrary: fc.constantFrom(0, 70000, 'Not_A_Name', 'toolongportname1', '-x', 'a--b') },
);

const probeHandler = fc.oneof(
  { weight: 3, arbitrary: fc.record({ exec: fc.record({ command: fc.constantFrom(['true'], ['sh', '-c', 'exit 0']) }) }) },
  { weight: bad(1), arbitrary: fc.constant({ exec: { command: [] } }) },
  {
    weight: 4,
    arbitrary: fc.record({
      httpGet: fc.record(
        { port: intOrNamePort, path: fc.constantFrom('/', '/api/status', 'relative'), scheme: fc.oneof(fc.constantFrom('HTTP', 'HTTPS'), { weight: bad(1), arbitrary: fc.constant('FTP') }), httpHeaders: fc.oneof(fc.constantFrom([], [{ name: 'X-Ok', value: 'v' }]), { weight: bad(1), arbitrary: fc.constant([{ name: 'Bad Header', value: 'v' }]) }) },
        { requiredKeys: ['port'] },
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ tcpSocket: fc.record({ port: intOrNamePort }) }) },
  { weight: 2, arbitrary: fc.record({ grpc: fc.record({ port: fc.constantFrom(1, 8888, 65535) }) }) },
  { weight: bad(1), arbitrary: fc.constantFrom({}, { exec: { command: ['true'] }, tcpSocket: { port: 80 } }, { grpc: { port: 0 } }, { grpc: { port: 70000 } }) },
);

const probeNumbers = fc.record(
  {
    initialDelaySeconds: fc.integer({ min: odd ? -1 : 0, max: 30 }),
    periodSeconds: fc.integer({ min: 0, max: 30 }),
    timeoutSeconds: fc.integer({ min: 0, max: 30 }),
    successThreshold: odd ? fc.constantFrom(0, 1, 1, 1, 2) : fc.constantFrom(0, 1),
    failureThreshold: fc.integer({ min: 0, max: 5 }),
    terminationGracePeriodSeconds: odd ? fc.constantFrom(-1, 0, 30) : fc.constant(30),
  },
  { requiredKeys: [] },
);

const probe = (kind: string) =>
  fc.tuple(probeHandler, probeNumbers).map(([h, n]) => {
    const p: Json = { ...h, ...n };
    // Valid readiness probes have no terminationGracePeriodSeconds.
    if (!odd && kind === 'readinessProbe') delete p.terminationGracePeriodSeconds;
    return p;
  });

const envName = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom('NB_PREFIX', 'HOME', 'JUPYTER_ENABLE_LAB', 'my.var', '-dash', 'lower_case', 'with space', '1START') },
  { weight: bad(2), arbitrary: fc.constantFrom('A=B', '=', 'tab\tchar', 'É', 'new\nline', '') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).filter((n) => odd || /^[\x20-\x3c\x3e-\x7e]+$/.test(n)) },
);

function envValue(portIds: string[]): fc.Arbitrary<Json> {
  const ids = portIds.length > 0 ? portIds : ['none'];
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ value: fc.constantFrom('plain', 'a=b', '') }) },
    { weight: 6, arbitrary: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ids) }, { weight: bad(1), arbitrary: portId }, { weight: bad(1), arbitrary: fc.constant('codeservr') }).map((id) => ({ value: `{{ httpPathPrefix "${id}" }}` })) },
    {
      weight: 2,
      arbitrary: fc.record({
        valueFrom: fc.oneof(
          fc.record({ fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.name', 'metadata.namespace', "metadata.labels['app']", 'status.podIP') }) }),
          fc.record({ configMapKeyRef: fc.record({ name: fc.constantFrom('settings', 'app.config'), key: fc.constantFrom('key', 'KEY_1') }) }),
          fc.record({ secretKeyRef: fc.record({ name: fc.constantFrom('creds'), key: fc.constantFrom('token', 'a.b') }) }),
          fc.record({ resourceFieldRef: fc.record({ resource: fc.constantFrom('limits.cpu', 'requests.memory') }) }),
        ),
      }),
    },
    {
      weight: bad(2),
      arbitrary: fc.record({
        valueFrom: fc.oneof(
          fc.record({ fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.labels', 'spec.foo') }) }),
          fc.record({ configMapKeyRef: fc.record({ name: fc.constantFrom('Bad_Name', ''), key: fc.constantFrom('key', 'bad key', '') }) }),
          fc.record({ secretKeyRef: fc.record({ name: fc.constantFrom('x..y'), key: fc.constantFrom('a/b') }) }),
          fc.record({ resourceFieldRef: fc.record({ resource: fc.constantFrom('limits.gpu') }) }),
          fc.constant({}),
        ),
      }),
    },
    { weight: bad(1), arbitrary: fc.constant({ value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }) },
  );
}

const volumeName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('dshm', 'cache', 'config', 'home-volume', 'data-volume-0', 'scratch-1') },
  { weight: bad(1), arbitrary: fc.constantFrom('Big_Name', 'v'.repeat(64), 'dot.name') },
);

const volumeSource = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom({ emptyDir: {} }, { emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, {}) },
  { weight: 2, arbitrary: fc.record({ configMap: fc.record({ name: fc.constantFrom('settings', 'app.config'), defaultMode: fc.constantFrom(420, 511), items: fc.constantFrom([], [{ key: 'k', path: 'p' }]) }, { requiredKeys: ['name'] }) }) },
  { weight: 1, arbitrary: fc.record({ secret: fc.record({ secretName: fc.constantFrom('creds') }) }) },
  { weight: 1, arbitrary: fc.record({ persistentVolumeClaim: fc.record({ claimName: fc.constantFrom('shared') }) }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      { nfs: { server: 'nfs.example.com', path: '/exports' } }, { csi: { driver: 'csi.example.com' } }, { hostPath: { path: '/tmp', type: 'Directory' } },
      { projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { configMap: { name: 'c', items: [{ key: 'k', path: 'p' }] } }] } },
      { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: "metadata.annotations['a']" } }] } },
      { emptyDir: { medium: 'Bogus' } },
    ),
  },
  {
    weight: bad(2),
    arbitrary: fc.constantFrom(
      { nfs: { server: '', path: 'rel' } }, { csi: { driver: 'Bad_Driver' } }, { csi: { driver: '' } }, { hostPath: { path: '' } }, { hostPath: { path: '/x', type: 'Bogus' } },
      { projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 100 } }] } },
      { projected: { sources: [{ configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }] } },
      { projected: { sources: [{ serviceAccountToken: { path: '/abs' } }] } },
      { downwardAPI: { items: [{ path: '/abs', fieldRef: { fieldPath: 'metadata.name' } }] } },
      { downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'spec.foo' } }] } },
      { ephemeral: {} },
    ),
  },
  {
    weight: bad(3),
    arbitrary: fc.constantFrom(
      { emptyDir: { sizeLimit: '-1' } }, { emptyDir: {}, secret: { secretName: 'creds' } }, { configMap: { name: '' } }, { configMap: { name: 'Bad' } },
      { configMap: { name: 's', defaultMode: 1000 } }, { configMap: { name: 's', items: [{ key: 'k', path: '../up' }] } }, { configMap: { name: 's', items: [{ key: 'k', path: '/abs' }] } },
      { secret: { secretName: 'Bad_Secret' } }, { persistentVolumeClaim: { claimName: '' } },
    ),
  },
);

const mountPathArb = fc.constantFrom('/dev/shm', '/cache', '/etc/config', '/home/jovyan', '/data/a', '/x/y');

function volumeMount(names: string[]): fc.Arbitrary<Json> {
  return fc
    .record(
      {
        name: fc.constantFrom(...names, 'home-volume', 'data-volume-0', 'missing'),
        mountPath: mountPathArb,
        subPath: fc.oneof(fc.constantFrom('a/b', 'ok'), { weight: bad(1), arbitrary: fc.constantFrom('../up', '/abs') }),
        readOnly: fc.boolean(),
        recursiveReadOnly: fc.oneof(fc.constantFrom('Disabled', 'IfPossible', 'Enabled'), { weight: bad(1), arbitrary: fc.constant('Bogus') }),
        mountPropagation: fc.oneof(fc.constantFrom('None', 'HostToContainer'), { weight: bad(1), arbitrary: fc.constantFrom('Bidirectional', 'Bogus') }),
      },
      { requiredKeys: ['name', 'mountPath'] },
    )
    .map((m) => {
      if (odd || m.recursiveReadOnly === undefined || m.recursiveReadOnly === 'Disabled') return m;
      // Valid: recursive read-only needs readOnly and no propagation.
      const { mountPropagation: _, ...rest } = m;
      return { ...rest, readOnly: true };
    });
}

const seccomp = fc.oneof(
  fc.constantFrom({ type: 'RuntimeDefault' }, { type: 'Unconfined' }, { type: 'Localhost', localhostProfile: 'profiles/a.json' }),
  { weight: bad(1), arbitrary: fc.constantFrom({ type: 'Localhost' }, { type: 'RuntimeDefault', localhostProfile: 'x' }, { type: 'Bogus' }) },
);

const id = (invalid: number) => fc.oneof(fc.constantFrom(0, 1000, 100), { weight: bad(1), arbitrary: fc.constant(invalid) });

const podSecurityContext = fc.record(
  { runAsUser: id(-1), runAsGroup: id(-1), fsGroup: id(-5), runAsNonRoot: fc.boolean(), seccompProfile: seccomp, fsGroupChangePolicy: fc.oneof(fc.constantFrom('Always', 'OnRootMismatch'), { weight: bad(1), arbitrary: fc.constant('Sometimes') }) },
  { requiredKeys: [] },
);

const containerSecurityContext = fc
  .record(
    {
      privileged: fc.boolean(),
      allowPrivilegeEscalation: fc.boolean(),
      readOnlyRootFilesystem: fc.boolean(),
      runAsUser: id(-1),
      capabilities: fc.constantFrom({ drop: ['ALL'] }, { add: ['SYS_ADMIN'] }, { add: ['CAP_SYS_ADMIN'] }, { add: ['NET_BIND_SERVICE'] }),
      seccompProfile: seccomp,
      procMount: fc.oneof(fc.constant('Default'), { weight: bad(1), arbitrary: fc.constant('Bogus') }),
    },
    { requiredKeys: [] },
  )
  .map((c) => {
    if (odd || c.allowPrivilegeEscalation !== false) return c;
    // Valid: no privilege escalation rules out privileged and CAP_SYS_ADMIN.
    return { ...c, privileged: false, capabilities: { drop: ['ALL'] } };
  });

const stringMap = (key: fc.Arbitrary<string>, value: fc.Arbitrary<string>) => fc.dictionary(key, value, { maxKeys: 2 });

const nodeRequirement = fc.oneof(
  fc.record({ key: labelKey, operator: fc.constantFrom('In', 'NotIn'), values: fc.array(labelValue, { minLength: 1, maxLength: 2 }) }),
  fc.record({ key: labelKey, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  fc.record({ key: labelKey, operator: fc.constantFrom('Gt', 'Lt'), values: fc.constantFrom(['3'], ['10']) }),
  {
    weight: bad(1),
    arbitrary: fc.constantFrom(
      { key: 'zone', operator: 'In', values: [] }, { key: 'zone', operator: 'Exists', values: ['a'] }, { key: 'zone', operator: 'Gt', values: ['1', '2'] },
      { key: 'zone', operator: 'Near', values: ['a'] }, { key: 'bad key', operator: 'Exists' },
    ),
  },
);

const nodeTerm = fc.record({ matchExpressions: fc.array(nodeRequirement, { minLength: 1, maxLength: 2 }) });

const labelRequirement = fc.oneof(
  fc.record({ key: labelKey, operator: fc.constantFrom('In', 'NotIn'), values: fc.array(labelValue, { minLength: 1, maxLength: 2 }) }),
  fc.record({ key: labelKey, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  { weight: bad(1), arbitrary: fc.constantFrom({ key: 'app', operator: 'In', values: [] }, { key: 'app', operator: 'Gt', values: ['1'] }, { key: 'app', operator: 'In', values: ['bad value!'] }) },
);

const podTerm = fc.record(
  {
    labelSelector: fc.record({ matchLabels: stringMap(labelKey, labelValue), matchExpressions: fc.array(labelRequirement, { maxLength: 2 }) }, { requiredKeys: [] }),
    namespaces: fc.oneof(fc.constantFrom([], ['team-a']), { weight: bad(1), arbitrary: fc.constant(['Team_A']) }),
    topologyKey: fc.oneof(fc.constantFrom('kubernetes.io/hostname', 'topology.kubernetes.io/zone'), { weight: bad(1), arbitrary: fc.constantFrom('', 'bad key') }),
  },
  { requiredKeys: ['topologyKey'] },
);

const weightArb = fc.oneof(fc.integer({ min: 1, max: 100 }), { weight: bad(1), arbitrary: fc.constantFrom(0, 101) });

const affinity = fc.record(
  {
    nodeAffinity: fc.record(
      {
        requiredDuringSchedulingIgnoredDuringExecution: fc.record({ nodeSelectorTerms: fc.array(nodeTerm, { minLength: odd ? 0 : 1, maxLength: 2 }) }),
        preferredDuringSchedulingIgnoredDuringExecution: fc.array(fc.record({ weight: weightArb, preference: nodeTerm }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    podAntiAffinity: fc.record(
      {
        requiredDuringSchedulingIgnoredDuringExecution: fc.array(podTerm, { maxLength: 1 }),
        preferredDuringSchedulingIgnoredDuringExecution: fc.array(fc.record({ weight: weightArb, podAffinityTerm: podTerm }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const image = fc.oneof(
  { weight: 18, arbitrary: fc.constantFrom('ghcr.io/kubeflow/notebooks/jupyterlab-scipy:v1.9.0', 'jupyter/scipy-notebook', 'registry.example.com:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef') },
  { weight: 1, arbitrary: fc.constant('ab') },
  { weight: bad(1), arbitrary: fc.constantFrom(' jupyter:1', 'jupyter:1 ', '\tx') },
);

const serviceAccount = fc.oneof(
  { weight: 18, arbitrary: fc.constantFrom('default-editor', 'notebook', 'sa.with.dots') },
  { weight: 2, arbitrary: dnsLabel(1, 63) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: bad(1), arbitrary: fc.constantFrom('kube-system/admin', 'Admin', 'a..b', '-sa', 'x'.repeat(254)) },
);

const optionId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('jupyterlab_scipy_190', 'tiny_cpu', 'small cpu', 'Big-GPU', 'é') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: OPTION_ID_MAX }) },
);


  return { workspaceName, portId, quantity, resources, labelKey, labelValue, toleration, affinity, probe, envName, envValue, volumeName, volumeSource, volumeMount, podSecurityContext, containerSecurityContext, image, serviceAccount, optionId, stringMap };
}

/** Generated pair plus the namespace-independent parts; the test fills in namespace and names. */
export interface Pair {
  readonly kind: Json;
  readonly ws: Json;
}

/** A (WorkspaceKind, Workspace) pair; the kind is named `kindName`, the Workspace lives in `namespace`. */
export function pairArbitrary(kindName: string, namespace: string): fc.Arbitrary<Pair> {
  // Half the pairs use valid values only, so that many pairs reach the API server with every part valid.
  return fc.boolean().chain((odd) => pairOf(parts(odd), kindName, namespace));
}

function pairOf(a: ReturnType<typeof parts>, kindName: string, namespace: string): fc.Arbitrary<Pair> {
  const { workspaceName, portId, resources, labelKey, labelValue, toleration, affinity, probe, envName, envValue, volumeName, volumeSource, volumeMount, podSecurityContext, containerSecurityContext, image, serviceAccount, optionId, stringMap } = a;
  return fc
    .uniqueArray(portId, { minLength: 1, maxLength: 3 })
    .chain((kindPorts) =>
      fc.record({
        kindPorts: fc.constant(kindPorts),
        imagePorts: fc.uniqueArray(
          fc.record({ id: fc.constantFrom(...kindPorts), port: fc.integer({ min: 1, max: PORT_MAX }) }),
          { minLength: 1, maxLength: kindPorts.length, selector: (p) => p.id },
        ),
        imageId: optionId,
        podId: optionId,
        image,
        pullPolicy: fc.option(fc.constantFrom('Always', 'IfNotPresent', 'Never'), { nil: undefined }),
        resources: fc.option(resources, { nil: undefined }),
        tolerations: fc.option(fc.array(toleration, { maxLength: 2 }), { nil: undefined }),
        nodeSelector: fc.option(stringMap(labelKey, labelValue), { nil: undefined }),
        affinity: fc.option(affinity, { nil: undefined, freq: 3 }),
        serviceAccount,
        env: fc.uniqueArray(fc.tuple(envName, envValue(kindPorts)), { maxLength: 3, selector: ([n]) => n }),
        probes: fc.option(fc.record({ readinessProbe: probe('readinessProbe'), livenessProbe: probe('livenessProbe'), startupProbe: probe('startupProbe') }, { requiredKeys: [] }), { nil: undefined, freq: 2 }),
        podSecurityContext: fc.option(podSecurityContext, { nil: undefined }),
        containerSecurityContext: fc.option(containerSecurityContext, { nil: undefined }),
        volumes: fc.uniqueArray(fc.tuple(volumeName, volumeSource), { maxLength: 2, selector: ([n]) => n }),
        kindPodLabels: fc.option(stringMap(labelKey, labelValue), { nil: undefined }),
        kindPodAnnotations: fc.option(stringMap(labelKey, fc.string({ maxLength: 20 })), { nil: undefined }),
        wsName: workspaceName,
        wsPodLabels: fc.option(stringMap(labelKey, labelValue), { nil: undefined }),
        home: fc.option(fc.constantFrom('home-pvc', 'h'.repeat(PVC_MAX)), { nil: undefined }),
        data: fc.uniqueArray(fc.record({ pvcName: fc.constantFrom('data-pvc', 'other-pvc'), mountPath: fc.constantFrom('/data/a', '/data/b', '/home/jovyan'), readOnly: fc.boolean() }), { maxLength: 2, selector: (d) => d.mountPath }),
        paused: fc.boolean(),
      }),
    )
    .chain((g) =>
      fc.uniqueArray(volumeMount(g.volumes.map(([n]) => n)), { maxLength: 2, selector: (m) => m.mountPath }).map((mounts) => ({ g, mounts })),
    )
    .map(({ g, mounts }) => {
      const kind: Json = {
        apiVersion: 'kubeflow.org/v1beta1',
        kind: 'WorkspaceKind',
        metadata: { name: kindName },
        spec: {
          spawner: { displayName: 'Differential', description: 'A generated kind', icon: { url: 'https://example.com/i.svg' }, logo: { url: 'https://example.com/l.svg' } },
          podTemplate: {
            podMetadata: { labels: g.kindPodLabels, annotations: g.kindPodAnnotations },
            serviceAccount: { name: g.serviceAccount },
            probes: g.probes,
            volumeMounts: { home: '/home/jovyan' },
            ports: g.kindPorts.map((id) => ({ id, defaultDisplayName: `Port ${id}`, protocol: 'HTTP' })),
            extraEnv: g.env.map(([name, v]) => ({ name, ...v })),
            extraVolumes: g.volumes.map(([name, source]) => ({ name, ...source })),
            extraVolumeMounts: mounts,
            securityContext: g.podSecurityContext,
            containerSecurityContext: g.containerSecurityContext,
            options: {
              imageConfig: {
                spawner: { default: g.imageId },
                values: [{ id: g.imageId, spawner: { displayName: 'Image' }, spec: { image: g.image, imagePullPolicy: g.pullPolicy, ports: g.imagePorts } }],
              },
              podConfig: {
                spawner: { default: g.podId },
                values: [{ id: g.podId, spawner: { displayName: 'Pod' }, spec: { resources: g.resources, affinity: g.affinity, tolerations: g.tolerations, nodeSelector: g.nodeSelector } }],
              },
            },
          },
        },
      };
      const ws: Json = {
        apiVersion: 'kubeflow.org/v1beta1',
        kind: 'Workspace',
        metadata: { name: g.wsName, namespace },
        spec: {
          paused: g.paused,
          kind: kindName,
          podTemplate: {
            podMetadata: { labels: g.wsPodLabels },
            volumes: { home: g.home, data: g.data },
            options: { imageConfig: g.imageId, podConfig: g.podId },
          },
        },
      };
      return { kind: JSON.parse(JSON.stringify(kind)), ws: JSON.parse(JSON.stringify(ws)) };
    });
}
