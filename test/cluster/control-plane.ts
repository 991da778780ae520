/**
 * A real Kubernetes control plane for tests, started as local processes on 127.0.0.1 from binaries
 * built by test/cluster/build.sh (or taken from KUBEBUILDER_ASSETS for etcd and kube-apiserver).
 *
 * Node 20 built-ins only: no npm dependencies.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Which components run. */
export enum ControlPlaneMode {
  /** etcd + kube-apiserver: CRDs, CEL, RBAC, dry-run, object and status tests. */
  API = 'api',
  /** API + kube-controller-manager, kube-scheduler and kwok with one fake Node: Pods become Running. */
  FULL = 'full',
}

/** Options of `ControlPlane.start`. */
export interface ControlPlaneOptions {
  /** Which components to start. */
  readonly mode: ControlPlaneMode;
  /**
   * Folder for the components' logs; it is never removed.
   * @default - `logs/` inside the run's temp dir
   */
  readonly logDir?: string;
  /**
   * How long to wait for each component to become ready, in milliseconds.
   * @default 120000
   */
  readonly startTimeoutMs?: number;
}

/** Options of `ControlPlane.restartApiServer`. */
export interface RestartApiServerOptions {
  /**
   * Flags appended to the first start's command line from this start on (a later flag wins), e.g.
   * `['--watch-cache=false']`; `[]` returns to the original command line.
   * @default - those of the previous start
   */
  readonly extraArgs?: readonly string[];
  /** Runs while the kube-apiserver is down (e.g. `compactEtcd()`, or writes through another client). */
  readonly whileDown?: () => Promise<void>;
}

/** Where the binaries are. */
export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  /** Absent when only KUBEBUILDER_ASSETS is usable (API mode only). */
  readonly kubeControllerManager?: string;
  readonly kubeScheduler?: string;
  readonly kwok?: string;
  /** Folder of build.sh's output for the pinned version. */
  readonly cacheDir: string;
  /** Kubernetes version pinned in test/cluster/bin-src/go.mod (or bin-src-<minor>/go.mod), e.g. `v1.36.3`. */
  readonly k8sVersion: string;
  /** kwok version pinned in test/cluster/bin-src/kwok/go.mod, e.g. `v0.8.0`; absent for an older version (API only). */
  readonly kwokVersion?: string;
}

/** Result of `controlPlaneAvailability`. */
export interface ControlPlaneAvailability {
  readonly available: boolean;
  /** Why it is not available. */
  readonly reason?: string;
  readonly binaries?: ControlPlaneBinaries;
}

/** Serialisable connection info, handed from jest's globalSetup to test workers. */
export interface ClusterConnectionInfo {
  readonly mode: ControlPlaneMode;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** Bearer token of a `system:masters` user. */
  readonly adminToken: string;
  /** PEM of the apiserver's (self-signed) serving certificate chain: use it as the CA. */
  readonly caData: string;
  /** File holding `caData`. */
  readonly caFile: string;
  /** Admin kubeconfig file. */
  readonly kubeconfigPath: string;
  /** `gitVersion` reported by /version, e.g. `v1.36.3`. */
  readonly version: string;
  /** The run's temp dir (kubeconfigs written by `kubeconfigFor` go here). */
  readonly workDir: string;
  /** Name of the fake Node in FULL mode. */
  readonly nodeName?: string;
}

const PACKAGE_CACHE_NAME = 'cdk8s-kubeflow-workspaces';
export const FAKE_NODE_NAME = 'kwok-node-0';
const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
const LOG_TAIL_LINES = 40;
/** The Lease duration kwok writes on the fake Node's Lease; it renews it every quarter of that (as a kubelet). */
export const NODE_LEASE_DURATION_SECONDS = 40;

// ---------------------------------------------------------------------------------------------
// binaries

/**
 * Selects an older Kubernetes of the test control plane: `1.32` uses the wrapper module `test/cluster/bin-src-1.32/`
 * (etcd and kube-apiserver only, so API mode only) instead of `bin-src/`; build.sh reads the same variable.
 */
export const K8S_VERSION_ENV = 'KFWS_TEST_K8S_VERSION';

