/**
 * The platform charts against a real control plane (FULL mode: controller-manager for role aggregation and
 * ReplicaSets, kwok for Pods): the documented kubectl apply order on a fresh cluster, the CRDs as served, the
 * controller's RBAC as the API server evaluates it, Pod Security admission of the controller Pods, the aggregated
 * roles for people, and the reconciler itself running under exactly the synthesized ServiceAccount and ClusterRole
 * without a single 403.
 */
import { CRD_FILES, crdDirectory } from '../../lib/core/crds';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { SpawnerImage, Workspace, WorkspaceKind, WorkspaceVolume } from '../../lib';
import {
  ApplyOrder,
  BuiltInRole,
  CONTROLLER_NAME,


  DEFAULT_CONTROLLER_NAMESPACE,
  MemberKind,
  WorkspacesInstallChart,
  WorkspacesTenant,
} from '../../lib/platform';
import { RECONCILER_CLUSTER_RULES, RECONCILER_NAMESPACE_RULES } from '../../lib/reconciler/permissions';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { ControlPlaneMode } from '../cluster/control-plane';

const TIMEOUT_MS = 90_000;
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const ROOT = path.join(__dirname, '..', '..');
const CONTROLLER_USER = `system:serviceaccount:${DEFAULT_CONTROLLER_NAMESPACE}:${CONTROLLER_NAME}`;
const CONTROLLER_GROUPS = ['system:serviceaccounts', `system:serviceaccounts:${DEFAULT_CONTROLLER_NAMESPACE}`, 'system:authenticated'];

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end without blocking the event loop, so that jest's timeouts still apply. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise(resolve => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => { stdout += chunk; });
    child.stderr.on('data', chunk => { stderr += chunk; });
    child.once('error', err => resolve({ status: null, stdout, stderr: stderr + err.message }));
    child.once('close', status => resolve({ status, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The app the suite installs: the full install, a tenant, a kind and a Workspace, arranged for apply. */
function synthPlatform(outdir: string, namespace: string, kindName: string): void {
  const app = new App({ outdir });
  new WorkspacesInstallChart(app, 'install');
  new WorkspacesTenant(new Chart(app, 'tenant'), 'Tenant', {
    namespace,
    members: [
      { kind: MemberKind.GROUP, name: `${namespace}-editors` },
      { kind: MemberKind.USER, name: `${namespace}-viewer`, role: BuiltInRole.VIEW },
    ],
  });
  const kind = new WorkspaceKind(new Chart(app, 'kinds'), 'Kind', {
    name: kindName,
    displayName: 'Platform e2e',
    description: 'A kind for the platform cluster suite',
    icon: SpawnerImage.fromUrl('https://example.com/icon.svg'),
    logo: SpawnerImage.fromUrl('https://example.com/logo.svg'),
    serviceAccountName: 'default-editor',
    homeMountPath: '/home/jovyan',
  });
  const http = kind.addPort({ id: 'jupyterlab', displayName: 'JupyterLab' });
  kind.addImageConfig({ id: 'lab', displayName: 'Lab', image: 'example.com/lab:1', ports: [{ port: http, number: 8888 }] });
  kind.addPodConfig({ id: 'tiny', displayName: 'Tiny', resources: { requests: { cpu: '100m', memory: '128Mi' } } });
  new Workspace(new Chart(app, 'workspaces', { namespace }), 'Alice', {
    name: 'alice',
    kind,
    homeVolume: WorkspaceVolume.newClaim({ name: 'alice-home' }),
  });
  ApplyOrder.arrange(app);
  app.synth();
}

describeCluster('platform install', (cluster: ClusterConnection) => {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `platform-e2e-${suffix}`;
  const kindName = `platform-e2e-${suffix}`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-platform-e2e-'));
  const dist = path.join(workDir, 'dist');
  const applied: RunResult[] = [];

  function kubectl(...args: string[]): Promise<RunResult> {
    return run(KUBECTL, ['--request-timeout=30s', ...args], { ...process.env, KUBECONFIG: cluster.kubeconfigPath });
  }

  function expectSuccess(result: RunResult): void {
    if (result.status !== 0) {
      throw new Error(`kubectl failed (${result.status}): ${result.stderr}`);
    }
  }

  async function canI(user: string, groups: string[], verb: string, group: string, resource: string, namespace?: string): Promise<boolean> {
    const [name, subresource] = resource.split('/');
    const r = await cluster.request('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user, groups, resourceAttributes: { namespace, verb, group, resource: name, subresource } },
      },
    });
    if (r.status !== 201) {
      throw new Error(`SubjectAccessReview: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    }
    return r.json.status.allowed === true;
  }

  beforeAll(async () => {
    if ((await run(KUBECTL, ['version', '--client'])).status !== 0) {
      throw new Error(`this suite applies the charts with kubectl, as users do; "${KUBECTL}" is not runnable (set KUBECTL to its path)`);
    }
    synthPlatform(dist, namespace, kindName);
    const files = fs.readdirSync(dist).sort();
    expect(files).toEqual(['0000-install.k8s.yaml', '0001-tenant.k8s.yaml', '0002-kinds.k8s.yaml', '0003-workspaces.k8s.yaml']);
    // The documented order: the install file, the CRDs Established, then the whole folder.
    applied.push(await kubectl('apply', '-f', path.join(dist, files[0])));
    expectSuccess(applied[0]);
    expectSuccess(await kubectl('wait', '--for=condition=Established', '--timeout=60s',
      'crd/workspaces.kubeflow.org', 'crd/workspacekinds.kubeflow.org'));
    applied.push(await kubectl('apply', '-f', dist));
    expectSuccess(applied[1]);
  }, TIMEOUT_MS);

  afterAll(async () => {
    // Only what is this suite's own: other suites may share the CRDs and the controller namespace.
    await kubectl('delete', '--wait=false', '--ignore-not-found', 'namespace', namespace);
    await kubectl('delete', '--wait=false', '--ignore-not-found', `workspacekind/${kindName}`, `clusterrolebinding/kubeflow-workspaces-kind-reader-${namespace}`);
    fs.rmSync(workDir, { recursive: true, force: true });
  }, TIMEOUT_MS);

  it('applies without Pod Security warnings, and again without errors', async () => {
    for (const result of applied) {
      expect(result.stderr).not.toMatch(/PodSecurity/);
    }
    expect(applied[1].stdout).toMatch(/workspace.kubeflow.org\/alice (created|configured|unchanged)/);
    expectSuccess(await kubectl('apply', '-f', dist));
  });

  it('serves the CRDs with the schema of the crds/ files', async () => {
    for (const { file } of CRD_FILES) {
      const expected = parseAllDocuments(fs.readFileSync(path.join(crdDirectory(), file), 'utf8'))[0].toJS();
      const r = await cluster.request(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${expected.metadata.name}`);
      expect(r.status).toBe(200);
      const { group, names, scope, versions } = r.json.spec;
      expect({ group, names, scope }).toEqual({ group: expected.spec.group, names: expected.spec.names, scope: expected.spec.scope });
      expect(versions.map((v: any) => v.schema)).toEqual(expected.spec.versions.map((v: any) => v.schema));
    }
  });

  it('grants the controller every rule of the reconciler, in every namespace', async () => {
    for (const rule of RECONCILER_CLUSTER_RULES) {
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          for (const verb of rule.verbs) {
            expect(`${verb} ${group}/${resource}: ${await canI(CONTROLLER_USER, CONTROLLER_GROUPS, verb, group, resource, namespace)}`)
              .toBe(`${verb} ${group}/${resource}: true`);
          }
        }
      }
    }
    for (const rule of RECONCILER_NAMESPACE_RULES) {
      for (const verb of rule.verbs) {
        expect(await canI(CONTROLLER_USER, CONTROLLER_GROUPS, verb, rule.apiGroups[0], rule.resources[0], DEFAULT_CONTROLLER_NAMESPACE)).toBe(true);
      }
    }
  });

  it('grants the controller nothing else: no Secrets, no Leases elsewhere, no kind deletion', async () => {
    const denied: [string, string, string, string | undefined][] = [
      ['get', '', 'secrets', namespace],
      ['list', '', 'secrets', DEFAULT_CONTROLLER_NAMESPACE],
      ['list', '', 'configmaps', namespace],
      ['create', 'coordination.k8s.io', 'leases', namespace],
      ['delete', 'kubeflow.org', 'workspacekinds', undefined],
      ['create', 'rbac.authorization.k8s.io', 'rolebindings', namespace],
      ['delete', '', 'pods', namespace],
    ];
    for (const [verb, group, resource, ns] of denied) {
      expect(`${verb} ${group}/${resource}: ${await canI(CONTROLLER_USER, CONTROLLER_GROUPS, verb, group, resource, ns)}`)
        .toBe(`${verb} ${group}/${resource}: false`);
    }
  });

  it('lets the team\'s editors manage Workspaces and read kinds, its viewers read them, and nobody write kinds', async () => {
    const editor: [string, string[]] = ['alice', [`${namespace}-editors`, 'system:authenticated']];
    const viewer: [string, string[]] = [`${namespace}-viewer`, ['system:authenticated']];
    // The aggregation controller fills the built-in roles shortly after the install.
    await eventually('edit to include Workspaces', async () =>
      (await canI(...editor, 'create', 'kubeflow.org', 'workspaces', namespace)) || undefined);
    expect(await canI(...editor, 'delete', 'kubeflow.org', 'workspaces', namespace)).toBe(true);
    expect(await canI(...editor, 'list', 'kubeflow.org', 'workspacekinds')).toBe(true);
    expect(await canI(...editor, 'create', 'kubeflow.org', 'workspacekinds')).toBe(false);
    expect(await canI(...editor, 'update', 'kubeflow.org', 'workspaces/status', namespace)).toBe(false);
    expect(await canI(...editor, 'create', 'kubeflow.org', 'workspaces', 'default')).toBe(false);
    await eventually('view to include Workspaces', async () =>
      (await canI(...viewer, 'list', 'kubeflow.org', 'workspaces', namespace)) || undefined);
    expect(await canI(...viewer, 'get', 'kubeflow.org', 'workspaces/status', namespace)).toBe(true);
    expect(await canI(...viewer, 'create', 'kubeflow.org', 'workspaces', namespace)).toBe(false);
    expect(await canI(...viewer, 'get', 'kubeflow.org', 'workspacekinds')).toBe(true);
    expect(await canI(...viewer, 'get', '', 'secrets', namespace)).toBe(false);
  });

  it('admits the controller Pods under the restricted Pod Security level', async () => {
    const selector = encodeURIComponent(`app.kubernetes.io/name=${CONTROLLER_NAME}`);
    const pods = await eventually('two controller Pods', async () => {
      const r = await cluster.request(`/api/v1/namespaces/${DEFAULT_CONTROLLER_NAMESPACE}/pods?labelSelector=${selector}`);
      return r.json.items.length === 2 ? r.json.items : undefined;
    });
    for (const pod of pods) {
      expect(pod.spec.serviceAccountName).toBe(CONTROLLER_NAME);
    }
  });

  it('runs the reconciler under the controller ServiceAccount without a single 403', async () => {
    const token = await cluster.request(`/api/v1/namespaces/${DEFAULT_CONTROLLER_NAMESPACE}/serviceaccounts/${CONTROLLER_NAME}/token`, {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    expect(token.status).toBe(201);
    const kubeconfig = cluster.kubeconfigFor(token.json.status.token, CONTROLLER_NAME);
    const bundle = path.join(workDir, 'reconciler.js');
    const build = await run(process.execPath, [path.join(ROOT, 'scripts', 'build-reconciler.mjs'), '--outfile', bundle]);
    expect(`${build.status} ${build.stderr}`).toBe('0 ');

    let output = '';
    const reconciler: ChildProcess = spawn(process.execPath, [bundle,
      `--kubeconfig=${kubeconfig}`, '--bind-address=127.0.0.1', `--health-port=${await freePort()}`, '--metrics-port=0',
      '--leader-elect=true', `--leader-election-namespace=${DEFAULT_CONTROLLER_NAMESPACE}`, '--log-level=debug',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    reconciler.stdout!.on('data', chunk => { output += chunk; });
    reconciler.stderr!.on('data', chunk => { output += chunk; });
    try {
      await eventually('the Workspace to get a StatefulSet and a state', async () => {
        const sets = await cluster.request(`/apis/apps/v1/namespaces/${namespace}/statefulsets?labelSelector=${encodeURIComponent('notebooks.kubeflow.org/workspace-name=alice')}`);
        const workspace = await cluster.request(`/apis/kubeflow.org/v1beta1/namespaces/${namespace}/workspaces/alice`);
        return sets.json.items.length === 1 && workspace.json.status?.state ? true : undefined;
      });
    } finally {
      reconciler.kill('SIGTERM');
      await new Promise(resolve => (reconciler.exitCode !== null ? resolve(undefined) : reconciler.once('exit', resolve)));
    }
    expect(output).not.toMatch(/forbidden|\b403\b/i);
  }, TIMEOUT_MS);
}, ControlPlaneMode.FULL);
