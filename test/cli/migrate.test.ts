/**
 * `kfws migrate` on the 28 real v1 Notebook manifests of ../shared/reference/kubeflow-notebooks-v1-corpus/: each
 * Notebook's Pod, as the v1 controller ran it (an oracle written here from the controller's documented behaviour,
 * independent of lib/cli/migrate), against the Pod the reconciler renders from the migrated Workspace and kind:
 * every fact equal, or named in the report.
 */

import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { WorkspaceKindObject, WorkspaceObject } from '../../lib/core/api';
import { renderService, renderStatefulSet } from '../../lib/core/render';
import { ExitCode } from '../../lib/cli/types';
import { ROOT, runCli, runInProcess, tempDir, writeFile } from './helpers';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'reference', 'kubeflow-notebooks-v1-corpus');
const FILES = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

type Json = Record<string, any>;

function readDocs(file: string): Json[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' }).map((d) => d.toJS()).filter((d) => d && typeof d === 'object');
}

interface Migration {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly kinds: WorkspaceKindObject[];
  readonly workspaces: WorkspaceObject[];
  readonly out: string;
}

function migrate(inputs: readonly string[], extra: readonly string[] = []): Migration {
  const out = tempDir();
  const r = runInProcess(['migrate', '--out', out, ...extra, ...inputs], ROOT);
  const load = (name: string): Json[] => (fs.existsSync(path.join(out, name)) ? readDocs(path.join(out, name)) : []);
  return { ...r, out, kinds: load('0000-workspacekinds.k8s.yaml') as WorkspaceKindObject[], workspaces: load('0001-workspaces.k8s.yaml') as WorkspaceObject[] };
}

/** The report block of one Notebook: its lines of `NOT CARRIED`, `changed` and `carried`. */
function reportOf(stdout: string, name: string): { notCarried: string[]; changed: string[]; carried: string[] } {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Notebook ') && l.includes(`/${name} (`) || l.startsWith(`Notebook ${name} (`));
  expect(start).toBeGreaterThanOrEqual(0);
  const block: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i].startsWith('  '); i++) block.push(lines[i].trim());
  const pick = (prefix: string): string[] => block.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  return { notCarried: pick('NOT CARRIED: '), changed: pick('changed: '), carried: pick('carried: ') };
}

// ---- the oracle: what the v1 notebook controller (kubeflow/kubeflow v1.10.0) put into the StatefulSet's Pod ----

function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() as string;
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function v1Pod(nb: Json): { labels: Json; annotations: Json; spec: Json } {
  const spec = structuredClone(nb.spec.template.spec);
  const c = spec.containers[0];
  if (!c.workingDir) c.workingDir = '/home/jovyan';
  if (!c.ports) c.ports = [{ containerPort: 8888, name: 'notebook-port', protocol: 'TCP' }];
  const prefix = `/notebook/${nb.metadata.namespace}/${nb.metadata.name}`;
  c.env = [...(c.env ?? []).filter((e: Json) => e.name !== 'NB_PREFIX'), { name: 'NB_PREFIX', value: prefix }];
  if (!spec.securityContext) spec.securityContext = { fsGroup: 100 };
  c.image = c.image.trim();
  c.imagePullPolicy = c.imagePullPolicy ?? defaultPullPolicy(c.image);
  const labels = { statefulset: nb.metadata.name, 'notebook-name': nb.metadata.name, ...nb.metadata.labels };
  // kubeflow-resource-stopped is copied too, but only while stopped, when no Pod runs: a started Pod never has it.
  const annotations = Object.fromEntries(Object.entries(nb.metadata.annotations ?? {})
    .filter(([k]) => !k.includes('kubectl') && !k.includes('notebook') && k !== 'kubeflow-resource-stopped'));
  return { labels, annotations, spec };
}

