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
import { comparePods, Json, NOT_POD_FIELDS } from './migrate-oracle';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'reference', 'kubeflow-notebooks-v1-corpus');
const FILES = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();


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
    const diffs = comparePods(withNamespace, namespaced, m.kinds[0], renderStatefulSet(namespaced, m.kinds[0]), renderService(namespaced, m.kinds[0]));
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

test('bin/kfws runs migrate: help, and a migration with its files', () => {
  const help = runCli(['migrate', '--help'], ROOT);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: kfws migrate [--api-revision R] [--out DIR] [--format yaml|typescript] PATH...');
  expect(runCli(['--help'], ROOT).stdout).toContain('migrate PATH...');
  const out = tempDir();
  const r = runCli(['migrate', '--out', out, path.join(CORPUS, '05-kf-ghactions-test-notebook.yaml')], ROOT);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('1 Notebook migrated into 1 Workspace of 1 WorkspaceKind; 0 with facts not carried; 0 not migrated');
  expect(fs.readdirSync(out).sort()).toEqual(['0000-workspacekinds.k8s.yaml', '0001-workspaces.k8s.yaml']);
});

test('a Notebook value the v2 API refuses is named as invalid output (exit 1), the rest still written', () => {
  const dir = tempDir();
  const nb = (name: string, cpu: string): Json => ({
    apiVersion: 'kubeflow.org/v1', kind: 'Notebook', metadata: { name, namespace: 'team' },
    spec: { template: { spec: { containers: [{ name, image: 'registry.local:5000/img', resources: { requests: { cpu } } }] } } },
  });
  writeFile(dir, 'nb.yaml', [nb('good', '1'), nb('bad', 'lots')].map((n) => JSON.stringify(n)).join('\n---\n'));
  const m = migrate([dir]);
  expect(m.status).toBe(ExitCode.FAILED);
  expect(m.stdout).toMatch(/INVALID OUTPUT: WorkspaceKind notebook-[0-9a-f]{8}: spec\.podTemplate\.options\.podConfig\.values\[cpu-lots-[0-9a-f]{8}\]\.spec\.resources\.requests\.cpu: Invalid value: "lots"/);
  expect(m.workspaces.map((w) => w.metadata.name)).toEqual(['bad', 'good']);
  // An untagged image with a registry port: Kubernetes pulled it Always.
  expect(m.kinds[0].spec!.podTemplate.options.imageConfig.values[0].spec.imagePullPolicy).toBe('Always');
});
