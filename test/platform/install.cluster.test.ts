/**
 * The platform charts against a real control plane (FULL mode: controller-manager for role aggregation and
 * ReplicaSets, kwok for Pods): the documented kubectl apply order on a fresh cluster, the CRDs as served, the
 * controller's RBAC as the API server evaluates it (the culling probes only in tenant namespaces), Pod Security
 * admission of the controller Pods, the aggregated roles for people, and the reconciler bundle itself running under
 * exactly the synthesized ServiceAccount, ClusterRole and tenant binding without a single 403 — and, in a dedicated
 * test, what happens to the culling probes of a namespace without the tenant's binding.
 */
import { CRD_FILES } from '../../lib/core/crds';
import { crdDirectory } from '../crd-files';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { ActivityProbe, SpawnerImage, Workspace, WorkspaceKind, WorkspaceVolume } from '../../lib';
import {
  AdmissionWebhookMode,
  ApplyOrder,
  BuiltInRole,
  MemberKind,
  PlatformNames,
  WorkspacesInstallChart,
  WorkspacesTenant,
} from '../../lib/platform';
import { RECONCILER_CLUSTER_RULES, RECONCILER_CULLING_RULES, RECONCILER_NAMESPACE_RULES, RECONCILER_WORKLOAD_WRITE_RULES } from '../../lib/core/contract/permissions';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { ControlPlaneMode } from '../cluster/control-plane';

const TIMEOUT_MS = 90_000;
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const ROOT = path.join(__dirname, '..', '..');
const CONTROLLER_USER = `system:serviceaccount:${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}:${PlatformNames.CONTROLLER}`;
const CONTROLLER_GROUPS = ['system:serviceaccounts', `system:serviceaccounts:${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}`, 'system:authenticated'];

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

/** Culling with the shortest idle time the CRD allows. */
function culling(activityProbe: ActivityProbe) {
  return { maxInactive: Duration.seconds(60), activityProbe };
}

/** A kind of the suite: one image with a Jupyter port, one pod size. */
function addKind(scope: Chart, id: string, name: string, activityProbe: ActivityProbe): WorkspaceKind {
  const kind = new WorkspaceKind(scope, id, {
    name,
    displayName: 'Platform e2e',
    description: 'A kind for the platform cluster suite',
    icon: SpawnerImage.fromUrl('https://example.com/icon.svg'),
    logo: SpawnerImage.fromUrl('https://example.com/logo.svg'),
    serviceAccountName: 'default-editor',
    homeMountPath: '/home/jovyan',
    culling: culling(activityProbe),
  });
  const http = kind.addPort({ id: 'jupyterlab', displayName: 'JupyterLab' });
  kind.addImageConfig({ id: 'lab', displayName: 'Lab', image: 'example.com/lab:1', ports: [{ port: http, number: 8888 }] });
  kind.addPodConfig({ id: 'tiny', displayName: 'Tiny', resources: { requests: { cpu: '100m', memory: '128Mi' } } });
  return kind;
}

/**
 * The app the suite installs: the full install, a tenant, two kinds with culling (exec and Jupyter probes) and two
 * Workspaces of the exec kind (one waits for its claim, one runs), arranged for apply.
 */
