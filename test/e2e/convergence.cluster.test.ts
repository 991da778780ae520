/**
 * GitOps convergence on a real kube-apiserver (a control plane of its own per app and flow, API mode; the version
 * that KFWS_TEST_K8S_VERSION selects): the example app's dist/ and a larger generated app are applied with kubectl as
 * the README documents (the install file, the CRDs Established, then the whole folder), once with client-side apply
 * (the README, Argo CD's default) and once with server-side apply (Flux; Argo CD's ServerSideApply). Then, on the
 * fresh cluster and again after the reconciler bundle has run over it (finalizers on the kinds, status everywhere,
 * StatefulSets and Services), applying the same files must change nothing:
 *
 *  (a) a second `kubectl apply -f dist/` reports every object `unchanged` and changes no resourceVersion;
 *  (b) `kubectl diff -f dist/` exits 0;
 *  (c) `kubectl diff --server-side -f dist/` exits 0, and a server-side apply changes no object's generation or
 *      resourceVersion.
 *
 * Every failure names the object and the field: for (a) the patch kubectl sent (`-v=9`) and where the stored object
 * differs from the written one, for (b) and (c) the fields kubectl diff found, and what changed in each stored object.
 *
 * One exception, kubectl's own: a client-side apply always re-sends a map whose patch strategy is `replace`
 * (PodDisruptionBudget `spec.selector`) and prints `configured`, however equal it is; the test accepts exactly that
 * patch, only when it holds the stored value and the server changed nothing. And one of the API server's: it
 * stores a new PersistentVolumeClaim anew on its first update, however identical (see REWRITTEN_ONCE_AFTER_CREATE).
 * The flows are not mixed: the first server-side apply over client-side applied objects rewrites kubectl's
 * last-applied annotation (and a Deployment counts annotation changes in its generation), once, whatever the output.
 *
 * Before the flows, the canonical quantities of lib/platform/quantity.ts are checked against the run's API server.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildExampleApp } from '../../apps/main';
import { AdmissionWebhookMode, PlatformNames, WorkspacesInstallChart } from '../../lib/platform';
import { canonicalQuantity } from '../../lib/platform/quantity';
import { describeCluster } from '../cluster/connection';
import { ControlPlane, ControlPlaneMode } from '../cluster/control-plane';
import { CANONICAL_QUANTITIES } from '../platform/helpers';
import { buildGeneratedApp } from './convergence-app';
import { buildBundle, eventually, freePort, KubeObject, ReconcilerProcess, RestMapper } from './helpers';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const STEP_TIMEOUT_MS = 120_000;
const FINALIZER = 'notebooks.kubeflow.org/workspacekind-protection';

interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('error', (e) => resolve({ status: null, stdout, stderr: stderr + e.message }));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `Kind namespace/name`, as the findings name objects. */
function objectId(o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

const show = (v: unknown): string => (v === undefined ? '<absent>' : JSON.stringify(v));

/**
 * Where the stored object differs from the written one: fields dropped or changed by the server, and fields the
 * server filled in inside list items (a list is replaced whole by a JSON merge patch, so such a list differs from
 * the written one on every client-side apply).
 */
function storedDifferences(written: unknown, stored: unknown, at = '', inList = false): string[] {
  if (Array.isArray(written)) {
    if (!Array.isArray(stored) || stored.length !== written.length) return [`${at}: written ${show(written)}, stored ${show(stored)}`];
    return written.flatMap((w, i) => storedDifferences(w, stored[i], `${at}[${i}]`, true));
  }
  if (written !== null && typeof written === 'object') {
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return [`${at}: written ${show(written)}, stored ${show(stored)}`];
    const w = written as Record<string, unknown>;
    const s = stored as Record<string, unknown>;
    const out = Object.keys(w).flatMap((k) => storedDifferences(w[k], s[k], at ? `${at}.${k}` : k, inList));
    if (inList) {
      for (const k of Object.keys(s).filter((key) => !(key in w))) out.push(`${at}.${k}: filled in by the server inside a list item (${show(s[k])})`);
    }
    return out;
  }
  return written === stored ? [] : [`${at}: written ${show(written)}, stored ${show(stored)}`];
}

/** Leaves of a JSON value by field path (empty lists and maps are leaves too). */
function flatten(value: unknown, at = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value) && value.length > 0) value.forEach((v, i) => flatten(v, `${at}[${i}]`, out));
  else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, at ? `${at}.${k}` : k, out);
  } else out.set(at, value);
  return out;
}