const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0);
const quantities = (r: Json | undefined): Json =>
  Object.fromEntries(Object.entries(r ?? {}).map(([k, m]) => [k, Object.fromEntries(Object.entries(m as Json).map(([q, v]) => [q, String(v)]))]));

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Json)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** mountPath → what is mounted there (claim, or the volume source). */
function mounts(spec: Json, container: Json): Record<string, string> {
  const volumes = new Map<string, Json>((spec.volumes ?? []).map((v: Json) => [v.name, v]));
  const out: Record<string, string> = {};
  for (const m of container.volumeMounts ?? []) {
    const { name, ...source } = volumes.get(m.name) ?? {};
    const pvc = source.persistentVolumeClaim;
    const what = pvc ? `pvc ${pvc.claimName}` : sortedJson(source);
    out[m.mountPath] = `${what}${m.readOnly || pvc?.readOnly ? ' ro' : ''}${m.subPath ? ` subPath ${m.subPath}` : ''}`;
    void name;
  }
  return out;
}

/** Compares the v1 Pod with the migrated one; returns what differs, each to be found in the report. */
function comparePods(nb: Json, ws: WorkspaceObject, kind: WorkspaceKindObject): string[] {
  const v1 = v1Pod(nb);
  const sts = renderStatefulSet(ws, kind);
  const svc = renderService(ws, kind);
  const pod = sts.spec.template;
  const c1 = v1.spec.containers[0];
  const c2 = pod.spec.containers[0] as Json;
  const diffs: string[] = [];
  expect(pod.spec.containers).toHaveLength(1);
  expect(c2.image).toBe(c1.image);
  expect(c2.imagePullPolicy).toBe(c1.imagePullPolicy);
  expect(c2.resources).toEqual(quantities(c1.resources));
  expect((c2.ports as Json[]).map((p) => p.containerPort)).toEqual(c1.ports.map((p: Json) => p.containerPort));
  expect(svc.spec.ports.map((p) => p.targetPort)).toEqual(c1.ports.map((p: Json) => p.containerPort));
  expect(sts.spec.replicas).toBe(nb.metadata.annotations?.['kubeflow-resource-stopped'] !== undefined ? 0 : 1);
  expect(pod.spec.serviceAccountName).toBe(v1.spec.serviceAccountName ?? 'default');
  // env: the same, NB_PREFIX now the Workspace's own prefix
  const env = (list: Json[]): Json[] => list.filter((e) => e.name !== 'NB_PREFIX');
  expect(env((c2.env ?? []) as Json[])).toEqual(env(c1.env));
  const portId = kind.spec!.podTemplate.options.imageConfig.values.find((v) => v.id === ws.spec!.podTemplate.options.imageConfig)!.spec.ports[0].id;
  expect((c2.env as Json[]).find((e) => e.name === 'NB_PREFIX')!.value).toBe(`/workspace/${ws.metadata.namespace}/${ws.metadata.name}/${portId}/`);
  // scheduling and security
  for (const field of ['nodeSelector', 'tolerations', 'affinity']) {
    expect(empty(pod.spec[field]) ? undefined : pod.spec[field]).toEqual(empty(v1.spec[field]) ? undefined : v1.spec[field]);
  }
  expect(empty(pod.spec.securityContext) ? undefined : pod.spec.securityContext).toEqual(empty(v1.spec.securityContext) ? undefined : v1.spec.securityContext);
  expect(c2.securityContext).toEqual(empty(c1.securityContext) ? undefined : c1.securityContext);
  // labels and annotations the v1 Pod had are on the new Pod (AppArmor's per-container key follows the container)
  expect(pod.metadata.labels).toEqual(expect.objectContaining(v1.labels));
  const apparmor = (k: string): string => k.replace(`container.apparmor.security.beta.kubernetes.io/${c1.name}`, 'container.apparmor.security.beta.kubernetes.io/main');
  expect(pod.metadata.annotations ?? {}).toEqual(Object.fromEntries(Object.entries(v1.annotations).map(([k, v]) => [apparmor(k), v])));
  // volumes: every mount of the v1 container, by mount path
  const before = mounts(v1.spec, c1);
  const after = mounts(pod.spec, c2);
  for (const [mountPath, what] of Object.entries(before)) {
    if (after[mountPath] !== what) diffs.push(`mount ${mountPath}`);
  }
  expect(Object.keys(after).filter((p) => !(p in before))).toEqual([]);
  // probes: carried with named ports resolved
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (!c1[probe]) continue;
    const port = c1[probe].httpGet?.port;
    const number = typeof port === 'string' ? c1.ports.find((p: Json) => p.name === port)?.containerPort : port;
    expect(c2[probe]).toEqual({ ...c1[probe], httpGet: { ...c1[probe].httpGet, port: number } });
  }
  // everything else the v1 Pod spec and container had
  const comparedPod = ['containers', 'volumes', 'serviceAccountName', 'securityContext', 'nodeSelector', 'tolerations', 'affinity'];
  for (const [field, v] of Object.entries(v1.spec)) {
    // Fields that are not part of a PodSpec were pruned by the v1 API server: no Pod ever had them.
    if (!comparedPod.includes(field) && !empty(v) && !NOT_POD_FIELDS.includes(field)) diffs.push(`spec.template.spec.${field}`);
  }
  const comparedContainer = ['name', 'image', 'imagePullPolicy', 'resources', 'ports', 'env', 'securityContext', 'volumeMounts', 'workingDir', 'livenessProbe', 'readinessProbe', 'startupProbe'];
  for (const [field, v] of Object.entries(c1)) if (!comparedContainer.includes(field) && !empty(v)) diffs.push(`containers[0].${field}`);
  for (const other of v1.spec.containers.slice(1)) diffs.push(`container "${other.name}"`);
  return diffs;
}

