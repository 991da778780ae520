/**
 * The "done when" of the beta revision: upstream's v2.0.0-beta.0 samples and one-rule mutations of them get the same
 * verdict from `kfws validate --api-revision v2.0.0-beta.0` as from a real kube-apiserver with the beta CRDs (schema
 * and CEL, `dryRun=All`, `fieldValidation=Strict`) followed by the beta admission webhook's rules of the core (which a
 * request reaches only when the API server's own validation passed).
 *
 * The control plane is shared with suites that install the default revision under `kubeflow.org`, so the beta CRDs
 * are installed under a group of their own (same names and schema). Samples are read from ../shared/reference at
 * test time; each case is written to a temporary folder and checked by the CLI in this process.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../lib/cli/main';
import { ExitCode } from '../../lib/cli/types';
import { crdManifests } from '../../lib/core/crds';
import { ApiRevision } from '../../lib/core/revision';
import { admitWorkspaceCreate, admitWorkspaceKindCreate, formatViolation } from '../../lib/core/validation';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { readReference } from '../reference';

const BETA = ApiRevision.V2_0_0_BETA_0;
const TIMEOUT_MS = 5 * 60_000;
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const NAMESPACE = 'default';

type Json = any;
type Kind = 'WorkspaceKind' | 'Workspace';

interface Case {
  readonly name: string;
  readonly kind: Kind;
  readonly object: Json;
}

const sample = (file: string): Json => readReference(BETA, 'samples', file);
const jupyterlab = (): Json => sample('jupyterlab_v1beta1_workspacekind.yaml');
const codeserver = (): Json => sample('codeserver_v1beta1_workspacekind.yaml');
const rstudio = (): Json => sample('rstudio_v1beta1_workspacekind.yaml');
const workspace = (): Json => sample('jupyterlab_v1beta1_workspace.yaml');

function kindCase(name: string, base: () => Json, edit: (k: Json) => void): Case {
  const object = base();
  edit(object);
  return { name, kind: 'WorkspaceKind', object };
}

function workspaceCase(name: string, edit: (w: Json) => void): Case {
  const object = workspace();
  edit(object);
  return { name, kind: 'Workspace', object };
}

const probe = (k: Json): Json => k.spec.podTemplate.activityProbe;
const filter = (k: Json): Json => k.spec.filterRules[0];

/** The samples, then one mutation per rule: schema, CEL, removed fields, the webhook's rules, and relaxed patterns. */
const CASES: readonly Case[] = [
  kindCase('sample jupyterlab', jupyterlab, () => undefined),
  kindCase('sample codeserver', codeserver, () => undefined),
  kindCase('sample rstudio', rstudio, () => undefined),
  workspaceCase('sample workspace', () => undefined),
  // fields removed at the beta
  workspaceCase('removed spec.deferUpdates', (w) => (w.spec.deferUpdates = true)),
  kindCase('removed podTemplate.culling', jupyterlab, (k) => (k.spec.podTemplate.culling = { enabled: true, activityProbe: { jupyter: { lastActivity: true } } })),
  kindCase('removed serviceAccount.name', jupyterlab, (k) => (k.spec.podTemplate.serviceAccount = { name: 'default-editor' })),
  // schema
  kindCase('icon configMap without namespace', jupyterlab, (k) => (k.spec.spawner.icon = { configMap: { name: 'logos', key: 'icon.svg', mediaType: 'image/svg+xml' } })),
  kindCase('icon configMap mediaType image/png', jupyterlab, (k) => (k.spec.spawner.icon = { configMap: { name: 'logos', namespace: 'kubeflow', key: 'icon.svg', mediaType: 'image/png' } })),
  kindCase('icon configMap complete', jupyterlab, (k) => (k.spec.spawner.icon = { configMap: { name: 'logos', namespace: 'kubeflow', key: 'icon.svg', mediaType: 'image/svg+xml' } })),
  kindCase('icon configMap key with a slash', jupyterlab, (k) => (k.spec.spawner.icon = { configMap: { name: 'logos', namespace: 'kubeflow', key: 'a/b.svg', mediaType: 'image/svg+xml' } })),
  kindCase('secondsSinceActive 15', jupyterlab, (k) => (k.spec.activityRules[1].config.secondsSinceActive = 15)),
  kindCase('minRunningSeconds -1', jupyterlab, (k) => (k.spec.activityRules[0].config.minRunningSeconds = -1)),
  kindCase('probeIntervalSeconds 0', jupyterlab, (k) => (probe(k).probeIntervalSeconds = 0)),
  kindCase('probeIntervalSeconds over a year', jupyterlab, (k) => (probe(k).probeIntervalSeconds = 31536001)),
  kindCase('podExec timeoutSeconds 0', codeserver, (k) => (probe(k).podExec.timeoutSeconds = 0)),
  kindCase('podExec script of 2049 chars', codeserver, (k) => (probe(k).podExec.script = `#!/bin/sh\n${'#'.repeat(2039)}`)),
  kindCase('filterRules match empty', jupyterlab, (k) => (filter(k).match = [])),
  kindCase('filterRules scope unknown', jupyterlab, (k) => (filter(k).scope = 'NAMESPACE')),
  kindCase('filterRules denyMessage of 1 char', jupyterlab, (k) => (filter(k).effect = { api: { deny: true, denyMessage: { text: 'x' } } })),
  kindCase('clusterRoles name with a slash', jupyterlab, (k) => (k.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'a/b' }] })),
  kindCase('clusterRoles name ..', jupyterlab, (k) => (k.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: '..' }] })),
  kindCase('clusterRoles valid, with a colon', jupyterlab, (k) => (k.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'system:aggregate-to-view' }, { name: 'kubeflow-view' }] })),
  kindCase('clusterRoles duplicate', jupyterlab, (k) => (k.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'view' }, { name: 'view' }] })),
  kindCase('1-character port id', jupyterlab, (k) => {
    k.spec.podTemplate.ports[0].id = 'j';
    probe(k).jupyter.portId = 'j';
    k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "j" }}';
    for (const v of k.spec.podTemplate.options.imageConfig.values) v.spec.ports[0].id = 'j';
  }),
  // CEL
  kindCase('activityProbe with podExec and jupyter', jupyterlab, (k) => (probe(k).podExec = { script: '#!/bin/sh\nexit 0' })),
  kindCase('activityProbe with neither', jupyterlab, (k) => delete probe(k).jupyter),
  kindCase('minProbeIntervalSeconds above probeIntervalSeconds', jupyterlab, (k) => (probe(k).minProbeIntervalSeconds = 3601)),
  kindCase('minProbeIntervalSeconds above the default interval', jupyterlab, (k) => {
    delete probe(k).probeIntervalSeconds;
    probe(k).minProbeIntervalSeconds = 4000;
  }),
  kindCase('jupyter lastActivity false', jupyterlab, (k) => (probe(k).jupyter.lastActivity = false)),
  kindCase('activity rule without effect', jupyterlab, (k) => (k.spec.activityRules[0].effect = {})),
  kindCase('filter rule without ui or api', jupyterlab, (k) => (filter(k).effect = {})),
  kindCase('filter denyMessage without deny', jupyterlab, (k) => (filter(k).effect = { api: { hide: true, denyMessage: { text: 'no' } } })),
  kindCase('filter match with two members', jupyterlab, (k) => {
    filter(k).scope = 'POD_CONFIG';
    filter(k).match[0].matchPodConfig = { selector: { matchLabels: { gpu: '1' } } };
  }),
  kindCase('icon with url and configMap', jupyterlab, (k) => (k.spec.spawner.icon.configMap = { name: 'logos', namespace: 'kubeflow', key: 'icon.svg', mediaType: 'image/svg+xml' })),
  // the webhook's rules
  kindCase('filter effect with every flag false', jupyterlab, (k) => (filter(k).effect = { ui: { hide: false }, api: { hide: false, deny: false } })),
  kindCase('matchImageConfig in a WORKSPACE_KIND rule', jupyterlab, (k) => (filter(k).match = [{ matchImageConfig: { selector: { matchLabels: { a: 'b' } } } }])),
  kindCase('matchImageConfig in a POD_CONFIG rule', jupyterlab, (k) => {
    filter(k).scope = 'POD_CONFIG';
    filter(k).match = [{ matchImageConfig: { selector: { matchLabels: { a: 'b' } } } }];
  }),
  kindCase('filter selector In without values', jupyterlab, (k) => delete filter(k).match[0].matchNamespace.selector.matchExpressions[0].values),
  kindCase('filter selector with a bad operator', jupyterlab, (k) => (filter(k).match[0].matchNamespace.selector.matchExpressions[0].operator = 'Near')),
  kindCase('filter selector with a bad label key', jupyterlab, (k) => (filter(k).match[0].matchNamespace.selector.matchExpressions[0].key = '-team')),
  kindCase('activity rule selector Exists with values', jupyterlab, (k) => (k.spec.activityRules[0].match.matchNamespace.selector = { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] })),
  kindCase('podExec script without a shebang', codeserver, (k) => (probe(k).podExec.script = 'echo hi\nexit 0')),
  kindCase('podExec shebang with a trailing blank', codeserver, (k) => (probe(k).podExec.script = '#!/bin/bash \nexit 0')),
  kindCase('podExec shebang of 256 bytes', codeserver, (k) => (probe(k).podExec.script = `#!/bin/${'s'.repeat(249)}\nexit 0`)),
  kindCase('podExec shebang with env and arguments', codeserver, (k) => (probe(k).podExec.script = '#!  /usr/bin/env   python3 -u\nprint(1)')),
  kindCase('jupyter portId not a Kind port', jupyterlab, (k) => (probe(k).jupyter.portId = 'lab')),
  kindCase('a second catch-all rule', jupyterlab, (k) => k.spec.activityRules.push({ config: { secondsSinceActive: 90000 }, effect: { pauseWorkspace: true } })),
  kindCase('a catch-all before a matching rule', jupyterlab, (k) => k.spec.activityRules.reverse()),
  kindCase('an exempting rule after the catch-all', jupyterlab, (k) => k.spec.activityRules.push({ config: { secondsSinceActive: 60 }, match: { matchNamespace: { selector: { matchLabels: { a: 'b' } } } }, effect: { pauseWorkspace: false } })),
  kindCase('a pausing rule without activityProbe', jupyterlab, (k) => delete k.spec.podTemplate.activityProbe),
  kindCase('an exempting rule without activityProbe', jupyterlab, (k) => {
    delete k.spec.podTemplate.activityProbe;
    k.spec.activityRules = [{ config: { secondsSinceActive: 3600 }, match: {}, effect: { pauseWorkspace: false } }];
  }),
  kindCase('secondsSinceActive under twice the interval (a warning only)', jupyterlab, (k) => (k.spec.activityRules[1].config.secondsSinceActive = 100)),
  kindCase('request header template that does not parse', rstudio, (k) => (k.spec.podTemplate.ports[0].httpProxy.requestHeaders.set['X-RStudio-Root-Path'] = '{{ httpPathPrefix "rstudio"')),
  kindCase('request header template of an unknown function', rstudio, (k) => (k.spec.podTemplate.ports[0].httpProxy.requestHeaders.add = { 'X-Extra': '{{ nope }}' })),
  kindCase('default podConfig missing', jupyterlab, (k) => (k.spec.podTemplate.options.podConfig.spawner.default = 'medium_cpu')),
  kindCase('redirect to a missing imageConfig', jupyterlab, (k) => (k.spec.podTemplate.options.imageConfig.values[0].redirect.to = 'jupyter-scipy:v0')),
  // the Workspace
  workspaceCase('displayName empty', (w) => (w.spec.displayName = '')),
  workspaceCase('displayName of 129 chars', (w) => (w.spec.displayName = 'x'.repeat(129))),
  workspaceCase('secret defaultMode 512', (w) => (w.spec.podTemplate.volumes.secrets[0].defaultMode = 512)),
  workspaceCase('secret defaultMode 0', (w) => (w.spec.podTemplate.volumes.secrets[0].defaultMode = 0)),
  workspaceCase('secret without defaultMode', (w) => delete w.spec.podTemplate.volumes.secrets[0].defaultMode),
  workspaceCase('secretName not a subdomain', (w) => (w.spec.podTemplate.volumes.secrets[0].secretName = 'Workspace_Secret')),
  workspaceCase('secrets with one mountPath twice', (w) => w.spec.podTemplate.volumes.secrets.push({ secretName: 'other', mountPath: '/secrets/my-secret' })),
  workspaceCase('secret mountPath relative', (w) => (w.spec.podTemplate.volumes.secrets[0].mountPath = 'secrets')),
  workspaceCase('home a dotted subdomain', (w) => (w.spec.podTemplate.volumes.home = 'home.pvc')),
  workspaceCase('data pvcName of 1 char', (w) => (w.spec.podTemplate.volumes.data[0].pvcName = 'd')),
  workspaceCase('paused not a boolean', (w) => (w.spec.paused = 'no')),
  workspaceCase('paused absent', (w) => delete w.spec.paused),
  workspaceCase('imageConfig not in the kind', (w) => (w.spec.podTemplate.options.imageConfig = 'jupyter-scipy:v0')),
  workspaceCase('podMetadata label key invalid', (w) => (w.spec.podTemplate.podMetadata.labels = { '-bad': 'x' })),
];

