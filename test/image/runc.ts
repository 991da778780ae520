/**
 * The reconciler image (build/image/, `npm run build:image`) run with a real OCI runtime: `umoci unpack` turns the
 * image into a runtime bundle (its root filesystem, and a runtime config made from the image config: user,
 * entrypoint, environment, working directory), which is locked down as the install chart's Pod is (read-only root,
 * no capabilities, no privilege escalation, a writable /tmp) and started with `runc run`. The container shares the
 * host's network namespace, so that it reaches the test control plane on 127.0.0.1 and its ports are reachable.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { PlatformNames, WorkspacesInstallChart, WorkspacesTenant } from '../../lib/platform';
import { ClusterConnection } from '../cluster/connection';
import { renderKubeconfig } from '../cluster/control-plane';
import { applyControllerAccess, eventually, freePort, httpGet, KubeObject, LoggedChild } from '../e2e/helpers';
import { Api } from '../reconciler/cluster-helpers';

export const ROOT = path.join(__dirname, '..', '..');
export const IMAGE_LAYOUT = path.join(ROOT, 'build', 'image');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RUNC = process.env.RUNC || 'runc';

export function onPath(cmd: string): boolean {
  if (cmd.includes('/')) return fs.existsSync(cmd);
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
}

/** Why the image cannot be run here, or undefined when it can. */
export function imageRuntimeUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `runc needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'runc runs the container as root here (CI runs as root); this process is not root';
  if (!onPath(RUNC)) return `${RUNC} not found (Debian: apt-get install runc; or set RUNC)`;
  if (!onPath('umoci')) return 'umoci not found (Debian: apt-get install umoci; `npm run build:image` installs it when run as root)';
  const index = path.join(IMAGE_LAYOUT, 'index.json');
  if (!fs.existsSync(index)) return `no image at ${IMAGE_LAYOUT}: run \`npm run build:image\``;
  const tags = (JSON.parse(fs.readFileSync(index, 'utf8')).manifests ?? []).map((m: any) => m.annotations?.['org.opencontainers.image.ref.name']);
  if (!tags.includes(VERSION)) return `the image at ${IMAGE_LAYOUT} has tags ${JSON.stringify(tags)}, not the package version ${VERSION}: run \`npm run build:image\``;
  return undefined;
}

/** The OCI image config (`config` blob of the manifest) of build/image:<package version>. */
export function ociImageConfig(): { config: { User: string; ExposedPorts: Record<string, object>; Entrypoint: string[]; Labels: Record<string, string> } } {
  const blob = (digest: string): string => path.join(IMAGE_LAYOUT, 'blobs', ...digest.split(':'));
  const index = JSON.parse(fs.readFileSync(path.join(IMAGE_LAYOUT, 'index.json'), 'utf8'));
  const descriptor = index.manifests.find((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === VERSION);
  const manifest = JSON.parse(fs.readFileSync(blob(descriptor.digest), 'utf8'));
  return JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8'));
}

/** The runtime config as `umoci unpack` wrote it from the image config (the fields this module reads and sets). */
export interface RuntimeConfig {
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: Record<string, string[]>;
    noNewPrivileges?: boolean;
  };
  root: { path: string; readonly?: boolean };
  mounts: { destination: string; type: string; source: string; options?: string[] }[];
  linux: { namespaces: { type: string }[]; [k: string]: unknown };
  [k: string]: unknown;
}

