/**
 * The synthesized manifests and our validation core against a real kube-apiserver (test/cluster, API or FULL mode):
 *
 *  1. every object of every chart of the example app (apps/main.ts) is accepted by server-side apply with
 *     `dryRun=All` and `fieldValidation=Strict` (the CRDs and Namespaces are applied for real first);
 *  2. a table of objects that each break one rule: the API server and lib/core/validation reject them at the same
 *     field path (and our core reports every field the API server reports). The admission-webhook rows are refused
 *     by the reconciler's webhook, registered for this suite's objects only (an object selector: the control plane
 *     is shared) by URL on 127.0.0.1, with the core's field path and message; the valid fixtures are accepted by all.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildExampleApp } from '../../apps/main';
import { InstallMode } from '../../lib';
import { OptionType } from '../../lib/core/options';
import {
  formatViolation,
  validateWorkspace,
  validateWorkspaceKind,
  validateWorkspaceKindUpdate,
  validateWorkspaceUpdate,
  Violation,
} from '../../lib/core/validation';
import { ROOT_FIELD } from '../../lib/core/validation/schema';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { KubeResponse } from '../cluster/control-plane';
import { Api, reconcilerToken } from '../reconciler/cluster-helpers';
import { grantWebhookCertificates, registerWebhooks, startWebhookOnly, VWC_PATH, WebhookOnly } from '../reconciler/webhook-helpers';
import { causes, eventually, freePort, KubeObject, RestMapper, serverSideApply, toIndexPath } from './helpers';

const TIMEOUT_MS = 60_000;
const FIELD_MANAGER = 'kfws-e2e-synth';
const NOT_CHECKED = 'some validation rules were not checked because the object was invalid';

function suffix(): string {
  return randomBytes(3).toString('hex');
}

/** `cdk8s synth` of the example app into a temp folder: the files in apply order, each with its objects. */
function synthExampleApp(mode: InstallMode): { file: string; objects: KubeObject[] }[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-e2e-synth-'));
  try {
    const app = new App({ outdir });
    buildExampleApp(app, mode);
    app.synth();
    return fs
      .readdirSync(outdir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((file) => ({
        file,
        objects: parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8'))
          .map((d) => d.toJS() as KubeObject)
          .filter((o) => o !== null),
      }));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function describeObject(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

describeCluster('synth output: server-side apply with dryRun=All of every object of the example app', (cluster: ClusterConnection) => {
  const mapper = new RestMapper(cluster);
  const full = synthExampleApp(InstallMode.FULL);
  const provided = synthExampleApp(InstallMode.CONTROLLER_PROVIDED);
  const all = (files: typeof full) => files.flatMap((f) => f.objects);
  const outcomes: string[] = [];

  afterAll(() => {
    console.log(`kube-apiserver ${cluster.version} (${cluster.mode} mode): server-side apply, dryRun=All, fieldValidation=Strict\n${outcomes.join('\n')}`);
  });

  it(`the API server reports its version (${cluster.version})`, async () => {
    const r = await cluster.request('/version');
    expect(r.status).toBe(200);
    expect(r.json.gitVersion).toBe(cluster.version);
    console.log(`kube-apiserver version: ${r.json.gitVersion} (${r.json.platform}, ${cluster.mode} mode control plane)`);
  });

  it('applies the CRDs and Namespaces of the synth output for real (server-side apply), and the CRDs become Established', async () => {
    const real = all(full).filter((o) => o.kind === 'CustomResourceDefinition' || o.kind === 'Namespace');
    expect(real.map((o) => o.kind).sort()).toEqual(['CustomResourceDefinition', 'CustomResourceDefinition', 'Namespace', 'Namespace']);
    for (const o of real) {
      // force: other suites of the run apply the same objects with other field managers (same values)
      const r = await serverSideApply(cluster, mapper, o, { fieldManager: FIELD_MANAGER, force: true });
      outcomes.push(`  ${String(r.status).padEnd(4)} ${describeObject(o)} (applied for real)`);
      expect(`${describeObject(o)}: ${r.status}`).toMatch(/: 20[01]$/);
    }
    for (const crd of real.filter((o) => o.kind === 'CustomResourceDefinition')) {
      await eventually(`CRD ${crd.metadata.name} Established`, async () => {
        const r = await cluster.request(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        return r.json?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True');
      });
    }
  }, TIMEOUT_MS);

  for (const [mode, files] of [['full install', full], ['controller provided', provided]] as const) {
    for (const { file, objects } of files) {
      it(`${mode}: every object of ${file} (${objects.map((o) => o.kind).join(', ').slice(0, 120)}) is accepted`, async () => {
        const rejected: string[] = [];
        for (const o of objects) {
          const r = await serverSideApply(cluster, mapper, o, { fieldManager: FIELD_MANAGER, dryRun: true, force: true });
          outcomes.push(`  ${String(r.status).padEnd(4)} ${mode}: ${file}: ${describeObject(o)}`);
          if (r.status !== 200 && r.status !== 201) rejected.push(`${describeObject(o)}: HTTP ${r.status} ${r.json?.message ?? r.body}`);
          // what a dry run returns is what would be stored: our object, with server defaults only
          else expect({ kind: r.json.kind, name: r.json.metadata.name }).toEqual({ kind: o.kind, name: o.metadata.name });
        }
        expect(rejected).toEqual([]);
      }, TIMEOUT_MS);
    }
  }

  it('our validation accepts the synthesized WorkspaceKind and every Workspace against it', () => {
    const objects = all(full);
    const kinds = objects.filter((o) => o.kind === 'WorkspaceKind');
    const workspaces = objects.filter((o) => o.kind === 'Workspace');
    expect(kinds.length).toBeGreaterThan(0);
    expect(workspaces.length).toBeGreaterThan(0);
    for (const k of kinds) expect(validateWorkspaceKind(k).map(formatViolation)).toEqual([]);
    for (const w of workspaces) {
      const kind = kinds.find((k) => k.metadata.name === (w.spec as any).kind);
      expect(validateWorkspace(w, { kind: kind as any, requireKind: true }).map(formatViolation)).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// the table

/**
 * Who rejects a row: the API server's ObjectMeta or OpenAPI schema validation, a CEL rule, or only the webhook.
 * `schema format` is a CRD field's `format` (int32), which kube-apiserver enforces only from 1.36 on (1.32.13 stores
 * 2^31 in an int32 field, measured): the API server rejects at the row's path or accepts, and the table says which;
 * our core always rejects. See test/e2e/README.md, "Kubernetes versions".
 */
type Enforcer = 'ObjectMeta' | 'schema' | 'schema format' | 'CEL' | 'CEL transition' | 'webhook';

interface Row {
  readonly name: string;
  readonly target: 'WorkspaceKind' | 'Workspace';
  readonly op: 'create' | 'update';
  /** Absent: a valid change, accepted by both. */
  readonly path?: string;
  readonly by?: Enforcer;
  /** The API server's status for the rejection (create: `POST ?dryRun=All`, update: `PUT ?dryRun=All`). */
  readonly status?: number;
  readonly edit: (o: any) => void;
  /** Kind updates: the options Workspaces use (the stored Workspaces select them; our core is told so). */
  readonly inUse?: readonly string[];
  /** Workspaces: validate against no Kind at all (the webhook's "workspace kind not found"). */
  readonly noKind?: boolean;
}

const KIND_VALUES = 'spec.podTemplate.options.imageConfig.values';
const POD_VALUES = 'spec.podTemplate.options.podConfig.values';

const ROWS: readonly Row[] = [
  // ----- WorkspaceKind, create
  { name: 'a valid WorkspaceKind (the synthesized jupyterlab kind)', target: 'WorkspaceKind', op: 'create', edit: () => undefined },
  { name: 'name pattern: metadata.name "Jupyter_Lab"', target: 'WorkspaceKind', op: 'create', by: 'ObjectMeta', path: 'metadata.name', edit: (k) => (k.metadata.name = 'Jupyter_Lab') },
  { name: 'pattern: volumeMounts.home "home" (not an absolute path)', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.volumeMounts.home', edit: (k) => (k.spec.podTemplate.volumeMounts.home = 'home') },
  { name: 'pattern: an image port id "-lab"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${KIND_VALUES}[1].spec.ports[0].id`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[1].spec.ports[0].id = '-lab') },
  { name: 'minLength: spawner.displayName "x"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.spawner.displayName', edit: (k) => (k.spec.spawner.displayName = 'x') },
  { name: 'maxLength: spawner.description of 4097 characters', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.spawner.description', edit: (k) => (k.spec.spawner.description = 'd'.repeat(4097)) },
  { name: 'maxLength in characters, not bytes: description of 4096 "é" is valid', target: 'WorkspaceKind', op: 'create', edit: (k) => (k.spec.spawner.description = 'é'.repeat(4096)) },
  { name: 'enum: ports[0].protocol "TCP"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.ports[0].protocol', edit: (k) => (k.spec.podTemplate.ports[0].protocol = 'TCP') },
  { name: 'enum: imagePullPolicy "Sometimes"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${KIND_VALUES}[0].spec.imagePullPolicy`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[0].spec.imagePullPolicy = 'Sometimes') },
  { name: 'enum: redirect.message.level "Critical"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${KIND_VALUES}[0].redirect.message.level`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[0].redirect.message = { level: 'Critical', text: 'upgrade' }) },
  { name: 'required: spawner.displayName missing', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.spawner.displayName', edit: (k) => delete k.spec.spawner.displayName },
  { name: 'required: podTemplate.serviceAccount missing', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.serviceAccount', edit: (k) => delete k.spec.podTemplate.serviceAccount },
  { name: 'required: a configMap icon without key', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.spawner.icon.configMap.key', edit: (k) => (k.spec.spawner.icon = { configMap: { name: 'icons' } }) },
  { name: 'list-map key: two Kind ports with id "jupyterlab"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.ports[1]', edit: (k) => k.spec.podTemplate.ports.push({ ...k.spec.podTemplate.ports[0], defaultDisplayName: 'Again' }) },
  { name: 'list-map key: two extraEnv entries named NB_PREFIX', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.extraEnv[1]', edit: (k) => k.spec.podTemplate.extraEnv.push({ name: 'NB_PREFIX', value: '/x' }) },
  { name: 'list-map key: two podConfig values with id "tiny_cpu"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${POD_VALUES}[3]`, edit: (k) => k.spec.podTemplate.options.podConfig.values.push(structuredClone(k.spec.podTemplate.options.podConfig.values[0])) },
  { name: 'minItems: no Kind ports', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.ports', edit: (k) => (k.spec.podTemplate.ports = []) },
  { name: 'maxItems: 33 spawner labels on an option', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${KIND_VALUES}[0].spawner.labels`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[0].spawner.labels = Array.from({ length: 33 }, (_, i) => ({ key: `key${i}`, value: 'v' }))) },
  { name: 'unknown field: spec.spawner.colour', target: 'WorkspaceKind', op: 'create', by: 'schema', status: 400, path: 'spec.spawner.colour', edit: (k) => (k.spec.spawner.colour = 'red') },
  { name: 'unknown field in an embedded core type: extraVolumes[0].emptyDir.colour', target: 'WorkspaceKind', op: 'create', by: 'schema', status: 400, path: 'spec.podTemplate.extraVolumes[0].emptyDir.colour', edit: (k) => (k.spec.podTemplate.extraVolumes[0].emptyDir.colour = 'red') },
  { name: 'type: spawner.hidden "yes"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.spawner.hidden', edit: (k) => (k.spec.spawner.hidden = 'yes') },
  { name: 'minimum: culling.maxInactiveSeconds 59', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.culling.maxInactiveSeconds', edit: (k) => (k.spec.podTemplate.culling.maxInactiveSeconds = 59) },
  { name: 'maximum: an image port 65536', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${KIND_VALUES}[0].spec.ports[0].port`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[0].spec.ports[0].port = 65536) },
  { name: 'int32 out of range: culling.maxInactiveSeconds 2^31', target: 'WorkspaceKind', op: 'create', by: 'schema format', path: 'spec.podTemplate.culling.maxInactiveSeconds', edit: (k) => (k.spec.podTemplate.culling.maxInactiveSeconds = 2 ** 31) },
  { name: 'int32 at the limit: culling.maxInactiveSeconds 2^31-1 is valid', target: 'WorkspaceKind', op: 'create', edit: (k) => (k.spec.podTemplate.culling.maxInactiveSeconds = 2 ** 31 - 1) },
  { name: 'quantity pattern: podConfig requests.cpu "lots"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: `${POD_VALUES}[0].spec.resources.requests.cpu`, edit: (k) => (k.spec.podTemplate.options.podConfig.values[0].spec.resources = { requests: { cpu: 'lots' } }) },
  { name: 'quantity pattern: emptyDir.sizeLimit "1 GB"', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.podTemplate.extraVolumes[0].emptyDir.sizeLimit', edit: (k) => (k.spec.podTemplate.extraVolumes[0].emptyDir.sizeLimit = '1 GB') },
  { name: 'quantity: requests.memory "1.5Gi" and cpu 2 (a number) are valid', target: 'WorkspaceKind', op: 'create', edit: (k) => (k.spec.podTemplate.options.podConfig.values[0].spec.resources = { requests: { cpu: 2, memory: '1.5Gi' } }) },
  { name: "CEL: icon with url and configMap (exactly one of 'url' or 'configMap')", target: 'WorkspaceKind', op: 'create', by: 'CEL', path: 'spec.spawner.icon', edit: (k) => (k.spec.spawner.icon = { url: 'https://example.com/i.png', configMap: { name: 'icons', key: 'i.png' } }) },
  { name: 'CEL: logo with neither url nor configMap', target: 'WorkspaceKind', op: 'create', by: 'CEL', path: 'spec.spawner.logo', edit: (k) => (k.spec.spawner.logo = {}) },
  { name: "CEL: activityProbe with exec and jupyter (exactly one of 'exec' or 'jupyter')", target: 'WorkspaceKind', op: 'create', by: 'CEL', path: 'spec.podTemplate.culling.activityProbe', edit: (k) => (k.spec.podTemplate.culling.activityProbe = { exec: { command: ['true'] }, jupyter: { lastActivity: true } }) },
  { name: 'CEL: activityProbe with neither exec nor jupyter', target: 'WorkspaceKind', op: 'create', by: 'CEL', path: 'spec.podTemplate.culling.activityProbe', edit: (k) => (k.spec.podTemplate.culling.activityProbe = {}) },
  { name: "CEL: jupyter.lastActivity false ('lastActivity' must be true)", target: 'WorkspaceKind', op: 'create', by: 'CEL', path: 'spec.podTemplate.culling.activityProbe.jupyter', edit: (k) => (k.spec.podTemplate.culling.activityProbe = { jupyter: { lastActivity: false } }) },
  // CEL rules do not run after "blocking" errors (apiextensions' hasBlockingErr), ObjectMeta errors included
  { name: 'blocking (required) error and a CEL violation: spawner.displayName missing, icon with url and configMap', target: 'WorkspaceKind', op: 'create', by: 'schema', path: 'spec.spawner.displayName', edit: (k) => {
    delete k.spec.spawner.displayName;
    k.spec.spawner.icon = { url: 'https://example.com/i.png', configMap: { name: 'icons', key: 'i.png' } };
  } },
  { name: 'blocking ObjectMeta error and a CEL violation: annotations over 256 KiB, icon with url and configMap', target: 'WorkspaceKind', op: 'create', by: 'ObjectMeta', path: 'metadata.annotations', edit: (k) => {
    k.metadata.annotations = { big: 'x'.repeat(256 * 1024) };
    k.spec.spawner.icon = { url: 'https://example.com/i.png', configMap: { name: 'icons', key: 'i.png' } };
  } },
  { name: 'non-blocking (minLength) error and a CEL violation: both reported', target: 'WorkspaceKind', op: 'create', by: 'CEL', path: 'spec.spawner.icon', edit: (k) => {
    k.spec.spawner.displayName = 'x';
    k.spec.spawner.icon = { url: 'https://example.com/i.png', configMap: { name: 'icons', key: 'i.png' } };
  } },
  // admission-webhook rules (docs/upstream-behavior.md §4.7): refused by the reconciler's webhook
  { name: 'webhook: default imageConfig that does not exist', target: 'WorkspaceKind', op: 'create', by: 'webhook', path: 'spec.podTemplate.options.imageConfig.spawner.default', edit: (k) => (k.spec.podTemplate.options.imageConfig.spawner.default = 'missing') },
  { name: 'webhook: imageConfig redirect cycle 180 -> 190 -> 180', target: 'WorkspaceKind', op: 'create', by: 'webhook', path: `${KIND_VALUES}[0].redirect.to`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[1].redirect = { to: k.spec.podTemplate.options.imageConfig.values[0].id }) },
  { name: 'webhook: podConfig redirect to a missing option', target: 'WorkspaceKind', op: 'create', by: 'webhook', path: `${POD_VALUES}[0].redirect.to`, edit: (k) => (k.spec.podTemplate.options.podConfig.values[0].redirect = { to: 'missing' }) },
  {
    name: 'webhook: port number 8888 twice in one image',
    target: 'WorkspaceKind',
    op: 'create',
    by: 'webhook',
    path: `${KIND_VALUES}[0].spec.ports[1].port`,
    edit: (k) => {
      k.spec.podTemplate.ports.push({ id: 'extra', defaultDisplayName: 'Extra', protocol: 'HTTP' });
      k.spec.podTemplate.options.imageConfig.values[0].spec.ports.push({ id: 'extra', port: 8888 });
    },
  },
  { name: 'webhook: image port id missing from the Kind ports', target: 'WorkspaceKind', op: 'create', by: 'webhook', path: `${KIND_VALUES}[0].spec.ports[0].id`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[0].spec.ports[0].id = 'nope') },
  { name: 'webhook: extraEnv template that does not parse', target: 'WorkspaceKind', op: 'create', by: 'webhook', path: 'spec.podTemplate.extraEnv[0].value', edit: (k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }') },
  { name: 'webhook: podMetadata label key "!bad-key!"', target: 'WorkspaceKind', op: 'create', by: 'webhook', path: 'spec.podTemplate.podMetadata.labels', edit: (k) => (k.spec.podTemplate.podMetadata.labels = { '!bad-key!': 'v' }) },

  // ----- WorkspaceKind, update of the stored Kind
  { name: 'a valid update: a new displayName and the option lists reversed (options in use)', target: 'WorkspaceKind', op: 'update', inUse: ['jupyterlab_scipy_190', 'tiny_cpu'], edit: (k) => {
    k.spec.spawner.displayName = 'JupyterLab (updated)';
    k.spec.podTemplate.options.imageConfig.values.reverse();
    k.spec.podTemplate.options.podConfig.values.reverse();
  } },
  { name: "CEL transition: serviceAccount.name changed (ServiceAccount 'name' is immutable)", target: 'WorkspaceKind', op: 'update', by: 'CEL transition', path: 'spec.podTemplate.serviceAccount.name', edit: (k) => (k.spec.podTemplate.serviceAccount.name = 'other-editor') },
  { name: "CEL transition: volumeMounts.home changed (mount path of 'home' is immutable)", target: 'WorkspaceKind', op: 'update', by: 'CEL transition', path: 'spec.podTemplate.volumeMounts.home', edit: (k) => (k.spec.podTemplate.volumeMounts.home = '/home/other') },
  { name: 'webhook: the image of an option in use changed', target: 'WorkspaceKind', op: 'update', by: 'webhook', inUse: ['jupyterlab_scipy_190'], path: `${KIND_VALUES}[1]`, edit: (k) => (k.spec.podTemplate.options.imageConfig.values[1].spec.image = 'example.com/other:1') },
  { name: 'webhook: an option in use removed', target: 'WorkspaceKind', op: 'update', by: 'webhook', inUse: ['small_cpu'], path: `${POD_VALUES}[1]`, edit: (k) => k.spec.podTemplate.options.podConfig.values.splice(1, 1) },

  // ----- Workspace, create
  { name: 'a valid Workspace (the synthesized Workspace "carol")', target: 'Workspace', op: 'create', edit: () => undefined },
  { name: 'name pattern: metadata.name "Carol"', target: 'Workspace', op: 'create', by: 'ObjectMeta', path: 'metadata.name', edit: (w) => (w.metadata.name = 'Carol') },
  { name: 'pattern: spec.kind "Jupyter_Lab"', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.kind', edit: (w) => (w.spec.kind = 'Jupyter_Lab') },
  { name: 'maxLength: spec.kind of 64 characters', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.kind', edit: (w) => (w.spec.kind = 'k'.repeat(64)) },
  { name: 'pattern: volumes.home "Home_PVC"', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.podTemplate.volumes.home', edit: (w) => (w.spec.podTemplate.volumes.home = 'Home_PVC') },
  { name: 'pattern: a data volume mountPath "data" (not absolute)', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.podTemplate.volumes.data[0].mountPath', edit: (w) => (w.spec.podTemplate.volumes.data = [{ pvcName: 'data', mountPath: 'data' }]) },
  { name: 'minLength: options.imageConfig ""', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.podTemplate.options.imageConfig', edit: (w) => (w.spec.podTemplate.options.imageConfig = '') },
  { name: 'required: spec.podTemplate.options missing', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.podTemplate.options', edit: (w) => delete w.spec.podTemplate.options },
  { name: 'required: spec.kind missing', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.kind', edit: (w) => delete w.spec.kind },
  { name: 'list-map key: two data volumes on /data', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.podTemplate.volumes.data[1]', edit: (w) => (w.spec.podTemplate.volumes.data = [{ pvcName: 'data-a', mountPath: '/data' }, { pvcName: 'data-b', mountPath: '/data' }]) },
  { name: 'unknown field: spec.podTemplate.image', target: 'Workspace', op: 'create', by: 'schema', status: 400, path: 'spec.podTemplate.image', edit: (w) => (w.spec.podTemplate.image = 'x') },
  { name: 'type: spec.paused "yes"', target: 'Workspace', op: 'create', by: 'schema', path: 'spec.paused', edit: (w) => (w.spec.paused = 'yes') },
  { name: 'webhook: podMetadata label key "!bad-key!"', target: 'Workspace', op: 'create', by: 'webhook', path: 'spec.podTemplate.podMetadata.labels', edit: (w) => (w.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'v' } }) },
  { name: 'webhook: an imageConfig the Kind does not have', target: 'Workspace', op: 'create', by: 'webhook', path: 'spec.podTemplate.options.imageConfig', edit: (w) => (w.spec.podTemplate.options.imageConfig = 'missing') },
  { name: 'webhook: a WorkspaceKind that does not exist', target: 'Workspace', op: 'create', by: 'webhook', path: 'spec.kind', noKind: true, edit: (w) => (w.spec.kind = 'no-such-kind') },

  // ----- Workspace, update of the stored Workspace
  { name: 'a valid update: paused, another podConfig', target: 'Workspace', op: 'update', edit: (w) => {
    w.spec.paused = true;
    w.spec.podTemplate.options.podConfig = 'small_cpu';
  } },
  { name: "CEL transition: spec.kind changed (Workspace 'kind' is immutable)", target: 'Workspace', op: 'update', by: 'CEL transition', path: 'spec.kind', edit: (w) => (w.spec.kind = 'jupyterlab-other') },
  { name: 'webhook: podConfig changed to one the Kind does not have', target: 'Workspace', op: 'update', by: 'webhook', path: 'spec.podTemplate.options.podConfig', edit: (w) => (w.spec.podTemplate.options.podConfig = 'huge_gpu') },
];

interface RowResult {
  readonly row: Row;
  server: string;
  apply: string;
  ours: string;
  /** The API server's message (its wording differs between versions; rows compare field paths only). */
  message: string;
}

describeCluster('validation table: the API server and lib/core/validation decide alike', (cluster: ClusterConnection) => {
  const id = suffix();
  const ns = `synth-e2e-${id}`;
  const kindName = `synth-e2e-${id}`;
  const mapper = new RestMapper(cluster);
  const results: RowResult[] = [];
  // the synthesized jupyterlab kind and Workspace "carol", renamed for this suite
  const objects = (() => {
    const app = Testing.app();
    buildExampleApp(app);
    return app.charts.flatMap((c) => Testing.synth(c));
  })();
  // create rows use names that are not stored (the stored Kind and Workspace are for the update rows)
  const baseKind = (name = `${kindName}-new`): any => {
    const k = structuredClone(objects.find((o) => o.kind === 'WorkspaceKind'));
    k.metadata = { name };
    return k;
  };
  const baseWorkspace = (name = 'carol'): any => {
    const w = structuredClone(objects.find((o) => o.kind === 'Workspace' && o.metadata.name === 'carol'));
    w.metadata = { name, namespace: ns };
    w.spec.kind = kindName;
    return w;
  };
  const kindPath = `/apis/kubeflow.org/v1beta1/workspacekinds/${kindName}`;
  const workspacePath = `/apis/kubeflow.org/v1beta1/namespaces/${ns}/workspaces/stored`;
  // the webhook sees this suite's objects only
  const selectorLabel = { 'kfws-e2e/validation-table': id };
  const webhookConfiguration = `kfws-e2e-table-${id}`;
  let webhook: WebhookOnly | undefined;
  const label = (o: any): any => {
    o.metadata.labels = { ...o.metadata.labels, ...selectorLabel };
    return o;
  };

  beforeAll(async () => {
    // the CRDs (as the first suite applies them) and, for the update rows, a stored Kind and Workspace
    for (const crd of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
      const r = await serverSideApply(cluster, mapper, crd as KubeObject, { fieldManager: FIELD_MANAGER, force: true });
      if (r.status !== 200 && r.status !== 201) throw new Error(`CRD ${crd.metadata.name}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
      await eventually(`CRD ${crd.metadata.name} Established`, async () => {
        const c = await cluster.request(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        return c.json?.status?.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True');
      });
    }
    expect((await cluster.request('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } })).status).toBe(201);
    // the reconciler's webhook, with its own ServiceAccount and certificate Secret in the suite's namespace
    const api = new Api(cluster);
    const token = await reconcilerToken(api, ns);
    await grantWebhookCertificates(api, ns, 'webhook-cert', webhookConfiguration);
    const port = await freePort();
    await registerWebhooks(api, webhookConfiguration, port, { matchLabels: selectorLabel });
    webhook = await startWebhookOnly(cluster, token, { namespace: ns, secretName: 'webhook-cert', configurationName: webhookConfiguration, port });
    await eventually('the Kind stored', async () => [201, 409].includes((await cluster.request('/apis/kubeflow.org/v1beta1/workspacekinds', { method: 'POST', body: label(baseKind(kindName)) })).status));
    await eventually('the Workspace stored', async () => [201, 409].includes((await cluster.request(`/apis/kubeflow.org/v1beta1/namespaces/${ns}/workspaces`, { method: 'POST', body: label(baseWorkspace('stored')) })).status));
    // the options the update rows name as in use are selected by stored Workspaces, which the webhook counts
    const inUse = [...new Set(ROWS.flatMap((r) => r.inUse ?? []))];
    for (const option of inUse) {
      const w = label(baseWorkspace(`uses-${option.replace(/_/g, '-')}`));
      if (option.startsWith('jupyterlab')) w.spec.podTemplate.options.imageConfig = option;
      else w.spec.podTemplate.options.podConfig = option;
      expect((await cluster.request(`/apis/kubeflow.org/v1beta1/namespaces/${ns}/workspaces`, { method: 'POST', body: w })).status).toBe(201);
    }
    await eventually('the webhook\'s cache holds the stored Workspaces', async () => webhook!.caches.workspacesOfKind(kindName).length === inUse.length + 1);
  }, TIMEOUT_MS);

  afterAll(async () => {
    // the registration first: nothing may call a webhook that is gone
    await cluster.request(`${VWC_PATH}/${webhookConfiguration}`, { method: 'DELETE' });
    await webhook?.stop();
    await cluster.request(`/api/v1/namespaces/${ns}`, { method: 'DELETE' });
    // reconcilers of other suites (they watch all namespaces) may have put their protection finalizer on the Kind
    await cluster.request(kindPath, { method: 'PATCH', body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
    await cluster.request(kindPath, { method: 'DELETE' });
    const line = (r: RowResult): string =>
      `| ${r.row.target} ${r.row.op}: ${r.row.name} | ${r.row.by ?? 'valid'} | ${r.row.path ?? ''} | ${r.server} | ${r.apply} | ${r.ours} | ${r.message} |`;
    console.log(
      [
        `kube-apiserver ${cluster.version}: the validation table (create: POST ?dryRun=All&fieldValidation=Strict; update: PUT ?dryRun=All; also server-side apply ?dryRun=All for creates)`,
        '| row | enforced by | field path | API server | SSA dry run | lib/core/validation | API server message |',
        '|---|---|---|---|---|---|---|',
        ...results.map(line),
      ].join('\n'),
    );
  });

  /** The API server's decision; updates are a PUT of the stored object with the edit applied (retried on conflicts). */
  async function serverDecision(row: Row): Promise<{ response: KubeResponse; apply?: KubeResponse; oldObj?: any; newObj: any }> {
    const query = '?dryRun=All&fieldValidation=Strict';
    if (row.op === 'create') {
      const newObj = label(row.target === 'WorkspaceKind' ? baseKind() : baseWorkspace());
      row.edit(newObj);
      const collection = row.target === 'WorkspaceKind' ? '/apis/kubeflow.org/v1beta1/workspacekinds' : `/apis/kubeflow.org/v1beta1/namespaces/${ns}/workspaces`;
      const response = await cluster.request(collection + query, { method: 'POST', body: newObj });
      // server-side apply of the same object under another name (a create, as for a new manifest)
      const applied = { ...newObj, metadata: { ...newObj.metadata, name: /^[a-z0-9.-]+$/.test(newObj.metadata.name) ? `${newObj.metadata.name}-ssa` : newObj.metadata.name } };
      const apply = await serverSideApply(cluster, mapper, applied, { fieldManager: FIELD_MANAGER, dryRun: true, force: true });
      return { response, apply, newObj };
    }
    const p = row.target === 'WorkspaceKind' ? kindPath : workspacePath;
    for (let attempt = 0; ; attempt++) {
      const current = await cluster.request(p);
      expect(current.status).toBe(200);
      const oldObj = current.json;
      const newObj = structuredClone(oldObj);
      row.edit(newObj);
      const response = await cluster.request(p + query, { method: 'PUT', body: newObj });
      if (response.status !== 409 || attempt >= 5) return { response, oldObj, newObj };
    }
  }

  function ourDecision(row: Row, newObj: any, oldObj: any, kind: any): Violation[] {
    if (row.target === 'WorkspaceKind') {
      if (row.op === 'create') return validateWorkspaceKind(newObj);
      const used = new Set(row.inUse ?? []);
      return validateWorkspaceKindUpdate(oldObj, newObj, (_type: OptionType, optionId: string) => (used.has(optionId) ? 1 : 0));
    }
    const k = row.noKind ? undefined : kind;
    return row.op === 'create' ? validateWorkspace(newObj, { kind: k, requireKind: true }) : validateWorkspaceUpdate(oldObj, newObj, k);
  }

  for (const row of ROWS) {
    const title = row.path
      ? `${row.target} ${row.op}: ${row.name} -> ${
        row.by === 'webhook'
          ? 'the webhook (our core) and our validation reject'
          : row.by === 'schema format'
            ? 'our core rejects, the API server rejects too where it enforces the format (1.36+)'
            : 'both reject'
      } at ${row.path}`
      : `${row.target} ${row.op}: ${row.name} -> both accept`;
    it(title, async () => {
      const kind = (await cluster.request(kindPath)).json;
      const { response, apply, oldObj, newObj } = await serverDecision(row);
      const ours = ourDecision(row, newObj, oldObj, kind);
      // key notation to indexes: in the new object, or in the old one for removed items
      const ourFields = ours.map((v) => {
        const p = toIndexPath(v.field, newObj);
        return /\[[^\]]*[^\d\]][^\]]*\]/.test(p) && oldObj ? toIndexPath(v.field, oldObj) : p;
      });
      const serverCauses = causes(response);
      const result: RowResult = {
        row,
        server: `${response.status}${response.status >= 400 ? ` ${serverCauses.length > 0 ? serverCauses.map((c) => c.field).join(', ') : (response.json?.message ?? '').slice(0, 100)}` : ''}`,
        apply: apply ? `${apply.status}` : 'n/a',
        ours: ours.length === 0 ? 'accepts' : [...new Set(ourFields)].join(', '),
        message: response.status >= 400 ? String(response.json?.message ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 240) : '',
      };
      results.push(result);
      const detail = `API server: HTTP ${response.status} ${response.json?.message ?? ''}\nours:\n${ours.map(formatViolation).join('\n')}`;

      if (!row.path) {
        // a valid object or change: both accept
        expect(`${response.status}`).toMatch(row.op === 'create' ? /^201$/ : /^200$/);
        if (apply) expect(`${apply.status} ${apply.json?.message ?? ''}`).toMatch(/^20[01] /);
        expect(ours.map(formatViolation)).toEqual([]);
        return;
      }
      // (b) our core reports a violation at the path
      expect({ path: row.path, ourFields }).toEqual({ path: row.path, ourFields: expect.arrayContaining([row.path]) });
      if (row.by === 'webhook') {
        // the webhook refuses it through the API server, with the core's field path and message
        expect(`${response.status}: ${detail}`).toMatch(/^422: /);
        const hook = row.target === 'WorkspaceKind' ? 'vworkspacekind.kb.io' : 'vworkspace.kb.io';
        expect(response.json.message).toContain(`admission webhook "${hook}" denied the request: `);
        const at = ours.filter((_v, i) => ourFields[i] === row.path);
        for (const v of at) expect(response.json.message).toContain(formatViolation(v));
        const serverFields = serverCauses.map((c) => {
          const p = toIndexPath(c.field, newObj);
          return /\[[^\]]*[^\d\]][^\]]*\]/.test(p) && oldObj ? toIndexPath(c.field, oldObj) : p;
        });
        expect({ path: row.path, serverFields }).toEqual({ path: row.path, serverFields: expect.arrayContaining([row.path]) });
        if (apply) expect(`${apply.status}`).toMatch(/^422$/);
        return;
      }
      if (row.by === 'schema format' && response.status === (row.op === 'create' ? 201 : 200)) {
        // an API server that does not enforce the format stores the value (only our core refuses it)
        return;
      }
      // (a) the API server rejects it, naming the path
      expect(`${response.status}: ${detail}`).toMatch(new RegExp(`^${row.status ?? 422}: `));
      expect(response.json.message).toContain(row.path);
      if (apply) expect(`${apply.status}`).toMatch(/^(4\d\d|500)$/); // SSA: 500 for typed-patch errors (unknown fields, duplicate keys)
      // every field the API server names is one our core names too, and both do or do not skip CEL rules
      for (const c of serverCauses.filter((x) => x.field !== '<nil>')) {
        expect({ serverField: c.field, ourFields }).toEqual({ serverField: c.field, ourFields: expect.arrayContaining([c.field]) });
      }
      const serverSkipped = serverCauses.some((c) => c.message.includes(NOT_CHECKED));
      const oursSkipped = ours.some((v) => v.field === ROOT_FIELD && v.detail.includes(NOT_CHECKED));
      expect({ celSkipped: oursSkipped, detail }).toEqual({ celSkipped: serverSkipped, detail });
    });
  }
});