/** The minor version asked for with `KFWS_TEST_K8S_VERSION` (`1.32`), or undefined for the default one. */
export function selectedK8sVersion(): string | undefined {
  const v = process.env[K8S_VERSION_ENV]?.trim().replace(/^v/, '');
  return v ? v : undefined;
}

function binSrcDir(): string {
  const selected = selectedK8sVersion();
  const roots = [__dirname, path.join(process.cwd(), 'test', 'cluster')];
  const tried: string[] = [];
  for (const root of roots) {
    if (selected) {
      const older = path.join(root, `bin-src-${selected}`);
      tried.push(older);
      if (fs.existsSync(path.join(older, 'go.mod'))) return older;
    }
    const dflt = path.join(root, 'bin-src');
    tried.push(dflt);
    if (!fs.existsSync(path.join(dflt, 'go.mod'))) continue;
    if (selected && !requiredVersion(path.join(dflt, 'go.mod'), 'k8s.io/kubernetes').startsWith(`v${selected}`)) continue;
    return dflt;
  }
  throw new Error(
    selected
      ? `${K8S_VERSION_ENV}=${selected}: neither a test/cluster/bin-src-${selected}/go.mod nor bin-src/go.mod of that version (looked in ${tried.join(', ')})`
      : `cannot find test/cluster/bin-src/go.mod (looked in ${tried.join(', ')})`,
  );
}

