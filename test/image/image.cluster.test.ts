/**
 * The built reconciler image (`npm run build:image`) taken the way a cluster gets a release: pushed with skopeo to a
 * real OCI registry started here (the CNCF Distribution server, Debian's `docker-registry`), pulled back by digest,
 * its digest unchanged (scripts/push-image.sh, as the release pushes), and run under runc as the install chart runs it: read-only root, uid 65532 from the image
 * config, no capabilities, against a real control plane, authenticated as the synthesized controller ServiceAccount
 * under the synthesized RBAC. It creates the StatefulSet, Service and status of Workspaces, pauses one, and answers
 * /healthz, /readyz and /metrics.
 *
 * A reconciler watches all namespaces, so this suite starts an API-mode control plane of its own rather than sharing
 * the run's with the in-process reconcilers of other suites. Without runc, umoci, skopeo, docker-registry, root or
 * the built image it is skipped with a notice, and fails under CI=true.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABEL_WORKSPACE_NAME } from '../../lib/core/api';
import { defaultImageOf, RECONCILER_IMAGE_REPOSITORY } from '../../lib/core/contract/image';
import { RECONCILER_HEALTH_PORT, RECONCILER_METRICS_PORT } from '../../lib/core/contract/permissions';
import { describeCluster } from '../cluster/connection';
import { skipSuite } from '../cluster/skips';
import { ControlPlane, ControlPlaneMode } from '../cluster/control-plane';
import { eventually, httpGet, metricSum } from '../e2e/helpers';
import { Api, controllerKind, controllerWorkspace, paths } from '../reconciler/cluster-helpers';
import { layoutDigest, LocalRegistry, registryUnavailable } from './registry';
import { IMAGE_LAYOUT, imageRuntimeUnavailable, installControllerAccess, ociImageConfig, ReconcilerContainer, ROOT, startReconcilerContainer, UnpackedImage } from './runc';

const VERSION = (JSON.parse(fs.readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string }).version;
const NS = 'image-test';
const KIND = 'image-test-kind';

/** `/proc/<pid>/status` fields of the container's process, as the host sees it. */
function procStatus(pid: number): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

const unavailable = imageRuntimeUnavailable() ?? registryUnavailable();
/** The repository path of the default reference, in the local registry. */
const REPOSITORY = RECONCILER_IMAGE_REPOSITORY.slice(RECONCILER_IMAGE_REPOSITORY.indexOf('/') + 1);