/** The field paths where two objects differ: `path: before -> after`. */
function fieldChanges(before: unknown, after: unknown): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p))).map((p) => `${p}: ${show(a.get(p))} -> ${show(b.get(p))}`);
}

/**
 * Maps that kubectl's client-side apply always re-sends whole (their patch strategy is `replace`), by kind: kubectl
 * prints `configured` for them on every apply even when nothing differs.
 */
const REPLACE_STRATEGY_MAPS: Readonly<Record<string, readonly string[]>> = { PodDisruptionBudget: ['spec.selector'] };

/**
 * Kinds that the API server stores anew on their first update after creation even when nothing changes: a PUT of a
 * new PersistentVolumeClaim exactly as read back moves its resourceVersion once (and never again), whoever wrote it.
 * Accepted only when no field at all, managedFields included, changed.
 */
const REWRITTEN_ONCE_AFTER_CREATE: readonly string[] = ['PersistentVolumeClaim'];

/** A patch that only re-sends `replace`-strategy maps with their stored values, and that the server stored as a no-op. */
function isReplaceStrategyNoOp(o: KubeObject, body: string, before: any, after: any): boolean {
  const fields = REPLACE_STRATEGY_MAPS[o.kind];
  if (!fields || before?.metadata?.resourceVersion !== after?.metadata?.resourceVersion) return false;
  let patch: any;
  try {
    patch = JSON.parse(body);
  } catch {
    return false;
  }
  const at = (obj: any, field: string): any => field.split('.').reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), obj);
  const rebuilt: any = {};
  for (const field of fields) {
    const value = at(patch, field);
    if (value === undefined) continue;
    if (JSON.stringify(value) !== JSON.stringify(at(before, field))) return false;
    const keys = field.split('.');
    keys.reduce((node, k, i) => (node[k] ??= i === keys.length - 1 ? value : {}), rebuilt);
  }
  return JSON.stringify(patch) === JSON.stringify(rebuilt);
}

/** One app the suite converges. */
interface AppCase {
  readonly name: string;
  readonly build: (app: App) => void;
  /** The admission webhooks are registered: the reconciler serves them and keeps their certificates. */
  readonly webhook?: boolean;
}

/**
 * The apps the suite converges. Each API-mode control plane has no Pods, so a webhook registered through the install
 * chart's Service could answer nothing (failurePolicy Fail would refuse every kind and Workspace): the apps with
 * kinds and Workspaces leave the registration out, and the install chart with its webhooks (the configuration, the
 * Service, the certificate Secret and its RBAC) converges on a plane of its own, also after the reconciler has
 * written the certificates into the Secret and the CA bundle into the configuration.
 */
const APPS: readonly AppCase[] = [
  { name: 'the example app (apps/main.ts)', build: (app) => buildExampleApp(app, undefined, AdmissionWebhookMode.DISABLED) },
  { name: 'a generated app (every controller option, 3 tenants, 3 kinds, 9 Workspaces)', build: buildGeneratedApp },
  { name: 'the install chart with its admission webhooks (self-managed certificates)', build: (app) => new WorkspacesInstallChart(app, 'install'), webhook: true },
];

/** The Deployment's `--webhook-*` flags, on a free local port: the reconciler keeps the certificates as in the cluster. */
async function webhookArgs(written: readonly KubeObject[]): Promise<string[]> {
  const deployment: any = written.find((o) => o.kind === 'Deployment' && o.metadata.name === PlatformNames.CONTROLLER);
  const args: string[] = deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [];
  const port = await freePort();
  return args.filter((a) => a.startsWith('--webhook-')).map((a) => (a.startsWith('--webhook-port=') ? `--webhook-port=${port}` : a));
}

/** How dist/ is applied: with kubectl's client-side apply (the README's procedure, Argo CD's default) or server-side. */
enum Flow {
  CLIENT_SIDE = 'kubectl apply',
  SERVER_SIDE = 'kubectl apply --server-side',
}

/** The field manager of the server-side flow (a GitOps tool has its own, e.g. Flux's `kustomize-controller`). */
const FIELD_MANAGER = 'kfws-convergence';