function requiredVersion(goModFile: string, modulePath: string): string {
  const text = fs.readFileSync(goModFile, 'utf8');
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v[^\\s]+)`, 'm').exec(text);
  if (!m) throw new Error(`${modulePath} is not required in ${goModFile}`);
  return m[1];
}

/**
 * Kubernetes and kwok versions pinned by the wrapper Go modules (of the version `KFWS_TEST_K8S_VERSION` selects).
 * `kwok` is absent for an older version's module, which builds etcd and kube-apiserver only.
 */
export function pinnedVersions(): { k8s: string; kwok?: string } {
  const src = binSrcDir();
  const kwokMod = path.join(src, 'kwok', 'go.mod');
  return {
    k8s: requiredVersion(path.join(src, 'go.mod'), 'k8s.io/kubernetes'),
    kwok: fs.existsSync(kwokMod) ? requiredVersion(kwokMod, 'sigs.k8s.io/kwok') : undefined,
  };
}

/** The folder build.sh writes to: `${XDG_CACHE_HOME:-~/.cache}/cdk8s-kubeflow-workspaces/k8s-<version>/bin`. */
export function binaryCacheDir(k8sVersion = pinnedVersions().k8s): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, PACKAGE_CACHE_NAME, `k8s-${k8sVersion}`, 'bin');
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolves the binaries without building anything: etcd and kube-apiserver from `KUBEBUILDER_ASSETS`
 * when it holds both, otherwise from build.sh's cache folder; the others from the cache folder.
 * Throws when etcd or kube-apiserver cannot be found.
 */
export async function findBinaries(): Promise<ControlPlaneBinaries> {
  const versions = pinnedVersions();
  const cacheDir = binaryCacheDir(versions.k8s);
  const inCache = (name: string) => {
    const f = path.join(cacheDir, name);
    return executable(f) ? f : undefined;
  };
  let etcd = inCache('etcd');
  let kubeApiserver = inCache('kube-apiserver');
  // KUBEBUILDER_ASSETS stands for the default version; an older one selected by KFWS_TEST_K8S_VERSION is always built
  const assets = selectedK8sVersion() && !versions.kwok ? undefined : process.env.KUBEBUILDER_ASSETS;
  if (assets && executable(path.join(assets, 'etcd')) && executable(path.join(assets, 'kube-apiserver'))) {
    etcd = path.join(assets, 'etcd');
    kubeApiserver = path.join(assets, 'kube-apiserver');
  }
  if (!etcd || !kubeApiserver) {
    throw new Error(
      `etcd and kube-apiserver ${versions.k8s} were not found in ${cacheDir}` +
        (assets ? ` nor in KUBEBUILDER_ASSETS=${assets}` : '') +
        `: run ${selectedK8sVersion() ? `${K8S_VERSION_ENV}=${selectedK8sVersion()} ` : ''}test/cluster/build.sh (a cold build takes ~10 min)` +
        (versions.kwok ? ', or set KUBEBUILDER_ASSETS' : ''),
    );
  }
  return {
    etcd,
    kubeApiserver,
    kubeControllerManager: inCache('kube-controller-manager'),
    kubeScheduler: inCache('kube-scheduler'),
    kwok: inCache('kwok'),
    cacheDir,
    k8sVersion: versions.k8s,
    kwokVersion: versions.kwok,
  };
}

/** Tells whether a control plane of this mode can be started (binaries present), never building. */
export async function controlPlaneAvailability(mode: ControlPlaneMode): Promise<ControlPlaneAvailability> {
  let binaries: ControlPlaneBinaries;
  try {
    binaries = await findBinaries();
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
  if (mode === ControlPlaneMode.FULL) {
    if (!binaries.kwokVersion) {
      return {
        available: false,
        reason: `Kubernetes ${binaries.k8sVersion} (${K8S_VERSION_ENV}) is built for API mode only (etcd and kube-apiserver); use KFWS_TEST_CLUSTER_MODE=api`,
        binaries,
      };
    }
    const missing = (['kubeControllerManager', 'kubeScheduler', 'kwok'] as const).filter((k) => !binaries[k]);
    if (missing.length > 0) {
      return {
        available: false,
        reason: `FULL mode needs ${missing.join(', ')} in ${binaries.cacheDir}: run test/cluster/build.sh`,
        binaries,
      };
    }
    try {
      kwokStageDir(binaries.kwokVersion);
    } catch (e) {
      return { available: false, reason: (e as Error).message, binaries };
    }
  }
  return { available: true, binaries };
}

/** The Go module cache (GOMODCACHE, else GOPATH/pkg/mod, else `go env GOMODCACHE`, else ~/go/pkg/mod). */
function goModCache(): string[] {
  const out: string[] = [];
  if (process.env.GOMODCACHE) out.push(process.env.GOMODCACHE);
  if (process.env.GOPATH) out.push(...process.env.GOPATH.split(path.delimiter).map((p) => path.join(p, 'pkg', 'mod')));
  out.push(path.join(os.homedir(), 'go', 'pkg', 'mod'));
  for (const go of ['go', '/usr/local/go/bin/go']) {
    try {
      out.push(execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8', timeout: 10_000 }).trim());
      break;
    } catch {
      // try the next one
    }
  }
  return out.filter((p) => p !== '');
}

/** kwok's stage YAMLs ship in its module (`kustomize/stage/`); read them from the module cache. */
function kwokStageDir(kwokVersion: string): string {
  const tried: string[] = [];
  for (const cache of goModCache()) {
    const dir = path.join(cache, 'sigs.k8s.io', `kwok@${kwokVersion}`, 'kustomize', 'stage');
    tried.push(dir);
    if (fs.existsSync(path.join(dir, 'pod', 'fast'))) return dir;
  }
  throw new Error(
    `kwok ${kwokVersion} stage files not found in the Go module cache (tried ${tried.join(', ')}); ` +
      'run test/cluster/build.sh (or `go mod download sigs.k8s.io/kwok@' + kwokVersion + '`)',
  );
}

/** Concatenates the "fast" node and pod stages (node init, node heartbeat with lease, pod ready/complete/delete). */
function kwokStagesYaml(kwokVersion: string): string {
  const dir = kwokStageDir(kwokVersion);
  const files: string[] = [];
  for (const sub of ['node/fast', 'node/heartbeat-with-lease', 'pod/fast']) {
    const d = path.join(dir, sub);
    for (const f of fs.readdirSync(d).sort()) {
      if (f.endsWith('.yaml') && f !== 'kustomization.yaml') files.push(path.join(d, f));
    }
  }
  return files.map((f) => `# from ${f}\n${fs.readFileSync(f, 'utf8').trim()}\n`).join('---\n');
}

// ---------------------------------------------------------------------------------------------
// small helpers