function writeCase(c: Case): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-beta-'));
  // JSON (which is YAML): the API server gets the same values, with no YAML 1.1 reading of `no` as false.
  fs.writeFileSync(path.join(dir, 'object.yaml'), JSON.stringify(c.object));
  if (c.kind === 'Workspace') fs.writeFileSync(path.join(dir, 'kind.yaml'), JSON.stringify(jupyterlab()));
  return dir;
}

/** `kfws validate --api-revision v2.0.0-beta.0`: true when it accepts the case. */
function kfwsAccepts(c: Case): { accepted: boolean; output: string } {
  const dir = writeCase(c);
  let output = '';
  try {
    const status = run(['validate', '--api-revision', BETA, '--format', 'text', '.'], {
      cwd: dir,
      env: {},
      stdout: (t) => (output += t),
      stderr: (t) => (output += t),
    });
    if (status !== ExitCode.OK && status !== ExitCode.FAILED) throw new Error(`kfws exited ${status}: ${output}`);
    return { accepted: status === ExitCode.OK, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeCluster('beta verdicts: kfws --api-revision v2.0.0-beta.0 against the API server with the beta CRDs and the core\'s webhook rules', (cluster: ClusterConnection) => {
  const group = `beta-${randomBytes(3).toString('hex')}.verdicts.kfws.test`;
  const crds = crdManifests(BETA).map((crd: Json) => ({ ...crd, metadata: { name: `${crd.spec.names.plural}.${group}` }, spec: { ...crd.spec, group } }));

  beforeAll(async () => {
    for (const crd of crds) {
      const r = await cluster.request(CRDS, { method: 'POST', body: crd });
      expect({ crd: crd.metadata.name, status: r.status, body: r.status === 201 ? '' : r.body }).toEqual({ crd: crd.metadata.name, status: 201, body: '' });
    }
    // Established before use.
    const deadline = Date.now() + 60_000;
    for (const crd of crds) {
      for (;;) {
        const r = await cluster.request(`${CRDS}/${crd.metadata.name}`);
        if ((r.json?.status?.conditions ?? []).some((c: Json) => c.type === 'Established' && c.status === 'True')) break;
        if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not established`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }, TIMEOUT_MS);

  afterAll(async () => {
    for (const crd of crds) await cluster.request(`${CRDS}/${crd.metadata.name}`, { method: 'DELETE' });
  }, TIMEOUT_MS);

  /** The API server's verdict (schema + CEL, strict fields), then the webhook's rules on what it accepted. */
  async function clusterVerdict(c: Case): Promise<{ accepted: boolean; reason: string }> {
    const plural = c.kind === 'Workspace' ? 'workspaces' : 'workspacekinds';
    const at = c.kind === 'Workspace' ? `/namespaces/${NAMESPACE}` : '';
    const r = await cluster.request(`/apis/${group}/v1beta1${at}/${plural}?dryRun=All&fieldValidation=Strict`, {
      method: 'POST',
      body: { ...c.object, apiVersion: `${group}/v1beta1` },
    });
    if (r.status !== 201) return { accepted: false, reason: `API server ${r.status}: ${r.json?.message ?? r.body}` };
    // The webhook sees the object as stored (defaulted); its group is ours again.
    const stored = { ...r.json, apiVersion: 'kubeflow.org/v1beta1' };
    const violations = c.kind === 'Workspace' ? admitWorkspaceCreate(stored, jupyterlab()) : admitWorkspaceKindCreate(stored, BETA);
    return violations.length === 0
      ? { accepted: true, reason: 'accepted' }
      : { accepted: false, reason: `webhook: ${violations.map(formatViolation).join('; ')}` };
  }

  test(`${CASES.length} cases: the samples and one-rule mutations get the same verdict`, async () => {
    const mismatches: string[] = [];
    let refused = 0;
    for (const c of CASES) {
      const server = await clusterVerdict(c);
      const cli = kfwsAccepts(c);
      if (!server.accepted) refused++;
      if (server.accepted !== cli.accepted) {
        mismatches.push(`${c.name}: API server + webhook ${server.accepted ? 'accepts' : 'refuses'} (${server.reason}); kfws ${cli.accepted ? 'accepts' : 'refuses'}:\n${cli.output}`);
      }
    }
    expect(mismatches).toEqual([]);
    // The corpus exercises both verdicts: every sample is accepted, most mutations are refused.
    expect(refused).toBeGreaterThan(CASES.length / 2);
  }, TIMEOUT_MS);

  test('every sample is accepted by both', async () => {
    for (const c of CASES.filter((x) => x.name.startsWith('sample '))) {
      expect({ name: c.name, ...(await clusterVerdict(c)) }).toEqual({ name: c.name, accepted: true, reason: 'accepted' });
      expect(kfwsAccepts(c).accepted).toBe(true);
    }
  }, TIMEOUT_MS);
});