/** Each app and flow on a control plane of its own: the install charts of the apps differ, and flows do not mix. */
describeCluster('GitOps convergence: applying the synthesized output again changes nothing', (shared) => {
  it('canonicalQuantity() gives the form in which the API server stores each quantity of the table', async () => {
    // one dry-run ResourceQuota holding every (non-negative) quantity of the table under its own resource name
    const rows = CANONICAL_QUANTITIES.filter(([written]) => !written.startsWith('-'));
    const hard = Object.fromEntries(rows.map(([written], i) => [`requests.example.com/q${i}`, written]));
    const r = await shared.request('/api/v1/namespaces/default/resourcequotas?dryRun=All', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'kfws-canonical-quantities' }, spec: { hard } },
    });
    expect(r.status).toBe(201);
    const stored = rows.map(([written], i) => [written, r.json.spec.hard[`requests.example.com/q${i}`]]);
    expect(rows.map(([written]) => [written, canonicalQuantity(written)])).toEqual(stored);
  });

  for (const appCase of APPS) {
    for (const flow of [Flow.CLIENT_SIDE, Flow.SERVER_SIDE]) {
      describe(`${appCase.name}, applied with ${flow}`, () => {
        const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-e2e-convergence-'));
        const dist = path.join(workDir, 'dist');
        const diffScript = path.join(workDir, 'keep-diff.sh');
        const serverSide = flow === Flow.SERVER_SIDE ? ['--server-side', `--field-manager=${FIELD_MANAGER}`] : [];
        let cp: ControlPlane;
        let mapper: RestMapper;
        let written: KubeObject[] = [];
        let reconciler: ReconcilerProcess | undefined;
        const report: string[] = [];

        const kubectl = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> => {
          const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: cp.kubeconfigPath, ...extra };
          for (const k of Object.keys(env)) if (/^(https?_proxy|all_proxy)$/i.test(k)) delete env[k];
          return run(KUBECTL, ['--request-timeout=60s', ...args], env);
        };
        const ok = (what: string, r: RunResult): RunResult => {
          if (r.status !== 0) throw new Error(`${what}: kubectl exited with ${r.status}\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);
          return r;
        };

        /** The stored version of every written object. */
        async function stored(): Promise<Map<string, any>> {
          const out = new Map<string, any>();
          for (const o of written) {
            const r = await cp.request(await mapper.objectPath(o));
            out.set(objectId(o), r.status === 200 ? r.json : undefined);
          }
          return out;
        }

        /** Objects whose resourceVersion or generation moved between two `stored()` snapshots, with the fields. */
        function moved(step: string, before: Map<string, any>, after: Map<string, any>): string[] {
          const out: string[] = [];
          for (const id of before.keys()) {
            const [b, a] = [before.get(id), after.get(id)];
            if (b?.metadata?.resourceVersion === a?.metadata?.resourceVersion && b?.metadata?.generation === a?.metadata?.generation) continue;
            const changes = fieldChanges(b, a).filter((c) => !c.startsWith('metadata.resourceVersion:'));
            if (changes.length === 0 && REWRITTEN_ONCE_AFTER_CREATE.includes(a?.kind)) {
              report.push(`${step}: ${id}: the server stored it again unchanged (resourceVersion ${b?.metadata?.resourceVersion} -> ${a?.metadata?.resourceVersion}; no field, managedFields included, changed)`);
              continue;
            }
            out.push(`${step} changed ${id}: ${changes.length > 0 ? changes.join('; ') : `metadata.resourceVersion only (${b?.metadata?.resourceVersion} -> ${a?.metadata?.resourceVersion})`}`);
          }
          return out;
        }

        /** `kubectl diff` in the flow's mode: its exit status and the changed fields of each object. */
        async function diff(step: string): Promise<string[]> {
          const keep = fs.mkdtempSync(path.join(workDir, 'diff-'));
          const r = await kubectl(['diff', ...serverSide, '-f', dist], { KUBECTL_EXTERNAL_DIFF: diffScript, KFWS_DIFF_KEEP: keep });
          if (r.status === 0) return [];
          const findings = [`${step} exited with ${r.status}${r.status === 1 ? '' : `: ${r.stderr.slice(-800)}`}`];
          const mergedDir = path.join(keep, 'merged');
          for (const file of fs.existsSync(mergedDir) ? fs.readdirSync(mergedDir).sort() : []) {
            const read = (dir: string): any => {
              const f = path.join(dir, file);
              return fs.existsSync(f) ? parseAllDocuments(fs.readFileSync(f, 'utf8'))[0]?.toJS() : undefined;
            };
            const after = read(mergedDir);
            for (const change of fieldChanges(read(path.join(keep, 'live')), after)) findings.push(`${step}: ${after ? objectId(after) : file}: ${change}`);
          }
          return findings;
        }

        /** The PATCH requests of a `kubectl apply -v=9` (the body is logged just before the request line). */
        function patchesOf(log: string): { url: string; body: string }[] {
          const out: { url: string; body: string }[] = [];
          const lines = log.split('\n');
          lines.forEach((line, i) => {
            const url = /curl -v -XPATCH .*'(https:\/\/[^']+)'/.exec(line)?.[1];
            if (!url) return;
            const bodyLine = lines.slice(Math.max(0, i - 3), i).reverse().find((l) => /Request Body/.test(l)) ?? '';
            const quoted = /body="((?:[^"\\]|\\.)*)"/.exec(bodyLine)?.[1];
            const body = quoted !== undefined ? (JSON.parse(`"${quoted}"`) as string) : bodyLine.replace(/^.*Request Body: /, '');
            out.push({ url: decodeURIComponent(url.replace(/^https:\/\/[^/]+/, '').replace(/\?.*$/, '')), body });
          });
          return out;
        }

        /** Client-side flow: (a) a second apply, (b) kubectl diff. */
        async function clientSideFindings(phase: string): Promise<string[]> {
          const findings: string[] = [];
          const before = await stored();
          const apply = ok(`${phase}: kubectl apply`, await kubectl(['apply', '-v=9', '-f', dist]));
          const after = await stored();
          const patches = patchesOf(apply.stderr);
          const accepted = new Set<string>();
          for (const o of written) {
            const id = objectId(o);
            const objectPath = await mapper.objectPath(o);
            for (const p of patches.filter((x) => x.url === objectPath)) {
              if (isReplaceStrategyNoOp(o, p.body, before.get(id), after.get(id))) {
                accepted.add(`${o.kind.toLowerCase()}/${o.metadata.name}`);
                report.push(`${phase}: ${id}: kubectl re-sent ${p.body} (patchStrategy replace; a no-op on the server)`);
                continue;
              }
              findings.push(`(a) ${id}: kubectl sent the patch ${p.body}`);
              // the fields that make it differ: the stored form of what was written (metadata is the server's own)
              const { metadata: _m, status: _s, ...writtenBody } = o as any;
              findings.push(...storedDifferences(writtenBody, before.get(id)).map((d) => `(a) ${id}: ${d}`));
            }
          }
          for (const line of apply.stdout.split('\n').filter((l) => l.trim() !== '' && !/ unchanged$/.test(l))) {
            // `<kind>[.<group>]/<name> configured`
            const m = /^([a-z0-9]+)(?:\.[^/]*)?\/(\S+) /.exec(line);
            if (!m || !accepted.has(`${m[1]}/${m[2]}`)) findings.push(`(a) kubectl apply: ${line}`);
          }
          findings.push(...moved('(a) kubectl apply', before, after));
          findings.push(...(await diff('(b) kubectl diff')));
          report.push(`${phase}: ${findings.length === 0 ? `converged: ${written.length} objects, kubectl apply unchanged, kubectl diff 0` : `${findings.length} findings`}`);
          return findings;
        }

        /** Server-side flow: (c) kubectl diff --server-side, then a server-side apply that changes nothing. */
        async function serverSideFindings(phase: string): Promise<string[]> {
          const findings = await diff('(c) kubectl diff --server-side');
          const before = await stored();
          const apply = await kubectl(['apply', ...serverSide, '-f', dist]);
          if (apply.status !== 0) findings.push(`(c) kubectl apply --server-side exited with ${apply.status}: ${apply.stderr.slice(-1500)}`);
          findings.push(...moved('(c) kubectl apply --server-side', before, await stored()));
          report.push(`${phase}: ${findings.length === 0 ? `converged: ${written.length} objects, kubectl diff --server-side 0, no generation or resourceVersion changed` : `${findings.length} findings`}`);
          return findings;
        }

        const findings = (phase: string): Promise<string[]> => (flow === Flow.CLIENT_SIDE ? clientSideFindings(phase) : serverSideFindings(phase));

        beforeAll(async () => {
          const v = await run(KUBECTL, ['version', '--client'], process.env);
          if (v.status !== 0) throw new Error(`this suite applies dist/ with kubectl, as users do; "${KUBECTL}" is not runnable (set KUBECTL)`);
          const app = new App({ outdir: dist });
          appCase.build(app);
          app.synth();
          const files = fs.readdirSync(dist).filter((f) => f.endsWith('.yaml')).sort();
          const byFile = files.map((file) => ({
            file,
            objects: parseAllDocuments(fs.readFileSync(path.join(dist, file), 'utf8')).map((d) => d.toJS() as KubeObject).filter((o) => o !== null),
          }));
          written = byFile.flatMap((f) => f.objects);
          // the README's procedure: the file with the CRDs first (found by content: file names are not fixed)
          const installFile = byFile.find((f) => f.objects.some((o) => o.kind === 'CustomResourceDefinition'))?.file;
          if (!installFile) throw new Error(`no file of ${dist} holds the CRDs: ${files.join(', ')}`);
          fs.writeFileSync(
            diffScript,
            '#!/bin/sh\n# kubectl diff runs this with the live and the merged folder: keep both, exit as diff does\n' +
              'cp -r "$1" "$KFWS_DIFF_KEEP/live" && cp -r "$2" "$KFWS_DIFF_KEEP/merged" && exec diff -r -q "$1" "$2" >/dev/null\n',
            { mode: 0o755 },
          );

          cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
          mapper = new RestMapper(cp);
          console.log(`convergence (${appCase.name}, ${flow}): own API control plane ${cp.version}; kubectl ${v.stdout.split('\n')[0]}; ${written.length} objects in ${files.length} files`);

          ok('kubectl apply of the install file', await kubectl(['apply', ...serverSide, '-f', path.join(dist, installFile)]));
          const crds = written.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => `crd/${o.metadata.name}`);
          ok('kubectl wait for the CRDs', await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds]));
          ok('kubectl apply -f dist/', await kubectl(['apply', ...serverSide, '-f', dist]));
        }, STEP_TIMEOUT_MS);

        afterAll(async () => {
          await reconciler?.stop();
          console.log(`convergence (${appCase.name}, ${flow}, kube-apiserver ${cp?.version}):\n${report.map((l) => `  ${l}`).join('\n')}`);
          await cp?.stop();
          fs.rmSync(workDir, { recursive: true, force: true });
        }, 30_000);

        const checks = flow === Flow.CLIENT_SIDE ? 'kubectl apply again reports every object unchanged, kubectl diff exits 0' : 'kubectl diff --server-side exits 0, a server-side apply changes no generation or resourceVersion';

        it(`on the fresh cluster: ${checks}`, async () => {
          expect(await findings('fresh cluster')).toEqual([]);
        }, STEP_TIMEOUT_MS);

        it(`after the reconciler has run over it (kind finalizers, status, StatefulSets): ${checks}`, async () => {
          const bundleDir = path.join(workDir, 'bundle');
          fs.mkdirSync(bundleDir);
          const bundle = process.env.KFWS_E2E_RECONCILER_BUNDLE || buildBundle(bundleDir);
          // the reconciler under the install chart's ServiceAccount, as its Deployment runs it
          const tr = await cp.request(`/api/v1/namespaces/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/serviceaccounts/${PlatformNames.CONTROLLER}/token`, {
            method: 'POST',
            body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
          });
          if (tr.status !== 201) throw new Error(`TokenRequest for ${PlatformNames.CONTROLLER}: HTTP ${tr.status} ${tr.body.slice(0, 300)}`);
          reconciler = await ReconcilerProcess.start(bundle, {
            name: 'convergence',
            kubeconfig: cp.kubeconfigFor(tr.json.status.token, PlatformNames.CONTROLLER),
            namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE,
            args: appCase.webhook ? await webhookArgs(written) : [],
          });
          const usedKinds = new Set(written.filter((o) => o.kind === 'Workspace').map((w) => (w.spec as any).kind as string));
          await eventually(
            'the reconciler to give every Workspace a status, every used kind its finalizer and the webhooks their certificates',
            async () => {
              if (!reconciler!.running) throw new Error(`the reconciler exited (${JSON.stringify(reconciler!.exit)}):\n${reconciler!.tail()}`);
              const now = await stored();
              return written.every((o) => {
                const live = now.get(objectId(o));
                if (o.kind === 'Workspace') return (live?.status?.state ?? '') !== '';
                if (o.kind === 'WorkspaceKind' && usedKinds.has(o.metadata.name)) return (live?.metadata?.finalizers ?? []).includes(FINALIZER);
                // the self-managed certificates: kept in the Secret, their CA in every webhook of the configuration
                if (o.kind === 'Secret' && appCase.webhook) return Object.keys(live?.data ?? {}).length > 0;
                if (o.kind === 'ValidatingWebhookConfiguration') return (live?.webhooks ?? []).every((w: any) => !!w.clientConfig?.caBundle);
                return true;
              });
            },
            90_000,
          );
          // it keeps running during the checks: a no-op apply must not make it write either
          await new Promise((r) => setTimeout(r, 2_000));
          const result = await findings('after the reconciler');
          expect(reconciler.running).toBe(true);
          expect(result).toEqual([]);
        }, 2 * STEP_TIMEOUT_MS);
      });
    }
  }
});