async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((s.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function tail(file: string, lines = LOG_TAIL_LINES): string {
  try {
    const size = fs.statSync(file).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buf, 0, len, size - len);
    } finally {
      fs.closeSync(fd);
    }
    return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Result of `kubeRequest`. */
export interface KubeResponse {
  readonly status: number;
  readonly body: string;
  /** `body` parsed as JSON, when it is JSON. */
  readonly json?: any;
}

/** Options of `kubeRequest`. */
export interface KubeRequestOptions {
  readonly method?: string;
  /** Object to send as JSON. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Bearer token. */
  readonly token?: string;
  /** PEM CA. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** One HTTP(S) request against 127.0.0.1 (fetch cannot take a custom CA on Node 20; node:https can). */
export function kubeRequest(url: string, opts: KubeRequestOptions = {}): Promise<KubeResponse> {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') {
    return Promise.reject(new Error(`refusing to talk to ${u.hostname}: the test control plane is on 127.0.0.1 only`));
  }
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers,
        ...(u.protocol === 'https:' ? { ca: opts.ca, rejectUnauthorized: true } : {}),
        timeout: opts.timeoutMs ?? 15_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Renders a kubeconfig (YAML) for a bearer-token user. */
export function renderKubeconfig(server: string, caData: string, token: string, user: string): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML scalar
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test-cluster',
    '  cluster:',
    `    server: ${q(server)}`,
    `    certificate-authority-data: ${Buffer.from(caData).toString('base64')}`,
    'users:',
    `- name: ${q(user)}`,
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    `- name: ${q(user)}`,
    '  context:',
    '    cluster: test-cluster',
    `    user: ${q(user)}`,
    `current-context: ${q(user)}`,
    '',
  ].join('\n');
}

/** Writes a kubeconfig for `token` into `dir` (mode 0600) and returns its path. */
export function writeKubeconfig(dir: string, server: string, caData: string, token: string, user: string): string {
  const safe = user.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const file = path.join(dir, `kubeconfig-${safe}-${randomBytes(3).toString('hex')}.yaml`);
  fs.writeFileSync(file, renderKubeconfig(server, caData, token, user), { mode: 0o600 });
  return file;
}

// ---------------------------------------------------------------------------------------------
// the control plane

interface Component {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly logFile: string;
  /** How it was started, for restarts. */
  readonly launch: { readonly bin: string; readonly args: string[]; readonly env: Record<string, string> };
  /** Restarted by the harness when it exits unexpectedly, as kubelet restarts a control-plane static Pod. */
  readonly supervised: boolean;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  /** Stopped on purpose: not restarted. */
  stopping?: boolean;
  /** Exited unexpectedly; a restart is scheduled. */
  restartPending?: boolean;
}

interface SpawnOptions {
  readonly env?: Record<string, string>;
  /** The (exited) component this one replaces, at the same position. */
  readonly replacing?: Component;
  readonly supervised?: boolean;
}

/** A supervised component that exits more often than this within a minute is left down (and reported). */
const MAX_RESTARTS_PER_MINUTE = 5;

/** A running etcd + kube-apiserver (+ controller-manager, scheduler, kwok in FULL mode) on 127.0.0.1. */
export class ControlPlane implements ClusterConnectionInfo {
  /** Starts a control plane; throws (with the tail of the failing component's log) when it cannot. */
  public static async start(opts: ControlPlaneOptions): Promise<ControlPlane> {
    const availability = await controlPlaneAvailability(opts.mode);
    if (!availability.available || !availability.binaries) {
      throw new Error(`cannot start a ${opts.mode} control plane: ${availability.reason}`);
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-cp-'));
    const cp = new ControlPlane(opts, availability.binaries, workDir);
    try {
      await cp.boot();
    } catch (e) {
      cp.failed = true;
      await cp.stop();
      throw e;
    }
    return cp;
  }

  public readonly mode: ControlPlaneMode;
  public readonly workDir: string;
  public readonly logDir: string;
  public readonly adminToken: string;
  public readonly kubeconfigPath: string;
  public readonly caFile: string;
  public server = '';
  public caData = '';
  public version = '';
  public nodeName?: string;
  /** `http://127.0.0.1:<port>` of etcd's client endpoint (its v3 HTTP/JSON gateway is on the same port). */
  public etcdUrl = '';

  private readonly binaries: ControlPlaneBinaries;
  /** The kube-apiserver's command line of the first start; `restartApiServer` reuses it. */
  private apiServerArgs: string[] = [];
  /** Flags added to `apiServerArgs` by the last (re)start. */
  private apiServerExtraArgs: readonly string[] = [];
  private readonly timeoutMs: number;
  private readonly components: Component[] = [];
  private failed = false;
  private stopped = false;
  private readonly restartTimes = new Map<string, number[]>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly restartCounts: Record<string, number> = {};
  private readonly onExit = () => {
    for (const c of this.components) {
      if (!c.exited && c.proc.pid) {
        try {
          process.kill(c.proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };

  private constructor(opts: ControlPlaneOptions, binaries: ControlPlaneBinaries, workDir: string) {
    this.mode = opts.mode;
    this.binaries = binaries;
    this.workDir = workDir;
    this.logDir = opts.logDir ?? path.join(workDir, 'logs');
    this.timeoutMs = opts.startTimeoutMs ?? 120_000;
    this.adminToken = randomBytes(24).toString('hex');
    this.kubeconfigPath = path.join(workDir, 'admin.kubeconfig');
    this.caFile = path.join(workDir, 'pki', 'apiserver.crt');
    fs.mkdirSync(this.logDir, { recursive: true });
    process.once('exit', this.onExit);
  }

  /** Connection info that can be serialised (JSON) and handed to other processes. */
  public get info(): ClusterConnectionInfo {
    return {
      mode: this.mode,
      server: this.server,
      adminToken: this.adminToken,
      caData: this.caData,
      caFile: this.caFile,
      kubeconfigPath: this.kubeconfigPath,
      version: this.version,
      workDir: this.workDir,
      nodeName: this.nodeName,
    };
  }

  /** Writes a kubeconfig for another bearer token (e.g. from the TokenRequest API); returns its path. */
  public kubeconfigFor(token: string, user: string): string {
    return writeKubeconfig(this.workDir, this.server, this.caData, token, user);
  }

  /** A request as admin (or with `opts.token`) against this apiserver; `apiPath` starts with `/`. */
  public request(apiPath: string, opts: KubeRequestOptions = {}): Promise<KubeResponse> {
    return kubeRequest(this.server + apiPath, { token: this.adminToken, ca: this.caData, ...opts });
  }

  /**
   * Stops the kube-apiserver (SIGTERM, SIGKILL after 30 s) and starts it again on the same port, with the same
   * serving certificate and the same etcd (which keeps all data), then waits for `/readyz`. Clients see their
   * connections closed and watches ended, as in a control-plane upgrade or crash. The other components stay up and
   * reconnect by themselves. Resolves with how long the API was unavailable.
   */
  public async restartApiServer(opts: RestartApiServerOptions = {}): Promise<{ downMs: number }> {
    if (this.stopped) throw new Error('the control plane is stopped');
    const old = this.components.find((c) => c.name === 'kube-apiserver');
    if (!old) throw new Error('no kube-apiserver component');
    const started = Date.now();
    try {
      await this.terminate(old, 30_000);
      await opts.whileDown?.();
      await this.startApiServer(opts.extraArgs ?? this.apiServerExtraArgs, old);
    } catch (e) {
      this.failed = true; // keep the logs
      throw e;
    }
    return { downMs: Date.now() - started };
  }

  /** The pid of a running component (`etcd`, `kube-apiserver`, `kube-controller-manager`, `kube-scheduler`, `kwok`). */
  public pidOf(name: string): number | undefined {
    const c = this.components.find((x) => x.name === name && !x.exited);
    return c?.proc.pid;
  }

  /** etcd's current revision (the newest resourceVersion), from its v3 JSON gateway. */
  public async etcdRevision(): Promise<number> {
    const r = await kubeRequest(`${this.etcdUrl}/v3/kv/range`, {
      method: 'POST',
      body: { key: Buffer.from('/').toString('base64'), limit: 1, keys_only: true },
    });
    const revision = Number(r.json?.header?.revision);
    if (r.status !== 200 || !Number.isSafeInteger(revision) || revision <= 0) {
      throw new Error(`etcd range: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    }
    return revision;
  }

  /**
   * Compacts etcd's history up to `revision` (default: the current one), as the apiserver does every 5 minutes:
   * afterwards a watch from an older resourceVersion that reaches etcd (no watch cache in between) ends with
   * 410 Gone. Resolves with the revision compacted to.
   */
  public async compactEtcd(revision?: number): Promise<number> {
    const rev = revision ?? (await this.etcdRevision());
    const r = await kubeRequest(`${this.etcdUrl}/v3/kv/compaction`, { method: 'POST', body: { revision: String(rev), physical: true } });
    if (r.status !== 200) throw new Error(`etcd compaction to ${rev}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    return rev;
  }

  /**
   * How often each supervised component (kube-controller-manager, kube-scheduler, kwok) was restarted after an
   * unexpected exit. kube-scheduler, for one, exits on purpose when it finds its cache inconsistent, which can happen
   * after an apiserver restart; a real control plane restarts it, and so does the harness (after 1 s, at most
   * 5 times a minute; the exit and the restart are written to its log).
   */
  public get restarts(): Readonly<Record<string, number>> {
    return { ...this.restartCounts };
  }

  /** Stops exactly the processes this run started (SIGTERM, SIGKILL after 10 s), in reverse order. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    for (const c of [...this.components].reverse()) {
      await this.terminate(c, 10_000);
    }
    process.removeListener('exit', this.onExit);
    if (this.failed || process.env.KEEP_CLUSTER_LOGS) {
      // eslint-disable-next-line no-console
      console.error(`control plane (${this.mode}) logs are kept in ${this.logDir} (run dir ${this.workDir})`);
    } else {
      fs.rmSync(this.workDir, { recursive: true, force: true });
    }
  }

  private async terminate(c: Component, timeoutMs: number): Promise<void> {
    c.stopping = true;
    if (c.exited || !c.proc.pid) return;
    const pid = c.proc.pid;
    const exited = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const killer = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        resolve();
      }, timeoutMs);
    });
    await Promise.race([exited, killer]);
    clearTimeout(timer);
    if (!c.exited) await exited;
  }

  private spawn(name: string, bin: string, args: string[], opts: SpawnOptions = {}): Component {
    const extraEnv = opts.env ?? {};
    const logFile = path.join(this.logDir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      // never let a component reach anything but 127.0.0.1 through a proxy, nor pick up a user's kubeconfig
      if (v !== undefined && !/^(https?_proxy|all_proxy|kubeconfig)$/i.test(k)) env[k] = v;
    }
    env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost';
    Object.assign(env, extraEnv);
    fs.writeSync(fd, `# ${bin} ${args.join(' ')}\n`);
    let proc: ChildProcess;
    try {
      proc = spawn(bin, args, { stdio: ['ignore', fd, fd], env, cwd: this.workDir });
    } finally {
      fs.closeSync(fd);
    }
    const c: Component = { name, proc, logFile, launch: { bin, args, env: extraEnv }, supervised: opts.supervised === true };
    proc.on('exit', (code, signal) => {
      c.exited = { code, signal };
      if (c.supervised && !c.stopping && !this.stopped) this.scheduleRestart(c);
    });
    proc.on('error', (err) => {
      c.exited = { code: -1, signal: null };
      fs.appendFileSync(logFile, `spawn error: ${err.message}\n`);
    });
    // a restarted component takes the place of the one it replaces, so that stop() keeps the reverse start order
    const at = opts.replacing ? this.components.indexOf(opts.replacing) : -1;
    if (at >= 0) this.components.splice(at, 1, c);
    else this.components.push(c);
    return c;
  }

  private scheduleRestart(c: Component): void {
    const now = Date.now();
    const recent = (this.restartTimes.get(c.name) ?? []).filter((t) => now - t < 60_000);
    const how = c.exited?.signal ?? `code ${c.exited?.code}`;
    if (recent.length >= MAX_RESTARTS_PER_MINUTE) {
      fs.appendFileSync(c.logFile, `# [harness] exited (${how}) for the ${recent.length + 1}th time within a minute: not restarted\n`);
      return;
    }
    recent.push(now);
    this.restartTimes.set(c.name, recent);
    this.restartCounts[c.name] = (this.restartCounts[c.name] ?? 0) + 1;
    c.restartPending = true;
    fs.appendFileSync(c.logFile, `# [harness] exited (${how}); restarting in 1 s (restart #${this.restartCounts[c.name]})\n`);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopped) return;
      this.spawn(c.name, c.launch.bin, c.launch.args, { env: c.launch.env, replacing: c, supervised: true });
    }, 1000);
    this.restartTimers.add(timer);
  }

  private failure(c: Component, what: string): Error {
    const how = c.exited ? ` (exited with ${c.exited.signal ?? `code ${c.exited.code}`})` : '';
    return new Error(`${c.name} ${what}${how}; last lines of ${c.logFile}:\n${tail(c.logFile)}`);
  }

  /** Polls `check` until it returns true; throws with the log tail of `c` on timeout or when a component exits. */
  private async waitFor(c: Component, what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let lastError = '';
    for (;;) {
      const dead = this.components.find((x) => x.exited && !x.restartPending);
      if (dead) {
        throw this.failure(dead, dead === c ? `exited before it was ${what}` : `exited while waiting for ${c.name}: ${what}`);
      }
      try {
        if (await check()) return;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() > deadline) {
        throw this.failure(c, `was not ${what} after ${this.timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}`);
      }
      await sleep(250);
    }
  }

  /** Starts the kube-apiserver (again, in place of `replacing`) and waits until it is ready. */
  private async startApiServer(extraArgs: readonly string[], replacing?: Component): Promise<void> {
    const caBefore = this.caData;
    this.apiServerExtraArgs = [...extraArgs];
    const api = this.spawn('kube-apiserver', this.binaries.kubeApiserver, [...this.apiServerArgs, ...extraArgs], { replacing });
    await this.waitFor(api, 'ready (/readyz)', async () => {
      if (!fs.existsSync(this.caFile)) return false;
      this.caData = fs.readFileSync(this.caFile, 'utf8');
      const r = await this.request('/readyz', { timeoutMs: 5_000 });
      return r.status === 200;
    });
    if (caBefore && this.caData !== caBefore) {
      throw new Error(`the restarted kube-apiserver serves another certificate than before (${this.caFile}); clients would fail`);
    }
  }

  private async boot(): Promise<void> {
    const full = this.mode === ControlPlaneMode.FULL;
    const [etcdClient, etcdPeer, apiPort] = await freePorts(3);
    const w = this.workDir;

    // --- etcd
    const etcd = this.spawn('etcd', this.binaries.etcd, [
      '--name=default',
      `--data-dir=${path.join(w, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    this.etcdUrl = `http://127.0.0.1:${etcdClient}`;
    await this.waitFor(etcd, 'healthy (/health)', async () => {
      const r = await kubeRequest(`${this.etcdUrl}/health`, { timeoutMs: 2_000 });
      return r.status === 200 && r.json?.health === 'true';
    });

    // --- kube-apiserver
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const saKey = path.join(w, 'sa.key');
    fs.writeFileSync(saKey, privateKey, { mode: 0o600 });
    const tokens = path.join(w, 'tokens.csv');
    fs.writeFileSync(tokens, `${this.adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });
    fs.mkdirSync(path.join(w, 'pki'), { recursive: true });
    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(w, 'pki')}`,
      `--token-auth-file=${tokens}`,
      '--anonymous-auth=false',
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--allow-privileged=true',
      // 127.0.0.1 is not a valid Endpoints address; the `kubernetes` Service needs no endpoints here
      '--endpoint-reconciler-type=none',
      // Services that webhooks (and aggregated APIs) name are resolved to their endpoints, never to a ClusterIP: the
      // service range is not on this machine, and a test must never make the API server dial off it. Without
      // endpoints (API mode, or no Pods behind the Service) such a call fails at once, with no connection attempted.
      '--enable-aggregator-routing=true',
      '--profiling=false',
      // SIGTERM: end open watches (clients resume elsewhere) instead of waiting for them until the process is killed
      '--shutdown-watch-termination-grace-period=2s',
    ];
    // Without a controller-manager nobody creates the `default` ServiceAccounts Pods would need (as envtest does).
    if (!full) apiArgs.push('--disable-admission-plugins=ServiceAccount');
    this.apiServerArgs = apiArgs;
    this.server = `https://127.0.0.1:${apiPort}`;
    await this.startApiServer([]);
    const v = await this.request('/version');
    this.version = v.json?.gitVersion ?? '';
    fs.writeFileSync(this.kubeconfigPath, renderKubeconfig(this.server, this.caData, this.adminToken, 'admin'), {
      mode: 0o600,
    });

    if (!full) return;

    // --- kube-controller-manager, kube-scheduler
    const b = this.binaries;
    const kcm = this.spawn('kube-controller-manager', b.kubeControllerManager!, [
      `--kubeconfig=${this.kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${this.caFile}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--use-service-account-credentials=false',
      '--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle',
    ], { supervised: true });
    this.spawn('kube-scheduler', b.kubeScheduler!, [
      `--kubeconfig=${this.kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
    ], { supervised: true });

    // --- kwok with the "fast" stages read from the kwok module in the Go module cache
    const kwokDir = path.join(w, 'kwok');
    fs.mkdirSync(kwokDir, { recursive: true });
    const kwokConfig = path.join(kwokDir, 'stages.yaml');
    fs.writeFileSync(kwokConfig, kwokStagesYaml(b.kwokVersion!));
    const kwok = this.spawn(
      'kwok',
      b.kwok!,
      [
        `--kubeconfig=${this.kubeconfigPath}`,
        `--config=${kwokConfig}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-ip=127.0.0.1',
        '--cidr=10.244.0.1/16',
        // Renew the Node's Lease in kube-node-lease (every 10 s), as a kubelet does. Without it kwok renews nothing
        // but the Node status (every 10-20 min with the heartbeat-with-lease stage), the node lifecycle controller
        // finds the Node unreachable after --node-monitor-grace-period (50 s) and marks its Pods NotReady, and kwok
        // never marks them Ready again. kwok's own default (40) is not applied when --config holds only Stages.
        `--node-lease-duration-seconds=${NODE_LEASE_DURATION_SECONDS}`,
      ],
      { env: { HOME: kwokDir, KWOK_WORKDIR: kwokDir }, supervised: true },
    );

    // --- one fake Node
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: FAKE_NODE_NAME,
        annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': FAKE_NODE_NAME,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/role': 'agent',
          type: 'kwok',
        },
      },
      spec: {},
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
        nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake' },
      },
    };
    const created = await this.request('/api/v1/nodes', { method: 'POST', body: node });
    if (created.status !== 201) {
      throw new Error(`creating Node ${FAKE_NODE_NAME} failed: HTTP ${created.status} ${created.body}`);
    }
    this.nodeName = FAKE_NODE_NAME;
    await this.waitFor(kwok, `making Node ${FAKE_NODE_NAME} Ready (and untainted)`, async () => {
      const r = await this.request(`/api/v1/nodes/${FAKE_NODE_NAME}`);
      const ready = (r.json?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      const taints: any[] = r.json?.spec?.taints ?? [];
      return ready?.status === 'True' && !taints.some((t) => t.effect === 'NoSchedule');
    });
    // kwok holds and renews the Node's Lease: the node lifecycle controller keeps the Node (and its Pods) Ready
    await this.waitFor(kwok, `renewing the Lease kube-node-lease/${FAKE_NODE_NAME}`, async () => {
      const r = await this.request(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${FAKE_NODE_NAME}`);
      return r.status === 200 && r.json?.spec?.leaseDurationSeconds === NODE_LEASE_DURATION_SECONDS && !!r.json?.spec?.renewTime;
    });
    // the controller-manager works once it has made the `default` ServiceAccount of `default`
    await this.waitFor(kcm, 'creating ServiceAccount default/default (the sign that it works)', async () => {
      const r = await this.request('/api/v1/namespaces/default/serviceaccounts/default');
      return r.status === 200;
    });
  }
}