describeCluster('the reconciler image, pushed to a registry, pulled by digest, under runc', () => {
  if (unavailable) {
    skipSuite('with runc, umoci, skopeo, docker-registry, root and build/image', unavailable);
    return;
  }

  let cp: ControlPlane;
  let api: Api;
  let registry: LocalRegistry;
  let pushedReference: string;
  let pushed: string;
  let pulled: string;
  let image: UnpackedImage;
  let reconciler: ReconcilerContainer;
  const get = (port: 'health' | 'metrics', p: string) => httpGet(port === 'health' ? reconciler.healthPort : reconciler.metricsPort, p);

  beforeAll(async () => {
    registry = await LocalRegistry.start();
    pushedReference = registry.pushBuiltImage(REPOSITORY);
    pushed = pushedReference.slice(pushedReference.indexOf('@') + 1);
    pulled = fs.mkdtempSync(path.join(registry.dir, 'pulled-'));
    registry.pullByDigest(REPOSITORY, pushed, pulled, VERSION);
    image = UnpackedImage.unpack(pulled, VERSION);
    cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
    api = new Api(cp);
    // NS is a tenant: the install's default tenant-scoped writes are granted there, as a WorkspacesTenant does
    const kubeconfig = await installControllerAccess(cp, image.dir, [NS]);
    await api.create(paths.kinds, controllerKind(KIND));
    for (const name of ['ws-a', 'ws-b']) await api.create(paths.workspaces(NS), controllerWorkspace(name, KIND));
    reconciler = await startReconcilerContainer(image, kubeconfig);
    // eslint-disable-next-line no-console
    console.log(`reconciler image under runc: start to /readyz 200 in ${reconciler.startToReadyMs} ms (kube-apiserver ${cp.version})`);
  }, 180_000);

  afterAll(async () => {
    await reconciler?.container.stop();
    await cp?.stop();
    image?.remove();
    await registry?.stop();
  }, 60_000);

  it('keeps its digest through the registry: the build, the push, the served manifest and the pull name one digest', async () => {
    const built = fs.readFileSync(path.join(ROOT, 'build', 'image-digest'), 'utf8').trim();
    expect(built).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(layoutDigest(IMAGE_LAYOUT, VERSION)).toBe(built);
    expect(pushedReference).toBe(`${registry.host}/${REPOSITORY}:${VERSION}@${built}`);
    expect(pushed).toBe(built);
    for (const reference of [VERSION, built]) {
      expect(await registry.manifest(REPOSITORY, reference)).toEqual({ status: 200, digest: built, bodyDigest: built });
    }
    expect(layoutDigest(pulled, VERSION)).toBe(built);
  });

  it('is what a released package references: pin-image-digest records the built digest, which the registry serves', async () => {
    const built = fs.readFileSync(path.join(ROOT, 'build', 'image-digest'), 'utf8').trim();
    const pkg = path.join(registry.dir, 'package.json');
    fs.copyFileSync(path.join(ROOT, 'package.json'), pkg);
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'pin-image-digest.mjs'), '--package', pkg], { stdio: 'pipe' });
    const pinned = JSON.parse(fs.readFileSync(pkg, 'utf8'));
    const { reconcilerImageDigest, ...rest } = pinned;
    expect(rest).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')));
    expect(defaultImageOf(pinned)).toEqual({ tag: VERSION, digest: built });
    expect(reconcilerImageDigest).toBe(built);
    expect(await registry.manifest(REPOSITORY, built)).toEqual({ status: 200, digest: built, bodyDigest: built });
  });

  it('has the sizes the README and docs/reconciler.md quote (MiB to 0.1, the bundle to 10%)', () => {
    const blob = (digest: string): string => path.join(IMAGE_LAYOUT, 'blobs', ...digest.split(':'));
    const descriptor = JSON.parse(fs.readFileSync(path.join(IMAGE_LAYOUT, 'index.json'), 'utf8')).manifests[0];
    const manifest = JSON.parse(fs.readFileSync(blob(descriptor.digest), 'utf8'));
    const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
    const [runtime, bundleLayer] = manifest.layers.map((l: { size: number }) => l.size);
    const compressed = mib(runtime + bundleLayer + manifest.config.size + descriptor.size);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'reconciler.md'), 'utf8');
    expect(readme).toContain(`**${compressed} MiB** compressed (127 MiB unpacked`);
    expect(docs).toContain(`**Size**: ${compressed} MiB compressed (the Node.js layer ${mib(runtime)} MiB, the bundle layer ${mib(bundleLayer)} MiB)`);
    const bundleKiB = fs.statSync(path.join(image.bundle, 'rootfs', 'app', 'reconciler.js')).size / 1024;
    for (const [doc, text] of [['README.md', readme], ['docs/reconciler.md', docs]]) {
      const quoted = Number(/reconciler\.js`?,?\s*(?:\(one file, )?~(\d+) KiB/.exec(text)?.[1]);
      expect({ doc, withinTenPercent: Math.abs(quoted - bundleKiB) <= bundleKiB / 10 }).toEqual({ doc, withinTenPercent: true });
    }
    expect(Math.abs(Number(/code change ships ~(\d+) KiB/.exec(docs)?.[1]) - bundleLayer / 1024)).toBeLessThanOrEqual(bundleLayer / 1024 / 10);
  });

  it('comes with its SBOM (build/image.spdx.json), which describes this digest', () => {
    const built = fs.readFileSync(path.join(ROOT, 'build', 'image-digest'), 'utf8').trim();
    const sbom = JSON.parse(fs.readFileSync(path.join(ROOT, 'build', 'image.spdx.json'), 'utf8'));
    expect(sbom.spdxVersion).toBe('SPDX-2.3');
    expect(sbom.name).toBe(`${RECONCILER_IMAGE_REPOSITORY}:${VERSION}@${built}`);
    expect(sbom.packages[0].checksums).toEqual([{ algorithm: 'SHA256', checksumValue: built.slice('sha256:'.length) }]);
  });

  it('runs as the image config says, locked down: uid/gid 65532, no capabilities, no new privileges, read-only root', () => {
    const config = image.imageConfig();
    expect(config.process.user).toMatchObject({ uid: 65532, gid: 65532 });
    expect(config.process.args.slice(0, 2)).toEqual(['/nodejs/bin/node', '/app/reconciler.js']);
    const pid = reconciler.container.pid();
    const status = procStatus(pid);
    expect(status.Uid.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
    expect(status.Gid.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(status[set]).toBe('0000000000000000');
    expect(status.NoNewPrivs).toBe('1');
    const root = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
    expect(root?.split(' ')[5].split(',')).toContain('ro');
  });

  it("declares the user, the reconciler's default ports and the OCI labels in its config", () => {
    const { config } = ociImageConfig();
    expect(config.User).toBe('65532:65532');
    expect(Object.keys(config.ExposedPorts).sort()).toEqual([`${RECONCILER_METRICS_PORT}/tcp`, `${RECONCILER_HEALTH_PORT}/tcp`].sort());
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\/github\.com\//),
      'org.opencontainers.image.version': VERSION,
      'org.opencontainers.image.revision': expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it('answers /healthz and /readyz', async () => {
    expect(await get('health', '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get('health', '/readyz')).toEqual({ status: 200, body: 'ok\n' });
  });

  it("creates each Workspace's StatefulSet and Service and writes its status", async () => {
    for (const name of ['ws-a', 'ws-b']) {
      const selector = `${LABEL_WORKSPACE_NAME}=${name}`;
      const ws = await eventually(`${name}: StatefulSet, Service and status`, async () => {
        const [sts, svc, w] = await Promise.all([api.list(paths.statefulSets(NS, selector)), api.list(paths.services(NS, selector)), api.get(paths.workspace(NS, name))]);
        return sts.length === 1 && svc.length === 1 && w?.status?.state ? { sts: sts[0], svc: svc[0], w } : undefined;
      });
      for (const owned of [ws.sts, ws.svc]) {
        expect(owned.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Workspace', name, uid: ws.w.metadata.uid, controller: true })]);
      }
      expect(ws.sts.spec.replicas).toBe(1);
    }
  });

  it('pauses a Workspace: no replicas, state Paused', async () => {
    await api.patchOk(paths.workspace(NS, 'ws-b'), { spec: { paused: true } });
    const selector = `${LABEL_WORKSPACE_NAME}=ws-b`;
    await eventually('ws-b paused', async () => {
      const [[sts], w] = await Promise.all([api.list(paths.statefulSets(NS, selector)), api.get(paths.workspace(NS, 'ws-b'))]);
      return sts?.spec?.replicas === 0 && w?.status?.state === 'Paused' && w.status.pauseTime > 0;
    });
    expect((await api.list(paths.statefulSets(NS, `${LABEL_WORKSPACE_NAME}=ws-a`)))[0].spec.replicas).toBe(1);
  });

  it('serves the kfws metrics and the process and Node.js metrics on /metrics', async () => {
    const r = await get('metrics', '/metrics');
    expect(r.status).toBe(200);
    expect(metricSum(r.body, 'kfws_reconcile_total', { controller: 'workspace' })).toBeGreaterThan(0);
    expect(metricSum(r.body, 'kfws_leader')).toBe(1);
    expect(metricSum(r.body, 'kfws_api_requests_total', { verb: 'patch', resource: 'workspaces/status.kubeflow.org' })).toBeGreaterThan(0);
    expect(metricSum(r.body, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_version_info']) {
      expect(r.body).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'));
    }
    expect(r.body).toMatch(/^nodejs_version_info\{version="v24\./m);
  });

  it('stops gracefully on SIGTERM (exit 0)', async () => {
    expect(await reconciler.container.stop()).toBe(0);
    expect(reconciler.container.logs().some((l) => l.msg === 'stopping')).toBe(true);
  });
});