function synthPlatform(outdir: string, namespace: string, kindName: string): void {
  const app = new App({ outdir });
  // No admission webhooks: this control plane is shared with the other suites, and the kwok Pods of the Deployment
  // cannot serve them (failurePolicy Fail would refuse every Workspace of the run). The webhooks have their own suite.
  new WorkspacesInstallChart(app, 'install', { controller: { webhook: AdmissionWebhookMode.DISABLED } });
  new WorkspacesTenant(new Chart(app, 'tenant'), 'Tenant', {
    namespace,
    members: [
      { kind: MemberKind.GROUP, name: `${namespace}-editors` },
      { kind: MemberKind.USER, name: `${namespace}-viewer`, role: BuiltInRole.VIEW },
    ],
  });
  const kinds = new Chart(app, 'kinds');
  // Exec probes only where the suite wants no 403 at all: a Jupyter probe of a kwok Pod goes through the service
  // proxy to an address that does not exist, and what answers that depends on the machine's network (a 403 from an
  // egress filter, a timeout).
  const kind = addKind(kinds, 'Kind', kindName, ActivityProbe.exec(['true']));
  addKind(kinds, 'JupyterKind', `${kindName}-jupyter`, ActivityProbe.jupyter());
  const workspaces = new Chart(app, 'workspaces', { namespace });
  new Workspace(workspaces, 'Alice', {
    name: 'alice',
    kind,
    homeVolume: WorkspaceVolume.newClaim({ name: 'alice-home' }),
  });
  // No volume (the control plane has no storage provisioner): its Pod runs, so the culler probes it.
  new Workspace(workspaces, 'Bob', { name: 'bob', kind });
  ApplyOrder.arrange(app);
  app.synth();
}

/**
 * A team namespace whose tenant leaves out the controller's culling binding, with a running Workspace of each kind:
 * the API server refuses their probes.
 */
function synthUnboundNamespace(outdir: string, namespace: string, kindName: string): void {
  const app = new App({ outdir });
  new WorkspacesTenant(new Chart(app, 'tenant'), 'Tenant', { namespace, allowCulling: false });
  const workspaces = new Chart(app, 'workspaces', { namespace });
  for (const [id, name, kind] of [['Erin', 'erin', kindName], ['Frank', 'frank', `${kindName}-jupyter`]]) {
    const imported = WorkspaceKind.fromName(workspaces, `${id}Kind`, kind);
    new Workspace(workspaces, id, { name, kind: imported, imageConfig: imported.imageConfig('lab'), podConfig: imported.podConfig('tiny') });
  }
  ApplyOrder.arrange(app);
  app.synth();
}

/** One JSON log line of the reconciler. */
interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly workspace?: string;
  readonly error?: string;
  readonly [field: string]: unknown;
}

