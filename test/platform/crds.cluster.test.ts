/**
 * The generated CRDs of every revision against a real kube-apiserver: accepted (a structural schema, every CEL rule
 * compiled within the cost budget), established and served as generated; upstream's samples of the revision are
 * accepted under strict field validation, and the CEL rules answer with upstream's messages.
 *
 * The control plane is shared with suites that install the default revision's CRDs under `kubeflow.org`, so each
 * revision is installed here under a group of its own (same names, schema and everything else).
 */
import { randomBytes } from 'node:crypto';
import { API_REVISIONS, crdManifests } from '../../lib/core/crds';
import { ApiRevision } from '../../lib/core/revision';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { readReference } from '../reference';

const TIMEOUT_MS = 90_000;
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** The revision's CRDs under `group`. */
function crdsInGroup(revision: ApiRevision, group: string): any[] {
  return crdManifests(revision).map((crd: any) => ({
    ...crd,
    metadata: { name: `${crd.spec.names.plural}.${group}` },
    spec: { ...crd.spec, group },
  }));
}

async function established(cluster: ClusterConnection, name: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await cluster.request(`${CRDS}/${name}`);
    const conditions: any[] = r.json?.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return r.json;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not established: ${JSON.stringify(conditions)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describeCluster('the generated CRDs on a real API server', (cluster) => {
  describe.each(API_REVISIONS)('revision %s', (revision) => {
    const group = `r${revision.replace(/[^a-z0-9]+/g, '-')}-${randomBytes(3).toString('hex')}.crds.kfws.test`;
    const crds = crdsInGroup(revision, group);
    const created: string[] = [];

    /** Creates an object of the revision (dry run, strict field validation) and returns the response. */
    function create(plural: string, object: any, namespace?: string) {
      const at = namespace ? `/namespaces/${namespace}` : '';
      return cluster.request(`/apis/${group}/v1beta1${at}/${plural}?dryRun=All&fieldValidation=Strict`, {
        method: 'POST',
        body: { ...object, apiVersion: `${group}/v1beta1` },
      });
    }

    beforeAll(async () => {
      for (const crd of crds) {
        const r = await cluster.request(CRDS, { method: 'POST', body: crd });
        expect({ crd: crd.metadata.name, status: r.status, body: r.status === 201 ? '' : r.body }).toEqual({ crd: crd.metadata.name, status: 201, body: '' });
        created.push(crd.metadata.name);
      }
    }, TIMEOUT_MS);

    afterAll(async () => {
      for (const name of created) await cluster.request(`${CRDS}/${name}`, { method: 'DELETE' });
    }, TIMEOUT_MS);

    test('both CRDs are accepted, established, and served with the generated schema, names and columns', async () => {
      for (const crd of crds) {
        const served = await established(cluster, crd.metadata.name);
        expect(served.spec.names).toEqual(crd.spec.names);
        expect(served.spec.scope).toBe(crd.spec.scope);
        expect(served.spec.versions).toEqual(crd.spec.versions);
      }
    }, TIMEOUT_MS);

    test('upstream\'s samples of the revision are accepted under strict field validation', async () => {
      const kind = readReference(revision, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml');
      const workspace = readReference(revision, 'samples', 'jupyterlab_v1beta1_workspace.yaml');
      const kindResponse = await create('workspacekinds', kind);
      expect({ status: kindResponse.status, body: kindResponse.status === 201 ? '' : kindResponse.body }).toEqual({ status: 201, body: '' });
      const wsResponse = await create('workspaces', workspace, 'default');
      expect({ status: wsResponse.status, body: wsResponse.status === 201 ? '' : wsResponse.body }).toEqual({ status: 201, body: '' });
      // Defaults of the schema are applied by the API server.
      expect(wsResponse.json.spec.paused).toBe(false);
    }, TIMEOUT_MS);

    test('the CEL rules answer with upstream\'s messages', async () => {
      const kind = readReference(revision, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml');
      const configMap = revision === ApiRevision.V2_0_0_BETA_0
        ? { name: 'my-logos', namespace: 'kubeflow', key: 'icon.svg', mediaType: 'image/svg+xml' }
        : { name: 'my-logos', key: 'icon.svg' };
      kind.spec.spawner.icon = { url: 'https://example.com/icon.svg', configMap };
      const both = await create('workspacekinds', kind);
      expect(both.status).toBe(422);
      expect(both.json.message).toContain("must specify exactly one of 'url' or 'configMap'");

      if (revision === ApiRevision.V2_0_0_BETA_0) {
        const probe = readReference(revision, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml');
        probe.spec.podTemplate.activityProbe = {
          podExec: { script: '#!/bin/sh\nexit 0' },
          jupyter: { lastActivity: true, portId: 'jupyterlab' },
          minProbeIntervalSeconds: 600,
          probeIntervalSeconds: 300,
        };
        const r = await create('workspacekinds', probe);
        expect(r.status).toBe(422);
        expect(r.json.message).toContain("must specify exactly one of 'podExec' or 'jupyter'");
        expect(r.json.message).toContain('minProbeIntervalSeconds must be less than or equal to probeIntervalSeconds');
      } else {
        const culling = readReference(revision, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml');
        culling.spec.podTemplate.culling.activityProbe = { exec: { command: ['true'] }, jupyter: { lastActivity: true } };
        const r = await create('workspacekinds', culling);
        expect(r.status).toBe(422);
        expect(r.json.message).toContain("must specify exactly one of 'exec' or 'jupyter'");
      }
    }, TIMEOUT_MS);

    test('a Workspace\'s kind cannot change (a transition rule)', async () => {
      const workspace = readReference(revision, 'samples', 'jupyterlab_v1beta1_workspace.yaml');
      workspace.metadata = { name: `ws-${randomBytes(3).toString('hex')}`, namespace: 'default' };
      const path = `/apis/${group}/v1beta1/namespaces/default/workspaces`;
      const r = await cluster.request(path, { method: 'POST', body: { ...workspace, apiVersion: `${group}/v1beta1` } });
      expect({ status: r.status, body: r.status === 201 ? '' : r.body }).toEqual({ status: 201, body: '' });
      const changed = { ...r.json, spec: { ...r.json.spec, kind: 'another-kind' } };
      const update = await cluster.request(`${path}/${workspace.metadata.name}`, { method: 'PUT', body: changed });
      expect(update.status).toBe(422);
      expect(update.json.message).toContain("Workspace 'kind' is immutable");
    }, TIMEOUT_MS);
  });
});