/** Fields of the corpus' pod templates that a PodSpec does not have (a Job's field in 13). */
const NOT_POD_FIELDS = ['ttlSecondsAfterFinished'];

/** What must be reported as not carried, per manifest: held by hand from reading each file. */
const NOT_CARRIED: Record<string, readonly string[]> = {
  '19-rhoai-science-stopped.yaml': ['container "oauth-proxy"', 'containers[0].envFrom', 'spec.template.spec.enableServiceLinks', 'volume oauth-config', 'volume tls-certificates'],
  '20-rhoai-hw-profile-gpu-timeslice.yaml': ['container "oauth-proxy"', 'spec.template.spec.enableServiceLinks', 'volume oauth-config', 'volume oauth-client', 'volume tls-certificates'],
  '21-rhoai-parasol-workbench.yaml': ['container "oauth-proxy"', 'spec.template.spec.enableServiceLinks', 'volume oauth-config', 'volume tls-certificates'],
  '22-ai-accelerator-custom-workbench.yaml': ['spec.template.spec.enableServiceLinks'],
  '23-rhoai-custom-image-privileged.yaml': ['container "oauth-proxy"', 'spec.template.spec.enableServiceLinks', 'volume oauth-config', 'volume tls-certificates'],
};

describe.each(FILES.filter((f) => !f.startsWith('07-')))('%s', (file) => {
  test('every fact of the Pod the v1 controller ran is carried or reported', () => {
    const docs = readDocs(path.join(CORPUS, file));
    const notebooks = docs.filter((d) => d.kind === 'Notebook');
    expect(notebooks).toHaveLength(1);
    const nb = notebooks[0];
    const m = migrate([path.join(CORPUS, file)]);
    const expected = NOT_CARRIED[file] ?? [];
    expect(m.stderr).toBe('');
    expect(m.status).toBe(expected.length > 0 ? ExitCode.FAILED : ExitCode.OK);
    expect(m.workspaces).toHaveLength(1);
    expect(m.kinds).toHaveLength(1);
    const ws = m.workspaces[0];
    expect(ws.metadata.name).toBe(nb.metadata.name);
    expect(ws.metadata.namespace).toBe(nb.metadata.namespace);
    expect(ws.metadata.labels).toEqual(nb.metadata.labels);
    expect(ws.spec!.paused).toBe(nb.metadata.annotations?.['kubeflow-resource-stopped'] !== undefined);

    // The oracle renders with the Notebook's namespace, as the cluster would: one for namespace-less samples.
    const namespaced = { ...ws, metadata: { ...ws.metadata, namespace: ws.metadata.namespace ?? 'default' } };
    const withNamespace = { ...nb, metadata: { ...nb.metadata, namespace: nb.metadata.namespace ?? 'default' } };
    const diffs = comparePods(withNamespace, namespaced, m.kinds[0]);
    const report = reportOf(m.stdout, nb.metadata.name);
    for (const d of diffs) {
      const mountPath = d.startsWith('mount ') ? d.slice(6) : undefined;
      const said = report.notCarried.some((l) => (mountPath ? l.includes(` at ${mountPath}`) : l.startsWith(d)));
      expect({ difference: d, reported: said }).toEqual({ difference: d, reported: true });
    }
    for (const e of expected) expect(report.notCarried.some((l) => l.startsWith(e))).toBe(true);
    for (const f of NOT_POD_FIELDS.filter((f) => nb.spec.template.spec[f] !== undefined)) {
      expect(report.changed).toContain(`spec.template.spec.${f} is not a field of a Pod spec; the v1 API server dropped it`);
    }
    expect(report.notCarried).toHaveLength(expected.length);
  });
});