/** An unpacked image: root filesystem and the runtime config derived from the image config. */
export class UnpackedImage {
  /**
   * Unpacks `<layout>:<tag>` (default build/image:<package version>) into a fresh temp folder (as root: files keep
   * their owners, 0:0).
   */
  static unpack(layout: string = IMAGE_LAYOUT, tag: string = VERSION): UnpackedImage {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-image-bundle-'));
    const bundle = path.join(dir, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle], { stdio: 'pipe' });
    // kept apart: each container start writes its own config.json from it
    fs.copyFileSync(path.join(bundle, 'config.json'), path.join(dir, 'image-config.json'));
    return new UnpackedImage(dir, bundle);
  }

  private constructor(
    readonly dir: string,
    readonly bundle: string,
  ) {}

  /** The runtime config as generated from the image. */
  imageConfig(): RuntimeConfig {
    return JSON.parse(fs.readFileSync(path.join(this.dir, 'image-config.json'), 'utf8')) as RuntimeConfig;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ContainerOptions {
  /** Flags appended to the image's entrypoint. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Host files mounted read-only, by path in the container; readable by the container's user. */
  readonly files?: Readonly<Record<string, string>>;
}

/** A container of the image, run by `runc run` in the foreground: its output, exit, and host pid. */
export class RuncContainer extends LoggedChild {
  static start(image: UnpackedImage, id: string, opts: ContainerOptions): RuncContainer {
    const config = image.imageConfig();
    const { uid, gid } = config.process.user;
    config.process.terminal = false;
    config.process.args = [...config.process.args, ...opts.args];
    config.process.env = [...config.process.env, ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`)];
    // the chart's securityContext: capabilities drop ALL, allowPrivilegeEscalation false, readOnlyRootFilesystem
    config.process.capabilities = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
    config.process.noNewPrivileges = true;
    config.root.readonly = true;
    config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
    config.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'mode=1777', 'size=64m'] });
    const files = path.join(image.dir, 'files');
    fs.mkdirSync(files, { recursive: true, mode: 0o755 });
    for (const [target, source] of Object.entries(opts.files ?? {})) {
      const copy = path.join(files, path.basename(target));
      fs.copyFileSync(source, copy);
      fs.chownSync(copy, uid, gid);
      fs.chmodSync(copy, 0o400);
      config.mounts.push({ destination: target, type: 'bind', source: copy, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] });
    }
    fs.writeFileSync(path.join(image.bundle, 'config.json'), JSON.stringify(config, null, 2));
    const child = spawn(RUNC, ['run', '--bundle', image.bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new RuncContainer(id, child);
  }

  private constructor(
    readonly id: string,
    child: ChildProcess,
  ) {
    super(child);
  }

  /** The host pid of the container's process (from `runc state`). */
  pid(): number {
    return (JSON.parse(execFileSync(RUNC, ['state', this.id], { encoding: 'utf8' })) as { pid: number }).pid;
  }

  /** Sends a signal to the container's process (`runc kill`). */
  kill(signal: 'TERM' | 'KILL'): void {
    execFileSync(RUNC, ['kill', this.id, signal], { stdio: 'pipe' });
  }

  /** SIGTERM, SIGKILL after 10 s, then `runc delete`; resolves with the exit code. For afterAll too. */
  async stop(): Promise<number | null | undefined> {
    if (this.running) {
      try {
        this.kill('TERM');
      } catch {
        // exited meanwhile
      }
      const timer = setTimeout(() => {
        try {
          this.kill('KILL');
        } catch {
          // exited meanwhile
        }
      }, 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    try {
      execFileSync(RUNC, ['delete', '--force', this.id], { stdio: 'pipe' });
    } catch {
      // already deleted
    }
    return this.exit?.code;
  }

}

/**
 * Applies the install chart's CRDs, Namespace, ServiceAccount and RBAC as synthesized (not its Deployment: the
 * caller runs the container, nor its webhook registration, which no Service here could answer), and a
 * `WorkspacesTenant` for each of `tenantNamespaces` (the namespace, and the RoleBindings that grant the controller
 * its writes there, as the default tenant-scoped install needs); writes a kubeconfig with a token of the
 * controller's ServiceAccount into `dir`.
 */
export async function installControllerAccess(cluster: ClusterConnection, dir: string, tenantNamespaces: readonly string[] = []): Promise<string> {
  const api = new Api(cluster);
  const app = Testing.app();
  const install = new WorkspacesInstallChart(app, 'install');
  const tenants = new Chart(app, 'tenants');
  for (const namespace of tenantNamespaces) new WorkspacesTenant(tenants, namespace, { namespace });
  await applyControllerAccess(cluster, [...Testing.synth(install), ...Testing.synth(tenants)] as KubeObject[], 'kfws-image-test');
  const tr = await api.create(`/api/v1/namespaces/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/serviceaccounts/${PlatformNames.CONTROLLER}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  fs.writeFileSync(kubeconfig, renderKubeconfig(cluster.server, cluster.caData, tr.status.token, PlatformNames.CONTROLLER), { mode: 0o600 });
  return kubeconfig;
}

/** A running reconciler container and the host ports of its health and metrics servers. */
export interface ReconcilerContainer {
  readonly container: RuncContainer;
  readonly healthPort: number;
  readonly metricsPort: number;
  /** From `runc run` to the first 200 of /readyz (informer caches synced). */
  readonly startToReadyMs: number;
}

/**
 * Runs the image's reconciler as the install chart does (leader election on, `POD_NAMESPACE` the controller's
 * namespace), with the kubeconfig mounted read-only, and waits until /readyz answers 200.
 */
export async function startReconcilerContainer(image: UnpackedImage, kubeconfig: string): Promise<ReconcilerContainer> {
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const container = RuncContainer.start(image, `kfws-reconciler-${randomBytes(3).toString('hex')}`, {
    args: [
      '--kubeconfig=/etc/kfws/kubeconfig',
      '--leader-elect=true',
      '--log-level=info',
      '--bind-address=127.0.0.1',
      `--health-port=${healthPort}`,
      `--metrics-port=${metricsPort}`,
    ],
    env: { POD_NAME: 'reconciler-image', POD_NAMESPACE: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE },
    files: { '/etc/kfws/kubeconfig': kubeconfig },
  });
  try {
    await eventually(
      'the containerized reconciler to be ready',
      async () => {
        if (!container.running) throw new Error(`the container exited with ${JSON.stringify(container.exit)}:\n${container.tail()}`);
        return (await httpGet(healthPort, '/readyz').catch(() => ({ status: 0 }))).status === 200;
      },
      60_000,
      20,
    );
  } catch (err) {
    await container.stop();
    throw new Error(`${(err as Error).message}\n${container.tail()}`);
  }
  return { container, healthPort, metricsPort, startToReadyMs: Date.now() - started };
}