describeCluster('platform install', (cluster: ClusterConnection) => {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `platform-e2e-${suffix}`;
  const unbound = `platform-e2e-unbound-${suffix}`;
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
    await kubectl('delete', '--wait=false', '--ignore-not-found', 'namespace', namespace, unbound);
    await kubectl('delete', '--wait=false', '--ignore-not-found', `workspacekind/${kindName}`, `workspacekind/${kindName}-jupyter`,
      `clusterrolebinding/kubeflow-workspaces-kind-reader-${namespace}`);
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

  it('grants the controller every rule of the reconciler: the cluster rules everywhere, the write and culling rules in the tenant namespace', async () => {
    for (const rule of [...RECONCILER_CLUSTER_RULES, ...RECONCILER_CULLING_RULES, ...RECONCILER_WORKLOAD_WRITE_RULES]) {
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
        expect(await canI(CONTROLLER_USER, CONTROLLER_GROUPS, verb, rule.apiGroups[0], rule.resources[0], PlatformNames.DEFAULT_CONTROLLER_NAMESPACE)).toBe(true);
      }
    }
  });

  it('grants the controller nothing else: no Secrets, no Leases elsewhere, no kind deletion', async () => {
    const denied: [string, string, string, string | undefined][] = [
      ['get', '', 'secrets', namespace],
      ['list', '', 'secrets', PlatformNames.DEFAULT_CONTROLLER_NAMESPACE],
      ['list', '', 'configmaps', namespace],
      ['create', 'coordination.k8s.io', 'leases', namespace],
      ['delete', 'kubeflow.org', 'workspacekinds', undefined],
      ['create', 'rbac.authorization.k8s.io', 'rolebindings', namespace],
      ['delete', '', 'pods', namespace],
      // StatefulSets and Services are written only where a tenant grants it (tenant-scoped writes, the default)
      ['create', 'apps', 'statefulsets', 'kube-system'],
      ['patch', 'apps', 'statefulsets', 'default'],
      ['create', '', 'services', 'kube-system'],
      ['delete', 'apps', 'statefulsets', namespace],
      // exec and the service proxy only where a tenant binds them: not in the system namespaces, nor in its own
      ['create', '', 'pods/exec', 'kube-system'],
      ['get', '', 'pods/exec', 'kube-system'],
      ['get', '', 'services/proxy', 'kube-system'],
      ['get', '', 'pods/exec', PlatformNames.DEFAULT_CONTROLLER_NAMESPACE],
      ['get', '', 'services/proxy', 'default'],
      ['create', '', 'pods/attach', namespace],
      ['create', '', 'pods/portforward', namespace],
      ['get', '', 'nodes/proxy', undefined],
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
    const selector = encodeURIComponent(`app.kubernetes.io/name=${PlatformNames.CONTROLLER}`);
    const pods = await eventually('two controller Pods', async () => {
      const r = await cluster.request(`/api/v1/namespaces/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/pods?labelSelector=${selector}`);
      return r.json.items.length === 2 ? r.json.items : undefined;
    });
    for (const pod of pods) {
      expect(pod.spec.serviceAccountName).toBe(PlatformNames.CONTROLLER);
    }
  });

  describe('the reconciler bundle under the controller ServiceAccount', () => {
    const bundle = path.join(workDir, 'reconciler.js');
    let kubeconfig = '';

    beforeAll(async () => {
      const token = await cluster.request(`/api/v1/namespaces/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/serviceaccounts/${PlatformNames.CONTROLLER}/token`, {
        method: 'POST',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
      });
      expect(token.status).toBe(201);
      kubeconfig = cluster.kubeconfigFor(token.json.status.token, PlatformNames.CONTROLLER);
      const build = await run(process.execPath, [path.join(ROOT, 'scripts', 'build-reconciler.mjs'), '--outfile', bundle]);
      expect(`${build.status} ${build.stderr}`).toBe('0 ');
    }, TIMEOUT_MS);

    /**
     * Runs the bundle (probing every second) until `done` says so, then stops it with SIGTERM; returns its log lines
     * and how long it ran. Fails if it exits by itself or does not exit cleanly.
     */
    async function runReconciler(done: (lines: LogLine[]) => Promise<boolean>): Promise<{ lines: LogLine[]; output: string; seconds: number }> {
      let output = '';
      const started = Date.now();
      const reconciler: ChildProcess = spawn(process.execPath, [bundle,
        `--kubeconfig=${kubeconfig}`, '--bind-address=127.0.0.1', `--health-port=${await freePort()}`, '--metrics-port=0',
        '--leader-elect=true', `--leader-election-namespace=${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}`, '--log-level=debug',
        '--culling-interval=1s', '--culling-probe-timeout=3s',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      reconciler.stdout!.on('data', chunk => { output += chunk; });
      reconciler.stderr!.on('data', chunk => { output += chunk; });
      const exited = new Promise<number | null>(resolve => reconciler.once('exit', code => resolve(code)));
      const lines = (): LogLine[] => output.split('\n').filter(Boolean).map(line => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          return { level: 'unparsed', msg: line };
        }
      });
      try {
        await eventually('the reconciler to get there', async () => {
          if (reconciler.exitCode !== null) {
            throw new Error(`the reconciler exited with ${reconciler.exitCode}:\n${output.slice(-3000)}`);
          }
          return (await done(lines())) || undefined;
        }, 75_000);
      } catch (err) {
        const notable = lines().filter(l => l.level !== 'debug').slice(-30).map(l => JSON.stringify(l));
        throw new Error(`${(err as Error).message}; the reconciler's last lines above debug:\n${notable.join('\n')}`);
      } finally {
        reconciler.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      return { lines: lines(), output, seconds: (Date.now() - started) / 1000 };
    }

    const probeFailures = (lines: LogLine[], workspace: string): LogLine[] =>
      lines.filter(l => l.msg === 'activity probe failed' && l.workspace === workspace);

    async function workspace(ns: string, name: string): Promise<any> {
      return (await cluster.request(`/apis/kubeflow.org/v1beta1/namespaces/${ns}/workspaces/${name}`)).json;
    }

    it('runs without a single 403, the tenant\'s Workspaces probed through the API server', async () => {
      const { lines, output } = await runReconciler(async current => {
        const sets = await cluster.request(`/apis/apps/v1/namespaces/${namespace}/statefulsets?labelSelector=${encodeURIComponent('notebooks.kubeflow.org/workspace-name=alice')}`);
        return sets.json.items.length === 1 && (await workspace(namespace, 'alice')).status?.state !== undefined
          // bob runs: the culler probes it with exec through the API server, which the tenant's binding allows
          && probeFailures(current, `${namespace}/bob`).length >= 2;
      });
      expect(output).not.toMatch(/forbidden|\b403\b/i);
      // The probe got past authorization and failed where the fake Node has no kubelet.
      expect(probeFailures(lines, `${namespace}/bob`)[0].error).toMatch(/Unexpected server response: 5\d\d|timed out|exec failed/);
      expect((await workspace(namespace, 'bob')).spec.paused).toBe(false);
    }, TIMEOUT_MS);

    it('dedicated: a namespace without the tenant\'s culling binding gets 403 for its probes only, which fail and never pause, without a retry storm', async () => {
      const unboundDist = path.join(workDir, 'unbound');
      synthUnboundNamespace(unboundDist, unbound, kindName);
      for (const file of fs.readdirSync(unboundDist)) {
        expect(fs.readFileSync(path.join(unboundDist, file), 'utf8')).not.toContain(PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE);
      }
      expectSuccess(await kubectl('apply', '-f', unboundDist));

      const { lines, seconds } = await runReconciler(async current =>
        probeFailures(current, `${unbound}/erin`).length >= 3 && probeFailures(current, `${unbound}/frank`).length >= 3
          && probeFailures(current, `${namespace}/bob`).length >= 1);

      // Every 403 of the run is about the unbound namespace's probes, and says what is missing.
      const refusals = lines.filter(l => /forbidden|\b403\b/i.test(JSON.stringify(l)));
      expect(refusals.length).toBeGreaterThan(0);
      for (const line of refusals) {
        expect({ msg: line.msg, workspace: line.workspace }).toEqual({ msg: 'activity probe failed', workspace: expect.stringMatching(new RegExp(`^${unbound}/(erin|frank)$`)) });
        expect(line.error).toContain(PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE);
      }
      expect(probeFailures(lines, `${unbound}/erin`)[0].error).toContain(`refused pods/exec in namespace "${unbound}" (403 Forbidden`);
      expect(probeFailures(lines, `${unbound}/frank`)[0].error).toContain('cannot get resource "services/proxy"');
      // One probe per Workspace and interval (1 s), never a tight retry loop.
      for (const name of ['erin', 'frank']) {
        expect(probeFailures(lines, `${unbound}/${name}`).length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      }
      // The refusals change nothing: no activity recorded, no pause; the Workspaces are reconciled as usual.
      for (const name of ['erin', 'frank']) {
        const ws = await workspace(unbound, name);
        expect({ name, paused: ws.spec.paused, state: ws.status.state, activity: ws.status.activity })
          .toEqual({ name, paused: false, state: 'Running', activity: { lastActivity: 0, lastUpdate: 0 } });
      }
      // The user sees why on the Workspace.
      const events = await cluster.request(`/api/v1/namespaces/${unbound}/events?fieldSelector=${encodeURIComponent('involvedObject.name=erin,reason=ActivityProbeFailed')}`);
      expect(events.json.items.length).toBeGreaterThan(0);
      expect(events.json.items[0].message).toContain(PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE);
    }, 2 * TIMEOUT_MS);
  });
}, ControlPlaneMode.FULL);