test('the input without a pod template is bad input (exit 2), named with its file', () => {
  const m = migrate([path.join(CORPUS, '07-kf-v10-sample-v1beta1-no-template.yaml')]);
  expect(m.status).toBe(ExitCode.UNREADABLE);
  expect(m.stdout).toContain('07-kf-v10-sample-v1beta1-no-template.yaml:1: Notebook notebook-sample: spec.template.spec is missing');
  expect(m.workspaces).toEqual([]);
});

test('server types choose the kind: JupyterLab, VS Code, RStudio, and others by name', () => {
  const names = (f: string): string => migrate([path.join(CORPUS, f)]).kinds[0].metadata.name as string;
  expect(names('08-jwa-default-jupyter-scipy.yaml')).toMatch(/^jupyter-[0-9a-f]{8}$/);
  expect(names('09-jwa-codeserver-group-one.yaml')).toMatch(/^codeserver-[0-9a-f]{8}$/);
  expect(names('10-jwa-rstudio-group-two.yaml')).toMatch(/^rstudio-[0-9a-f]{8}$/);
  expect(names('28-issue-6677-server-type-foo.yaml')).toMatch(/^foo-[0-9a-f]{8}$/);
  expect(names('01-kf-sample-v1.yaml')).toMatch(/^notebook-[0-9a-f]{8}$/);
});

test('rewrite and header annotations become the port\'s httpProxy, the literal v1 path a template', () => {
  const m = migrate([path.join(CORPUS, '10-jwa-rstudio-group-two.yaml')]);
  expect(m.kinds[0].spec!.podTemplate.ports).toEqual([{
    id: 'notebook-port',
    protocol: 'HTTP',
    defaultDisplayName: 'RStudio',
    httpProxy: { removePathPrefix: true, requestHeaders: { set: { 'X-RStudio-Root-Path': '{{ httpPathPrefix "notebook-port" }}' } } },
  }]);
  expect(m.workspaces[0].spec!.podTemplate.volumes).toEqual({
    home: 'rstudio-workspace',
    data: [{ pvcName: 'shared-datasets', mountPath: '/home/jovyan/datasets', readOnly: true }],
  });
});

