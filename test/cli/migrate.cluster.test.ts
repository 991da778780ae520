/**
 * `kfws migrate` output on a real kube-apiserver with our CRDs, run by the reconciler: v1 Notebooks of the corpus
 * (moved into a test namespace) are migrated, the WorkspaceKinds and Workspaces are stored as written, and the
 * StatefulSets the reconciler creates run what the v1 controller ran (./migrate-oracle.ts): the same images, pull
 * policies, resources, volumes, env, security contexts and scheduling.
 */

import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { describeCluster } from '../cluster/connection';
import { Api, createNamespace, ensureCrds, eventually, paths, reconcilerToken, startReconciler, suffix, TestReconciler, TIMEOUT_MS } from '../reconciler/cluster-helpers';
import { ExitCode } from '../../lib/cli/types';
import { WorkspaceKindObject, WorkspaceObject } from '../../lib/core/api';
import { ROOT, runInProcess, tempDir } from './helpers';
import { comparePods, Json } from './migrate-oracle';

jest.setTimeout(3 * TIMEOUT_MS);

const CORPUS = path.resolve(ROOT, '..', 'shared', 'reference', 'kubeflow-notebooks-v1-corpus');
/** Notebooks whose volumes are PVCs and emptyDirs (sources the API server stores without adding defaults). */
const FILES = [
  '04-kf-loadtest-jupyter-test.yaml',
  '08-jwa-default-jupyter-scipy.yaml',
  '10-jwa-rstudio-group-two.yaml',
  '11-jwa-gpu-pytorch-cuda-datavols.yaml',
  '13-jwa-v07-tensorflow-gpu.yaml',
  '25-trandat-triton-seccomp.yaml',
  '27-issue-5982-stopped-julius.yaml',
];
const LABEL = 'notebooks.kubeflow.org/workspace-name';

describeCluster('kfws migrate: the migrated Workspaces run what the v1 controller ran', (cluster) => {
  const api = new Api(cluster);
  const id = suffix();
  const ns = `migrate-${id}`;
  const controllerNs = `kfws-${id}`;
  const notebooks: Json[] = [];
  let kinds: Json[] = [];
  let workspaces: Json[] = [];
  let reconciler: TestReconciler | undefined;

  beforeAll(async () => {
    // The corpus' Notebooks, moved into this run's namespace (in a temporary folder; the corpus is not touched).
    const input = tempDir();
    for (const file of FILES) {
      const docs = parseAllDocuments(fs.readFileSync(path.join(CORPUS, file), 'utf8'), { version: '1.1' }).map((d) => d.toJS() as Json);
      for (const d of docs) d.metadata.namespace = ns;
      notebooks.push(...docs.filter((d) => d.kind === 'Notebook'));
      fs.writeFileSync(path.join(input, file), docs.map((d) => stringify(d)).join('---\n'));
    }
    const out = tempDir();
    const r = runInProcess(['migrate', '--out', out, input], ROOT);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(ExitCode.OK);
    const load = (f: string): Json[] => parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJS() as Json);
    kinds = load('0000-workspacekinds.k8s.yaml');
    workspaces = load('0001-workspaces.k8s.yaml');

    await ensureCrds(api);
    await createNamespace(api, ns);
    await createNamespace(api, controllerNs);
    reconciler = await startReconciler(cluster, await reconcilerToken(api, controllerNs, [ns]), controllerNs);
    for (const kind of kinds) await api.create(paths.kinds, kind);
    for (const ws of workspaces) await api.create(paths.workspaces(ns), ws);
  }, 2 * TIMEOUT_MS);

  afterAll(async () => {
    await reconciler?.manager.stop();
    for (const ws of workspaces) await api.del(paths.workspace(ns, ws.metadata.name));
    await api.del(`/api/v1/namespaces/${ns}`);
    for (const kind of kinds) {
      await api.patch(paths.kind(kind.metadata.name), { metadata: { finalizers: null } });
      await api.del(paths.kind(kind.metadata.name));
    }
  }, TIMEOUT_MS);

  it('stores every WorkspaceKind and Workspace as written', async () => {
    // with the CRD's defaults of the spawner
    for (const kind of kinds) {
      const stored = (await api.get(paths.kind(kind.metadata.name))).spec;
      expect(stored).toEqual({ ...kind.spec, spawner: { hidden: false, deprecated: false, ...kind.spec.spawner } });
    }
    for (const ws of workspaces) expect((await api.get(paths.workspace(ns, ws.metadata.name))).spec).toEqual(ws.spec);
  });

  it.each(FILES)('%s: the StatefulSet and Service run the v1 Pod', async (file) => {
    const nb = notebooks.find((n) => n.metadata.name === parseAllDocuments(fs.readFileSync(path.join(CORPUS, file), 'utf8'))
      .map((d) => d.toJS() as Json).find((d) => d.kind === 'Notebook')!.metadata.name)!;
    const name = nb.metadata.name;
    const ws = workspaces.find((w) => w.metadata.name === name)!;
    const kind = kinds.find((k) => k.metadata.name === ws.spec.kind)!;
    const [sts] = await eventually(`the StatefulSet of ${name}`, async () => {
      const l = await api.list(paths.statefulSets(ns, `${LABEL}=${name}`));
      return l.length === 1 ? l : undefined;
    });
    const [svc] = await eventually(`the Service of ${name}`, async () => {
      const l = await api.list(paths.services(ns, `${LABEL}=${name}`));
      return l.length === 1 ? l : undefined;
    });
    // Nothing in these Notebooks is beyond the v2 API: no difference at all.
    expect(comparePods(nb, ws as WorkspaceObject, kind as WorkspaceKindObject, sts, svc)).toEqual([]);
  });
});
