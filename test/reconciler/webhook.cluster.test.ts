/**
 * The admission webhooks on a real kube-apiserver (a control plane of this suite's own: a failing webhook
 * registration would refuse every other suite's Workspaces). Two replicas serve the webhooks behind a round-robin
 * balancer, registered by URL (https://127.0.0.1:PORT/...) with the CA bundle they keep themselves; their
 * self-managed certificates live 90 s and are renewed 60 s before expiry, so they rotate while the suite runs.
 *
 *  - both replicas serve the one certificate of the Secret; the CA bundle trusts it;
 *  - upstream's webhook scenarios (docs/upstream-behavior.md §6.3 W1–W11, §6.4 K1–K14, §6.5 U1–U29, §6.6 E5–E11)
 *    through the API server, with upstream's messages and the core's field paths;
 *  - certificate rotation while requests keep flowing;
 *  - every replica stopped: the API server refuses (failurePolicy Fail) with a clear error; a replica whose caches
 *    have not synced answers every request with a clear 503 instead of deciding on an empty cache;
 *  - cert-manager mode: a stand-by replica serving certificate files, the CA bundle set as cert-manager's injector does;
 *  - tenant-scoped writes: a reconciler granted StatefulSet/Service writes in one namespace works there and reports
 *    the missing permission on the Workspaces elsewhere (state and one Event) until the tenant grants it.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { ControlPlane } from '../cluster/control-plane';
import { freePort } from '../e2e/helpers';
import { WebhookCertificates } from '../../lib/core/contract/flags';
import { metricValue } from '../../lib/reconciler/metrics';
import { Verdict } from '../../lib/reconciler/webhook/admission';
import { issueCertificates } from '../../lib/reconciler/webhook/certificates';
import { validatingWebhooks } from '../../lib/core/contract/webhooks';
import { RECONCILER_WRITER_CLUSTER_ROLE_NAME } from '../../lib/core/contract/permissions';
import { MISSING_PERMISSION_REASON } from '../../lib/reconciler/workspace-controller';
import {
  Api,
  controllerKind,
  controllerWorkspace,
  createNamespace,
  eventually,
  paths,
  reconcilerToken,
  startReconciler,
  suffix,
  TestReconciler,
} from './cluster-helpers';
import {
  grantWebhookCertificates,
  registerWebhooks,
  RoundRobinBalancer,
  secretCertificates,
  servedFingerprint,
  startTwoReplicaPlane,
  startWebhookReplica,
  VWC_PATH,
  WebhookReplica,
  webhookReplica,
} from './webhook-helpers';

const TIMEOUT_MS = 120_000;
const CONTROLLER_NS = 'kfws-webhook';
const NS = 'team-webhook';
const SECRET = 'webhook-cert';
const VWC = 'kubeflow-workspaces-webhook-test';
const DENIED = (name: string) => `admission webhook "${name}" denied the request: `;
const WS_HOOK = 'vworkspace.kb.io';
const KIND_HOOK = 'vworkspacekind.kb.io';

/** Upstream's webhook Kind (§6 fixtures): the controller Kind plus port my_port and two redirect chains. */
function webhookKind(name: string, edit?: (k: any) => void): any {
  return controllerKind(name, (k) => {
    k.spec.podTemplate.ports.push({ id: 'my_port', defaultDisplayName: 'My Port', protocol: 'HTTP' });
    for (let i = 1; i <= 3; i++) {
      const redirect = i < 3 ? { redirect: { to: `redirect_step_${i + 1}` } } : {};
      k.spec.podTemplate.options.imageConfig.values.push({
        id: `redirect_step_${i}`,
        spawner: { displayName: `Redirect step ${i}` },
        ...redirect,
        spec: { image: `redirect-test:step-${i}`, ports: [{ id: 'my_port', port: 1234 }] },
      });
      k.spec.podTemplate.options.podConfig.values.push({ id: `redirect_step_${i}`, spawner: { displayName: `Redirect step ${i}` }, ...redirect, spec: {} });
    }
    edit?.(k);
  });
}

const img = (k: any) => k.spec.podTemplate.options.imageConfig;
const pod = (k: any) => k.spec.podTemplate.options.podConfig;
const removeId = (list: any[], id: string) => list.splice(list.findIndex((v) => v.id === id), 1);