test('the whole corpus: one Workspace per Notebook, shared kinds, output that kfws validate accepts', () => {
  const inputs = FILES.filter((f) => !['07-', '15-', '28-'].some((p) => f.startsWith(p))).map((f) => path.join(CORPUS, f));
  const m = migrate(inputs);
  expect(m.status).toBe(ExitCode.FAILED);
  expect(m.workspaces).toHaveLength(25);
  // Notebooks agreeing on every kind-wide setting share a kind (e.g. the JWA's default-editor Jupyter servers).
  expect(m.kinds.length).toBeLessThan(25);
  const validate = runCli(['validate', m.out], ROOT);
  expect(validate.stdout).toContain('no problems in 2 files (25 Workspaces');
  expect(validate.status).toBe(0);
  // Names clash without namespaces: bad input, named.
  const clash = migrate([path.join(CORPUS, '01-kf-sample-v1.yaml'), path.join(CORPUS, '15-odh-sample-v1.yaml')]);
  expect(clash.status).toBe(ExitCode.UNREADABLE);
  expect(clash.stdout).toContain('15-odh-sample-v1.yaml:1: Notebook notebook-sample-v1 is also defined in');
});

test('deterministic: the same input in any order gives the same bytes', () => {
  const inputs = FILES.filter((f) => !['07-', '15-', '28-'].some((p) => f.startsWith(p))).map((f) => path.join(CORPUS, f));
  const a = migrate(inputs);
  const b = migrate([...inputs].reverse());
  for (const f of ['0000-workspacekinds.k8s.yaml', '0001-workspaces.k8s.yaml']) {
    expect(fs.readFileSync(path.join(b.out, f), 'utf8')).toBe(fs.readFileSync(path.join(a.out, f), 'utf8'));
  }
});

test('a second migration after new Notebooks appear adds only what is new', () => {
  const first = ['04-kf-loadtest-jupyter-test.yaml', '08-jwa-default-jupyter-scipy.yaml', '19-rhoai-science-stopped.yaml'].map((f) => path.join(CORPUS, f));
  const more = ['11-jwa-gpu-pytorch-cuda-datavols.yaml', '14-manifests-test-notebook-poddefault.yaml', '26-aws-irsa-notebook.yaml'].map((f) => path.join(CORPUS, f));
  const a = migrate(first);
  const b = migrate([...first, ...more]);
  const text = (m: Migration, f: string): string[] => fs.readFileSync(path.join(m.out, f), 'utf8').split('---\n');
  // Every Workspace document of the first run is in the second, unchanged.
  const workspaces = new Set(text(b, '0001-workspaces.k8s.yaml'));
  for (const doc of text(a, '0001-workspaces.k8s.yaml')) expect(workspaces.has(doc)).toBe(true);
  // Kinds keep their names; their option lists only grow.
  for (const kind of a.kinds) {
    const later = b.kinds.find((k) => k.metadata.name === kind.metadata.name)!;
    expect(later).toBeDefined();
    for (const type of ['imageConfig', 'podConfig'] as const) {
      const ids = later.spec!.podTemplate.options[type].values.map((v) => v.id);
      for (const v of kind.spec!.podTemplate.options[type].values) expect(ids).toContain(v.id);
    }
  }
});

test('Notebooks are read as kfws reads everything: List kinds, several documents, YAML 1.1, all three versions', () => {
  const dir = tempDir();
  const notebook = (apiVersion: string, name: string): Json => ({
    apiVersion, kind: 'Notebook', metadata: { name, namespace: 'team' },
    spec: { template: { spec: { containers: [{ name, image: 'jupyter:v1', volumeMounts: [{ name: 'ws', mountPath: '/home/jovyan' }] }], volumes: [{ name: 'ws', persistentVolumeClaim: { claimName: `${name}-ws` } }] } } },
  });
  writeFile(dir, 'list.yaml', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [notebook('kubeflow.org/v1', 'a'), notebook('kubeflow.org/v1beta1', 'b')] }));
  // YAML 1.1: an octal mode and an unquoted `on` boolean are read as kubectl reads them.
  writeFile(dir, 'docs.yaml', [
    'apiVersion: kubeflow.org/v1alpha1\nkind: Notebook\nmetadata: {name: c, namespace: team}\nspec:\n  template:\n    spec:\n      containers:\n' +
      '      - name: c\n        image: jupyter:v1\n        volumeMounts: [{name: keys, mountPath: /keys, readOnly: on}]\n' +
      '      volumes: [{name: keys, secret: {secretName: keys, defaultMode: 0644}}]\n',
    'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a-ws, namespace: team}\nspec: {resources: {requests: {storage: 1Gi}}}\n',
  ].join('---\n'));
  const m = migrate([dir]);
  expect(m.stdout).toContain('PersistentVolumeClaim b-ws is not among the inputs');
  expect(m.stdout).not.toContain('PersistentVolumeClaim a-ws is not among the inputs');
  expect(m.status).toBe(ExitCode.OK);
  expect(m.workspaces.map((w) => w.metadata.name)).toEqual(['a', 'b', 'c']);
  const c = m.kinds.find((k) => k.metadata.name === m.workspaces[2].spec!.kind)!;
  expect(c.spec!.podTemplate.extraVolumes).toEqual([{ name: 'keys', secret: { secretName: 'keys', defaultMode: 420 } }]);
  expect(c.spec!.podTemplate.extraVolumeMounts).toEqual([{ name: 'keys', mountPath: '/keys', readOnly: true }]);
});

test('values that look like templates stay literal; unknown volume types and mount fields are reported', () => {
  const dir = tempDir();
  writeFile(dir, 'nb.yaml', JSON.stringify({
    apiVersion: 'kubeflow.org/v1', kind: 'Notebook', metadata: { name: 'x', namespace: 'team' },
    spec: { template: { spec: {
      containers: [{ name: 'x', image: 'img:1', env: [{ name: 'GREETING', value: 'Hello {{ name }}' }],
        volumeMounts: [{ name: 'proj', mountPath: '/p' }, { name: 'cm', mountPath: '/c', mountPropagation: 'HostToContainer' }] }],
      volumes: [{ name: 'proj', projected: { sources: [] } }, { name: 'cm', configMap: { name: 'cm' } }],
    } } },
  }));
  const m = migrate([dir]);
  expect(m.status).toBe(ExitCode.FAILED);
  const report = reportOf(m.stdout, 'x');
  expect(report.notCarried).toEqual([
    'volume proj (projected) at /p: a WorkspaceKind mounts emptyDir, configMap, secret, persistentVolumeClaim, downwardAPI, csi volumes only',
    'volume mount cm at /c: mountPropagation (no equivalent)',
  ]);
  const sts = renderStatefulSet(m.workspaces[0], m.kinds[0]);
  const env = (sts.spec.template.spec.containers[0] as Json).env as Json[];
  expect(env).toContainEqual({ name: 'GREETING', value: 'Hello {{ name }}' });
});

test('exit status 2 and a clear message for a revision migrate cannot write, and for no Notebook at all', () => {
  const beta = runInProcess(['migrate', '--api-revision', 'v2.0.0-beta.0', path.join(CORPUS, '01-kf-sample-v1.yaml')], ROOT);
  expect(beta.status).toBe(ExitCode.UNREADABLE);
  expect(beta.stderr).toContain('--api-revision "v2.0.0-beta.0" is not supported by migrate: it writes Workspaces and WorkspaceKinds of revision fd7a3d8e only');
  const dir = tempDir();
  writeFile(dir, 'pvc.yaml', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\n');
  const none = migrate([dir]);
  expect(none.status).toBe(ExitCode.UNREADABLE);
  expect(none.stdout).toContain(`error: no Notebook in ${dir}`);
  const format = runInProcess(['migrate', '--format', 'json', dir], ROOT);
  expect(format.status).toBe(ExitCode.UNREADABLE);
  expect(format.stderr).toContain('--format must be yaml or typescript, not "json"');
});