describeCluster('admission webhooks on the API server: two replicas, self-managed rotating certificates, upstream scenarios', () => {
  let cp: ControlPlane;
  let api: Api;
  let token: string;
  let balancer: RoundRobinBalancer;
  const replicas: WebhookReplica[] = [];
  const ports: number[] = [];
  const id = suffix();

  const kindName = (n: string) => `wh-${n}-${id}`;

  async function createKind(k: any) {
    return cp.request(paths.kinds, { method: 'POST', body: k });
  }

  async function createWorkspace(w: any, dryRun = false) {
    return createWorkspaceIn(NS, w, dryRun);
  }

  async function createWorkspaceIn(ns: string, w: any, dryRun = false) {
    return cp.request(`${paths.workspaces(ns)}${dryRun ? '?dryRun=All' : ''}`, { method: 'POST', body: w });
  }

  /** PUT of the stored object with `edit` applied (retried on resourceVersion conflicts). */
  async function update(p: string, edit: (o: any) => void) {
    for (let attempt = 0; ; attempt++) {
      const current = await api.get(p);
      edit(current);
      const r = await cp.request(p, { method: 'PUT', body: current });
      if (r.status !== 409 || (r.json?.reason === 'Conflict' && !/the object has been modified/.test(r.json?.message ?? '')) || attempt > 5) return r;
    }
  }

  beforeAll(async () => {
    const plane = await startTwoReplicaPlane({ controllerNamespace: CONTROLLER_NS, namespace: NS, secretName: SECRET, configurationName: VWC });
    ({ cp, api, token, balancer } = plane);
    ports.push(...plane.ports);
    const cluster: ClusterConnection = cp;
    const overrides = { webhookCertValidityMs: 90_000, webhookCertRenewBeforeMs: 60_000, webhookCertCheckIntervalMs: 1_000 };
    for (const port of ports) {
      replicas.push(await startWebhookReplica(cluster, token, { namespace: CONTROLLER_NS, secretName: SECRET, configurationName: VWC, port, leaseName: 'kfws-webhook-test', overrides }));
    }
    await eventually('a leader', async () => replicas.some((r) => r.manager.isLeader));
  }, TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.manager.stop()));
    await balancer?.stop();
    await cp?.stop();
  }, TIMEOUT_MS);

  it('both replicas serve the Secret\'s certificate for 127.0.0.1, and the CA bundle of both webhooks trusts its CA', async () => {
    const { tlsCert, caCert } = await secretCertificates(api, CONTROLLER_NS, SECRET);
    expect(tlsCert).toBeDefined();
    const expected = new X509Certificate(tlsCert!).fingerprint256;
    const served = await Promise.all(ports.map(servedFingerprint));
    expect(served).toEqual([expected, expected]);
    const vwc = await api.get(`${VWC_PATH}/${VWC}`);
    for (const w of vwc.webhooks) {
      expect(Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8').replace(/\r\n/g, '\n')).toContain(caCert!.replace(/\r\n/g, '\n'));
    }
    expect(new X509Certificate(tlsCert!).checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  describe('§6.3 Workspace webhook', () => {
    const kind = kindName('ws');
    beforeAll(async () => {
      expect((await createKind(webhookKind(kind))).status).toBe(201);
    });
    const cases: [string, (w: any) => void, string | null][] = [
      ['W1 unknown kind', (w) => (w.spec.kind = 'invalid-workspace-kind'), 'spec.kind: Invalid value: "invalid-workspace-kind": workspace kind "invalid-workspace-kind" not found'],
      ['W2 podMetadata label key !bad-key!', (w) => (w.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'v' } }), 'spec.podTemplate.podMetadata.labels: Invalid value: "!bad-key!"'],
      ['W3 podMetadata annotation key !bad-key!', (w) => (w.spec.podTemplate.podMetadata = { annotations: { '!bad-key!': 'v' } }), 'spec.podTemplate.podMetadata.annotations: Invalid value: "!bad-key!"'],
      ['W4 unknown imageConfig', (w) => (w.spec.podTemplate.options.imageConfig = 'invalid_image_config'), `spec.podTemplate.options.imageConfig: Invalid value: "invalid_image_config": imageConfig with id "invalid_image_config" not found in workspace kind "${kind}"`],
      ['W5 unknown podConfig', (w) => (w.spec.podTemplate.options.podConfig = 'invalid_pod_config'), `spec.podTemplate.options.podConfig: Invalid value: "invalid_pod_config": podConfig with id "invalid_pod_config" not found in workspace kind "${kind}"`],
      ['W6 a valid Workspace (hidden, redirected 180 selected)', () => undefined, null],
    ];
    for (const [name, edit, message] of cases) {
      it(`${name} -> ${message ? 'refused' : 'accepted'}`, async () => {
        const w = controllerWorkspace(`w-${suffix()}`, kind, (x) => {
          delete x.spec.podTemplate.volumes.data;
          edit(x);
        });
        const r = await createWorkspace(w);
        if (!message) {
          expect(`${r.status} ${r.json?.message ?? ''}`).toBe('201 ');
          return;
        }
        expect(r.status).toBe(422);
        expect(r.json.message).toContain(DENIED(WS_HOOK));
        expect(r.json.message).toContain(message);
        expect(r.json.details.causes[0].field).toBe(message.split(':')[0]);
      });
    }

    it('W7–W11 updates: kind change refused; bad label/annotation keys and unknown options refused, good ones accepted', async () => {
      const name = `w-upd-${id}`;
      const p = paths.workspace(NS, name);
      expect((await createWorkspace(controllerWorkspace(name, kind))).status).toBe(201);
      // W7: the CEL rule refuses it before the webhook is called
      const w7 = await update(p, (w) => (w.spec.kind = kindName('other')));
      expect(w7.status).toBe(422);
      expect(w7.json.message).toContain('spec.kind');
      const steps: [string, (w: any) => void, string | null][] = [
        ['W8 bad label', (w) => (w.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'value' } }), 'Invalid value: "!bad-key!"'],
        ['W8 good label', (w) => (w.spec.podTemplate.podMetadata = { labels: { 'good-key': 'value' } }), null],
        ['W9 bad annotation', (w) => (w.spec.podTemplate.podMetadata.annotations = { '!bad-key!': 'value' }), 'Invalid value: "!bad-key!"'],
        ['W9 good annotation', (w) => (w.spec.podTemplate.podMetadata.annotations = { 'good-key': 'value' }), null],
        ['W10 unknown imageConfig', (w) => (w.spec.podTemplate.options.imageConfig = 'invalid_image_config'), `imageConfig with id "invalid_image_config" not found in workspace kind "${kind}"`],
        ['W10 jupyterlab_scipy_190', (w) => (w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190'), null],
        ['W11 unknown podConfig', (w) => (w.spec.podTemplate.options.podConfig = 'invalid_pod_config'), `podConfig with id "invalid_pod_config" not found in workspace kind "${kind}"`],
        ['W11 small_cpu', (w) => (w.spec.podTemplate.options.podConfig = 'small_cpu'), null],
      ];
      for (const [step, edit, message] of steps) {
        const r = await update(p, edit);
        expect(`${step}: ${r.status} ${message ? '' : (r.json?.message ?? '')}`).toBe(`${step}: ${message ? 422 : 200} `);
        if (message) {
          expect(r.json.message).toContain(DENIED(WS_HOOK));
          expect(r.json.message).toContain(message);
        }
      }
      expect(await api.del(p)).toBe(200);
    });
  });

  describe('§6.4 WorkspaceKind webhook, create', () => {
    const cases: [string, (k: any) => void, number | null, string?][] = [
      ['K1 valid', () => undefined, null],
      ['K2 label key !bad_key!', (k) => (k.spec.podTemplate.podMetadata.labels = { '!bad_key!': 'v' }), 422, 'spec.podTemplate.podMetadata.labels: Invalid value: "!bad_key!"'],
      ['K3 annotation key !bad_key!', (k) => (k.spec.podTemplate.podMetadata.annotations = { '!bad_key!': 'v' }), 422, 'spec.podTemplate.podMetadata.annotations: Invalid value: "!bad_key!"'],
      ['K4 imageConfig cycle 190 -> 180 -> 190', (k) => (img(k).values[1].redirect = { to: 'jupyterlab_scipy_180' }), 422, 'imageConfig redirect cycle detected: [jupyterlab_scipy_180 jupyterlab_scipy_190]'],
      ['K5 podConfig cycle tiny <-> small', (k) => {
        pod(k).values[0].redirect = { to: 'small_cpu' };
        pod(k).values[1].redirect = { to: 'tiny_cpu' };
      }, 422, 'podConfig redirect cycle detected: ['],
      ['K6 imageConfig redirect to a missing id', (k) => (img(k).values[1].redirect = { to: 'invalid_image_config' }), 422, 'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_190].redirect.to: Invalid value: "invalid_image_config": target imageConfig "invalid_image_config" does not exist'],
      ['K7 podConfig redirect to a missing id', (k) => (pod(k).values[0].redirect = { to: 'invalid_pod_config' }), 422, 'target podConfig "invalid_pod_config" does not exist'],
      ['K8 imageConfig default missing', (k) => (img(k).spawner.default = 'invalid_image_config'), 422, 'spec.podTemplate.options.imageConfig.spawner.default: Invalid value: "invalid_image_config": default imageConfig "invalid_image_config" not found'],
      ['K9 podConfig default missing', (k) => (pod(k).spawner.default = 'invalid_pod_config'), 422, 'default podConfig "invalid_pod_config" not found'],
      ['K10 port 8888 twice', (k) => {
        k.spec.podTemplate.ports.push({ id: 'jupyterlab2', defaultDisplayName: 'Again', protocol: 'HTTP' });
        img(k).values[1].spec.ports.push({ id: 'jupyterlab2', port: 8888 });
      }, 422, 'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_190].spec.ports[jupyterlab2].port: Invalid value: 8888: port 8888 is defined more than once'],
      ['K11 no Kind ports (schema)', (k) => (k.spec.podTemplate.ports = []), 422, 'spec.podTemplate.ports'],
      ['K12 duplicate Kind port ids (schema)', (k) => k.spec.podTemplate.ports.push({ id: 'jupyterlab', defaultDisplayName: 'Again', protocol: 'HTTP' }), 422, 'Duplicate value'],
      ['K13 image port ids missing from the Kind ports', (k) => (k.spec.podTemplate.ports = [{ id: 'non-existent-port-id', defaultDisplayName: 'Nowhere', protocol: 'HTTP' }]), 422, '"jupyterlab": missing from spec.podTemplate.ports'],
      ['K14 extraEnv template that does not parse', (k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }'), 422, 'failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }"'],
    ];
    for (const [name, edit, status, message] of cases) {
      it(`${name} -> ${status ? 'refused' : 'accepted'}`, async () => {
        const k = webhookKind(kindName(`c${suffix()}`), edit);
        const r = await createKind(k);
        if (!status) {
          expect(`${r.status} ${r.json?.message ?? ''}`).toBe('201 ');
          expect(await api.del(paths.kind(k.metadata.name))).toBe(200);
          return;
        }
        expect(r.status).toBe(status);
        expect(r.json.message).toContain(message);
        // schema rows are refused by the API server itself, the others by our webhook
        if (!/schema/.test(name)) expect(r.json.message).toContain(DENIED(KIND_HOOK));
      });
    }
  });

  describe('§6.5 WorkspaceKind webhook, update (a fresh Kind per case; with a Workspace on jupyterlab_scipy_180 / tiny_cpu where marked)', () => {
    const cases: [string, boolean, (k: any) => void, string | null][] = [
      ['U1 reverse imageConfig values (in use)', true, (k) => img(k).values.reverse(), null],
      ['U2 reverse podConfig values (in use)', true, (k) => pod(k).values.reverse(), null],
      ['U3 change the image of in-use jupyterlab_scipy_180', true, (k) => (img(k).values[0].spec.image = 'example.com/other:1'), 'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_180]: Invalid value: "jupyterlab_scipy_180": imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed'],
      ['U4 change the resources of in-use tiny_cpu', true, (k) => (pod(k).values[0].spec.resources = { limits: { cpu: '1.5' } }), 'podConfig value "tiny_cpu" is in use and cannot be changed'],
      ['U5 change the image of unused 190', true, (k) => (img(k).values[1].spec.image = 'example.com/other:1'), null],
      ['U6 change the resources of unused small_cpu', true, (k) => (pod(k).values[1].spec.resources = { limits: { cpu: '1.5' } }), null],
      ['U7 remove in-use jupyterlab_scipy_180', true, (k) => img(k).values.splice(0, 1), 'imageConfig value "jupyterlab_scipy_180" is in use and cannot be removed'],
      ['U8 remove in-use tiny_cpu', true, (k) => {
        pod(k).values.splice(0, 1);
        pod(k).spawner.default = 'small_cpu';
      }, 'podConfig value "tiny_cpu" is in use and cannot be removed'],
      ['U9 remove unused imageConfig redirect_step_1', false, (k) => removeId(img(k).values, 'redirect_step_1'), null],
      ['U10 remove unused podConfig redirect_step_1', false, (k) => removeId(pod(k).values, 'redirect_step_1'), null],
      ['U11 remove the default imageConfig', false, (k) => removeId(img(k).values, 'jupyterlab_scipy_190'), 'default imageConfig "jupyterlab_scipy_190" not found'],
      ['U12 remove the default podConfig (in use)', true, (k) => removeId(pod(k).values, 'tiny_cpu'), 'default podConfig "tiny_cpu" not found'],
      ['U13 remove a redirect target imageConfig', false, (k) => removeId(img(k).values, 'redirect_step_2'), 'target imageConfig "redirect_step_2" does not exist'],
      ['U14 remove a redirect target podConfig', false, (k) => removeId(pod(k).values, 'redirect_step_2'), 'target podConfig "redirect_step_2" does not exist'],
      ['U15 remove an imageConfig redirect chain', false, (k) => ['redirect_step_1', 'redirect_step_2', 'redirect_step_3'].forEach((x) => removeId(img(k).values, x)), null],
      ['U16 remove a podConfig redirect chain', false, (k) => ['redirect_step_1', 'redirect_step_2', 'redirect_step_3'].forEach((x) => removeId(pod(k).values, x)), null],
      ['U17 imageConfig redirect to itself', false, (k) => (img(k).values[1].redirect = { to: 'jupyterlab_scipy_190' }), 'imageConfig redirect cycle detected: [jupyterlab_scipy_190]'],
      ['U18 podConfig tiny <-> small', false, (k) => {
        pod(k).values[0].redirect = { to: 'small_cpu' };
        pod(k).values[1].redirect = { to: 'tiny_cpu' };
      }, 'podConfig redirect cycle detected: ['],
      ['U19 imageConfig redirect to a missing id', false, (k) => (img(k).values[1].redirect = { to: 'invalid_image_config' }), 'target imageConfig "invalid_image_config" does not exist'],
      ['U20 podConfig redirect to a missing id', false, (k) => (pod(k).values[1].redirect = { to: 'invalid_pod_config' }), 'target podConfig "invalid_pod_config" does not exist'],
      ['U21 imageConfig default to a missing id', false, (k) => (img(k).spawner.default = 'invalid_image_config'), 'default imageConfig "invalid_image_config" not found'],
      ['U22 podConfig default to a missing id', false, (k) => (pod(k).spawner.default = 'invalid_pod_config'), 'default podConfig "invalid_pod_config" not found'],
      ['U23 unused 190 given two ports 8888', false, (k) => {
        k.spec.podTemplate.ports.push({ id: 'jupyterlab2', defaultDisplayName: 'Again', protocol: 'HTTP' });
        img(k).values[1].spec.ports.push({ id: 'jupyterlab2', port: 8888 });
      }, 'port 8888 is defined more than once'],
      ['U24 Kind ports[1].id changed to jupyterlab (schema)', false, (k) => (k.spec.podTemplate.ports[1].id = 'jupyterlab'), 'Duplicate value'],
      ['U25 Kind ports[0].id changed', false, (k) => (k.spec.podTemplate.ports[0].id = 'non-existent-port-id'), '"jupyterlab": missing from spec.podTemplate.ports'],
      ['U26 podMetadata label key !bad-key!', false, (k) => (k.spec.podTemplate.podMetadata.labels = { '!bad-key!': 'some-value' }), 'Invalid value: "!bad-key!"'],
      ['U27 podMetadata annotation key !bad-key!', false, (k) => (k.spec.podTemplate.podMetadata.annotations = { '!bad-key!': 'some-value' }), 'Invalid value: "!bad-key!"'],
      ['U28 extraEnv template that does not parse', false, (k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }'), 'failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }"'],
      ['U29 extraEnv template with spaces', false, (k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab"   }}'), null],
    ];
    for (const [name, withWorkspace, edit, message] of cases) {
      it(`${name} -> ${message ? 'refused' : 'accepted'}`, async () => {
        const kn = kindName(`u${suffix()}`);
        expect((await createKind(webhookKind(kn))).status).toBe(201);
        if (withWorkspace) {
          const w = controllerWorkspace(`w-${suffix()}`, kn);
          expect((await createWorkspace(w)).status).toBe(201);
          // the webhook counts usage from its informer cache: wait until both replicas have seen the Workspace
          await eventually('the Workspace in both replicas\' caches', async () => replicas.every((r) => r.manager.caches.workspacesOfKind(kn).length === 1));
        }
        const r = await update(paths.kind(kn), edit);
        if (!message) {
          expect(`${r.status} ${r.json?.message ?? ''}`).toBe('200 ');
          return;
        }
        expect(r.status).toBe(422);
        expect(r.json.message).toContain(message);
        if (!/schema/.test(name)) expect(r.json.message).toContain(DENIED(KIND_HOOK));
      });
    }
  });

  it('§6.6 E5–E11: in-use options cannot be removed, the in-use Kind cannot be deleted (409), and can once its Workspace is gone', async () => {
    const kn = kindName('e2e');
    expect((await createKind(controllerKind(kn))).status).toBe(201);
    const wsName = `w-e2e-${id}`;
    expect((await createWorkspace(controllerWorkspace(wsName, kn, (w) => (w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190')))).status).toBe(201);
    await eventually('the Kind controller counts the Workspace', async () => (await api.get(paths.kind(kn)))?.status?.workspaces === 1);
    await eventually('the Workspace in both caches', async () => replicas.every((r) => r.manager.caches.workspacesOfKind(kn).length === 1));
    const jsonPatch = (ops: unknown[]) => cp.request(paths.kind(kn), { method: 'PATCH', body: ops, contentType: 'application/json-patch+json' });
    const e5 = await jsonPatch([{ op: 'remove', path: '/spec/podTemplate/options/imageConfig/values/1' }]);
    expect(e5.status).toBe(422);
    expect(e5.json.message).toContain('imageConfig value "jupyterlab_scipy_190" is in use and cannot be removed');
    // E6: 180 is unused, but it redirects to 190 (still there): allowed
    expect((await jsonPatch([{ op: 'remove', path: '/spec/podTemplate/options/imageConfig/values/0' }])).status).toBe(200);
    const e7 = await jsonPatch([{ op: 'remove', path: '/spec/podTemplate/options/podConfig/values/0' }]);
    expect(e7.status).toBe(422);
    expect(e7.json.message).toContain('podConfig value "tiny_cpu" is in use and cannot be removed');
    expect((await jsonPatch([{ op: 'remove', path: '/spec/podTemplate/options/podConfig/values/1' }])).status).toBe(200);
    const e9 = await cp.request(paths.kind(kn), { method: 'DELETE' });
    expect(e9.status).toBe(409);
    expect(e9.json.reason).toBe('Conflict');
    expect(e9.json.message).toBe(`${DENIED(KIND_HOOK)}Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "${kn}": WorkspaceKind is used by 1 workspace(s)`);
    expect(await api.del(paths.workspace(NS, wsName))).toBe(200);
    await eventually('the Kind deleted once unused and unprotected', async () => {
      const r = await cp.request(paths.kind(kn), { method: 'DELETE' });
      return r.status === 200 || r.status === 404;
    });
  }, TIMEOUT_MS);

  it('both replicas answered admission requests, and count them by verdict', async () => {
    // the balancer spreads connections, the API server keeps them open: each replica got some of the requests
    for (const r of replicas) {
      const m = r.manager.metrics;
      expect(await metricValue(m.admissionRequests)).toBeGreaterThan(0);
      expect(await m.registry.render()).toMatch(/kfws_admission_duration_seconds_count\{webhook="vworkspace.kb.io"\} [1-9]/);
    }
    let allowed = 0;
    let denied = 0;
    let errors = 0;
    for (const r of replicas) {
      allowed += await metricValue(r.manager.metrics.admissionRequests, { verdict: Verdict.ALLOWED });
      denied += await metricValue(r.manager.metrics.admissionRequests, { verdict: Verdict.DENIED });
      errors += await metricValue(r.manager.metrics.admissionRequests, { verdict: Verdict.ERROR });
    }
    expect(allowed).toBeGreaterThan(30);
    expect(denied).toBeGreaterThan(30);
    expect(errors).toBe(0);
    expect(balancer.perBackend.every((n) => n > 0)).toBe(true);
  });

  it('certificate rotation while serving: requests keep being decided by the rules, and both replicas move to the new certificate', async () => {
    const before = await secretCertificates(api, CONTROLLER_NS, SECRET);
    const kn = kindName('rot');
    expect((await createKind(controllerKind(kn))).status).toBe(201);
    const outcomes: string[] = [];
    let rotated = false;
    const deadline = Date.now() + 75_000;
    while (!rotated && Date.now() < deadline) {
      const good = await createWorkspace(controllerWorkspace(`w-${suffix()}`, kn), true);
      const bad = await createWorkspace(controllerWorkspace(`w-${suffix()}`, kn, (w) => (w.spec.podTemplate.options.podConfig = 'nope')), true);
      outcomes.push(`${good.status}/${bad.status}`);
      if (good.status !== 201 || bad.status !== 422) {
        throw new Error(`a request failed during rotation: ${good.status} ${good.json?.message} / ${bad.status} ${bad.json?.message}`);
      }
      rotated = (await secretCertificates(api, CONTROLLER_NS, SECRET)).tlsCert !== before.tlsCert;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rotated).toBe(true);
    const after = await secretCertificates(api, CONTROLLER_NS, SECRET);
    expect(after.previousCaCert?.replace(/\r\n/g, '\n')).toBe(before.caCert?.replace(/\r\n/g, '\n'));
    const expected = new X509Certificate(after.tlsCert!).fingerprint256;
    await eventually('both replicas serve the new certificate', async () => (await Promise.all(ports.map(servedFingerprint))).every((f) => f === expected), 10_000);
    // and the API server still gets answers from both
    for (let i = 0; i < 4; i++) {
      expect((await createWorkspace(controllerWorkspace(`w-${suffix()}`, kn), true)).status).toBe(201);
    }
    console.log(`rotation: ${outcomes.length} request pairs decided while waiting for the rotation, all as the rules say`);
  }, TIMEOUT_MS);

  it('every replica stopped: the API server refuses Workspace and WorkspaceKind writes (failurePolicy Fail), naming the webhook', async () => {
    await Promise.all(replicas.map((r) => r.manager.stop()));
    const ws = await createWorkspace(controllerWorkspace(`w-${suffix()}`, kindName('ws')));
    expect(ws.status).toBe(500);
    expect(ws.json.message).toContain(`failed calling webhook "${WS_HOOK}"`);
    const kind = await createKind(controllerKind(kindName('down')));
    expect(kind.status).toBe(500);
    expect(kind.json.message).toContain(`failed calling webhook "${KIND_HOOK}"`);
  }, TIMEOUT_MS);

  it('a replica whose caches cannot sync refuses every request with a clear error (fail closed), instead of deciding on an empty cache', async () => {
    // the stopped replicas' registration goes; a ServiceAccount that may not list Workspaces: this replica's
    // Workspace cache never syncs
    expect(await api.del(`${VWC_PATH}/${VWC}`)).toBe(200);
    const ns = 'kfws-unsynced';
    const name = 'kfws-unsynced-test';
    await createNamespace(api, ns);
    await api.create(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reconciler' } });
    await grantWebhookCertificates(api, ns, SECRET, name);
    const unsynced = (await api.create(`/api/v1/namespaces/${ns}/serviceaccounts/reconciler/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } })).status.token;
    const port = await freePort();
    await registerWebhooks(api, name, port);
    const { manager } = webhookReplica(cp, unsynced, { namespace: ns, secretName: SECRET, configurationName: name, port, leaseName: 'kfws-unsynced' });
    let started = false;
    manager.start().then(() => (started = true), () => undefined);
    try {
      const r = await eventually('an answer from the starting replica', async () => {
        const res = await createKind(controllerKind(kindName('unsynced')));
        if (res.status === 201) throw new Error('admitted without the webhook');
        return res.status === 503 ? res : undefined;
      });
      expect(r.json.message).toBe(
        `${DENIED(KIND_HOOK)}the ${KIND_HOOK} webhook is starting: its caches of Workspaces and WorkspaceKinds have not synced yet; retry shortly`,
      );
      expect(r.json.reason).toBe('ServiceUnavailable');
      expect(started).toBe(false); // start() still waits for the caches
    } finally {
      await api.del(`${VWC_PATH}/${name}`);
      await manager.stop();
    }
  }, TIMEOUT_MS);

  describe('tenant-scoped writes: a reconciler allowed to write StatefulSets and Services in one namespace only', () => {
    const ctl = 'kfws-tenant-ctl';
    const granted = 'team-granted';
    const other = 'team-not-granted';
    const kn = kindName('tenant');
    let reconciler: TestReconciler;
    let scoped: string;

    beforeAll(async () => {
      for (const ns of [ctl, granted, other]) await createNamespace(api, ns);
      scoped = await reconcilerToken(api, ctl, [], [granted]);
      expect((await createKind(controllerKind(kn))).status).toBe(201);
      reconciler = await startReconciler(cp, scoped, ctl);
    }, TIMEOUT_MS);

    afterAll(async () => {
      await reconciler?.manager.stop();
    });

    const statefulSets = async (ns: string, ws: string) => (await api.list(paths.statefulSets(ns, `notebooks.kubeflow.org/workspace-name=${ws}`))).length;

    it('works in the granted namespace, and says on the Workspace (state and one Event) what is missing elsewhere', async () => {
      expect((await api.create(paths.workspaces(granted), controllerWorkspace('alice', kn))).metadata.name).toBe('alice');
      expect((await api.create(paths.workspaces(other), controllerWorkspace('bob', kn))).metadata.name).toBe('bob');
      await eventually('alice\'s StatefulSet', async () => (await statefulSets(granted, 'alice')) === 1);
      const bob = await eventually('bob in Error', async () => {
        const w = await api.get(paths.workspace(other, 'bob'));
        return w?.status?.state === 'Error' ? w : undefined;
      });
      expect(bob.status.stateMessage).toBe(
        `the controller may not create StatefulSets in namespace "${other}": bind the ClusterRole "${RECONCILER_WRITER_CLUSTER_ROLE_NAME}" to it there with a RoleBinding (WorkspacesTenant does), or install with cluster-wide writes`,
      );
      expect((await api.get(paths.workspace(granted, 'alice'))).status?.state).not.toBe('Error');
      // retried with backoff, but reported once
      await new Promise((r) => setTimeout(r, 3000));
      const events = await api.list(`/api/v1/namespaces/${other}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=bob,reason=${MISSING_PERMISSION_REASON}`)}`);
      expect(events.map((e: any) => [e.type, e.count ?? 1, e.message])).toEqual([['Warning', 1, bob.status.stateMessage]]);
      expect(await statefulSets(other, 'bob')).toBe(0);
    }, TIMEOUT_MS);

    it('once the tenant binds the writer role, the Workspace is reconciled', async () => {
      await api.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${other}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: RECONCILER_WRITER_CLUSTER_ROLE_NAME },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RECONCILER_WRITER_CLUSTER_ROLE_NAME },
        subjects: [{ kind: 'ServiceAccount', name: 'reconciler', namespace: ctl }],
      });
      await eventually('bob\'s StatefulSet', async () => (await statefulSets(other, 'bob')) === 1, TIMEOUT_MS);
      await eventually('bob out of Error', async () => (await api.get(paths.workspace(other, 'bob')))?.status?.state !== 'Error');
    }, TIMEOUT_MS);

    it('cert-manager mode: a stand-by replica serves the webhooks with the certificate files of a mounted Secret, the CA bundle injected', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-webhook-files-'));
      const { ca, serving } = await issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3600_000, caCommonName: 'cert-manager stand-in' });
      fs.writeFileSync(path.join(dir, 'tls.crt'), serving.cert);
      fs.writeFileSync(path.join(dir, 'tls.key'), serving.key);
      const port = await freePort();
      const name = 'kfws-files-test';
      // what cert-manager's CA injector does: the CA into every webhook's clientConfig
      await api.create(VWC_PATH, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name },
        webhooks: validatingWebhooks({ clientConfig: (w) => ({ url: `https://127.0.0.1:${port}${w.path}`, caBundle: Buffer.from(ca.cert).toString('base64') }) }),
      });
      // same Lease as the running reconciler: this replica stands by, and serves the webhooks all the same
      const standBy = await startWebhookReplica(cp, scoped, {
        namespace: ctl,
        secretName: 'unused',
        configurationName: name,
        port,
        leaseName: `kfws-test-${ctl}`,
        overrides: { webhookCertificates: WebhookCertificates.FILES, webhookCertDir: dir },
      });
      try {
        expect(standBy.manager.isLeader).toBe(false);
        const refused = await createWorkspaceIn(granted, controllerWorkspace('carol', kn, (w) => (w.spec.podTemplate.options.podConfig = 'huge')));
        expect(refused.status).toBe(422);
        expect(refused.json.message).toContain(`${DENIED(WS_HOOK)}Workspace.kubeflow.org "carol" is invalid: spec.podTemplate.options.podConfig: Invalid value: "huge": podConfig with id "huge" not found in workspace kind "${kn}"`);
        expect((await createWorkspaceIn(granted, controllerWorkspace('carol', kn))).status).toBe(201);
      } finally {
        await api.del(`${VWC_PATH}/${name}`);
        await standBy.manager.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, TIMEOUT_MS);
  });
});
