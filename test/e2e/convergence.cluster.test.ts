/**
 * GitOps convergence on a real kube-apiserver (a control plane of its own per app, API mode; the version that
 * KFWS_TEST_K8S_VERSION selects): the example app's dist/ and a larger generated app are applied with kubectl as the
 * README documents (the install file, the CRDs Established, then the whole folder). Then, on the fresh cluster and
 * again after the reconciler bundle has run over it (finalizers on the kinds, status everywhere, StatefulSets and
 * Services), applying the same files must change nothing:
 *
 *  (a) a second `kubectl apply -f dist/` reports every object `unchanged` and changes no resourceVersion;
 *  (b) `kubectl diff -f dist/` exits 0;
 *  (c) `kubectl diff --server-side` exits 0 and a server-side apply of the same files changes no object's generation
 *      (the first one after client-side apply moves the field ownership to the `kubectl` manager, which is a write)
 *      and, from then on, no resourceVersion either.
 *
 * Every failure names the object and the field: for (a) the patch kubectl sent (`-v=9`) and where the stored object
 * differs from the written one, for (b) and (c) the field paths kubectl diff found.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildExampleApp } from '../../apps/main';
import { CONTROLLER_NAME, DEFAULT_CONTROLLER_NAMESPACE } from '../../lib/platform';
import { describeCluster } from '../cluster/connection';
import { ControlPlane, ControlPlaneMode } from '../cluster/control-plane';
import { buildGeneratedApp } from './convergence-app';
import { buildBundle, eventually, KubeObject, ReconcilerProcess, RestMapper } from './helpers';

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

/** The apps the suite converges. */
const APPS: readonly { readonly name: string; readonly build: (app: App) => void }[] = [
  { name: 'the example app (apps/main.ts)', build: (app) => buildExampleApp(app) },
  { name: 'a generated app (every controller option, 3 tenants, 3 kinds, 10 Workspaces)', build: buildGeneratedApp },
];

/** Each app on a control plane of its own: the install charts of the two apps differ. */
describeCluster('GitOps convergence: applying the synthesized output again changes nothing', () => {
  for (const appCase of APPS) {
    describe(appCase.name, () => {
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-e2e-convergence-'));
      const dist = path.join(workDir, 'dist');
      const diffScript = path.join(workDir, 'keep-diff.sh');
      let cp: ControlPlane;
      let mapper: RestMapper;
      let written: KubeObject[] = [];
      let installFile = '';
      let reconciler: ReconcilerProcess | undefined;
      const report: string[] = [];

      const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
        const e: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: cp.kubeconfigPath, ...extra };
        for (const k of Object.keys(e)) if (/^(https?_proxy|all_proxy)$/i.test(k)) delete e[k];
        return e;
      };
      const kubectl = (args: readonly string[], extra?: NodeJS.ProcessEnv): Promise<RunResult> =>
        run(KUBECTL, ['--request-timeout=60s', ...args], env(extra));
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

      /** Objects whose generation or resourceVersion moved between two `stored()` snapshots. */
      function moved(before: Map<string, any>, after: Map<string, any>, what: 'generation' | 'resourceVersion'): string[] {
        return [...before.keys()].filter((id) => before.get(id)?.metadata?.[what] !== after.get(id)?.metadata?.[what]).map(
          (id) => `${id}: metadata.${what} ${before.get(id)?.metadata?.[what]} -> ${after.get(id)?.metadata?.[what]}`,
        );
      }

      /** `kubectl diff` (client-side, or `--server-side`): its exit status and the changed fields of each object. */
      async function diff(serverSide: boolean): Promise<{ status: number | null; fields: string[]; stderr: string }> {
        const keep = fs.mkdtempSync(path.join(workDir, 'diff-'));
        const r = await kubectl(['diff', ...(serverSide ? ['--server-side'] : []), '-f', dist], { KUBECTL_EXTERNAL_DIFF: diffScript, KFWS_DIFF_KEEP: keep });
        const fields: string[] = [];
        const liveDir = path.join(keep, 'live');
        const mergedDir = path.join(keep, 'merged');
        if (fs.existsSync(mergedDir)) {
          for (const file of fs.readdirSync(mergedDir).sort()) {
            const read = (dir: string): any => {
              const f = path.join(dir, file);
              return fs.existsSync(f) ? parseAllDocuments(fs.readFileSync(f, 'utf8'))[0]?.toJS() : undefined;
            };
            const after = read(mergedDir);
            for (const change of fieldChanges(read(liveDir), after)) fields.push(`${after ? objectId(after) : file}: ${change}`);
          }
        }
        return { status: r.status, fields, stderr: r.stderr };
      }

      /** The PATCH requests of a `kubectl apply -v=9`: object path and body. */
      function patchesOf(log: string): { url: string; body: string }[] {
        const out: { url: string; body: string }[] = [];
        const lines = log.split('\n');
        lines.forEach((line, i) => {
          const url = /(?:verb="PATCH" url="|curl -v -XPATCH .*'|PATCH )(https:\/\/[^"' ]+)/.exec(line)?.[1];
          if (!url) return;
          const bodyLine = lines.slice(i + 1, i + 6).find((l) => /Request Body/.test(l));
          const body = bodyLine ? (/body="((?:[^"\\]|\\.)*)"/.exec(bodyLine)?.[1]?.replace(/\\"/g, '"') ?? bodyLine.replace(/^.*Request Body: /, '')) : '';
          out.push({ url: decodeURIComponent(url.replace(/^https:\/\/[^/]+/, '').replace(/\?.*$/, '')), body });
        });
        return out;
      }

      /** (a), (b), (c): the list of everything that does not converge, object and field. */
      async function convergenceFindings(phase: string, ssaMovesOwnership: boolean): Promise<string[]> {
        const findings: string[] = [];
        // (a) a second client-side apply
        const before = await stored();
        const apply = ok(`${phase}: kubectl apply`, await kubectl(['apply', '-v=9', '-f', dist]));
        const after = await stored();
        const patches = patchesOf(apply.stderr);
        for (const line of apply.stdout.split('\n').filter((l) => l.trim() !== '')) {
          if (/ unchanged$/.test(line)) continue;
          findings.push(`(a) kubectl apply: ${line}`);
        }
        for (const o of written) {
          const id = objectId(o);
          const live = before.get(id);
          const objectPath = await mapper.objectPath(o);
          const sent = patches.filter((p) => p.url === objectPath);
          if (sent.length === 0) continue;
          findings.push(...sent.map((p) => `(a) ${id}: kubectl sent the patch ${p.body}`));
          // the fields that make it differ: the stored form of what was written (metadata is the server's own)
          const { metadata: _m, status: _s, ...writtenBody } = o as any;
          findings.push(...storedDifferences(writtenBody, live).map((d) => `(a) ${id}: ${d}`));
        }
        findings.push(...moved(before, after, 'resourceVersion').map((m) => `(a) kubectl apply changed ${m}`));

        // (b) kubectl diff
        const clientDiff = await diff(false);
        if (clientDiff.status !== 0) {
          findings.push(`(b) kubectl diff exited with ${clientDiff.status}${clientDiff.status === 1 ? '' : `: ${clientDiff.stderr.slice(-500)}`}`);
          findings.push(...clientDiff.fields.map((f) => `(b) ${f}`));
        }

        // (c) server-side: diff, then apply (twice when the first one moves field ownership)
        const serverDiff = await diff(true);
        if (serverDiff.status !== 0) {
          findings.push(`(c) kubectl diff --server-side exited with ${serverDiff.status}${serverDiff.status === 1 ? '' : `: ${serverDiff.stderr.slice(-500)}`}`);
          findings.push(...serverDiff.fields.map((f) => `(c) ${f}`));
        }
        for (let pass = 1; pass <= (ssaMovesOwnership ? 2 : 1); pass++) {
          const ssaBefore = await stored();
          const ssa = await kubectl(['apply', '--server-side', '-f', dist]);
          if (ssa.status !== 0) findings.push(`(c) kubectl apply --server-side (pass ${pass}) exited with ${ssa.status}: ${ssa.stderr.slice(-1500)}`);
          const ssaAfter = await stored();
          findings.push(...moved(ssaBefore, ssaAfter, 'generation').map((m) => `(c) server-side apply (pass ${pass}) changed ${m}`));
          if (pass === 2 || !ssaMovesOwnership) {
            for (const m of moved(ssaBefore, ssaAfter, 'resourceVersion')) {
              const id = m.slice(0, m.indexOf(': metadata.'));
              const changes = fieldChanges(ssaBefore.get(id), ssaAfter.get(id)).filter((c) => !/^metadata\.(resourceVersion|managedFields)/.test(c));
              findings.push(`(c) server-side apply (pass ${pass}) changed ${m}${changes.length > 0 ? `: ${changes.join('; ')}` : ' (managedFields only)'}`);
            }
          }
        }
        report.push(`${phase}: ${findings.length === 0 ? `converged (${written.length} objects: apply unchanged, diff 0, diff --server-side 0, server-side apply a no-op)` : `${findings.length} findings`}`);
        return findings;
      }

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
        installFile = byFile.find((f) => f.objects.some((o) => o.kind === 'CustomResourceDefinition'))?.file ?? '';
        if (!installFile) throw new Error(`no file of ${dist} holds the CRDs: ${files.join(', ')}`);
        fs.writeFileSync(
          diffScript,
          '#!/bin/sh\n# kubectl diff runs this with the live and the merged folder: keep both, exit as diff does\n' +
            'cp -r "$1" "$KFWS_DIFF_KEEP/live" && cp -r "$2" "$KFWS_DIFF_KEEP/merged" && exec diff -r -q "$1" "$2" >/dev/null\n',
          { mode: 0o755 },
        );

        cp = await ControlPlane.start({ mode: ControlPlaneMode.API });
        mapper = new RestMapper(cp);
        console.log(`convergence (${appCase.name}): own API control plane ${cp.version}; kubectl ${v.stdout.split('\n')[0]}; ${written.length} objects in ${files.length} files`);

        ok('kubectl apply of the install file', await kubectl(['apply', '-f', path.join(dist, installFile)]));
        const crds = written.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => `crd/${o.metadata.name}`);
        ok('kubectl wait for the CRDs', await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds]));
        ok('kubectl apply -f dist/', await kubectl(['apply', '-f', dist]));
      }, STEP_TIMEOUT_MS);

      afterAll(async () => {
        await reconciler?.stop();
        console.log(`convergence (${appCase.name}, kube-apiserver ${cp?.version}):\n${report.map((l) => `  ${l}`).join('\n')}`);
        await cp?.stop();
        fs.rmSync(workDir, { recursive: true, force: true });
      }, 30_000);

      it('on the fresh cluster: apply again is unchanged, kubectl diff exits 0, server-side apply changes nothing', async () => {
        expect(await convergenceFindings('fresh cluster', true)).toEqual([]);
      }, STEP_TIMEOUT_MS);

      it('after the reconciler has run over it (kind finalizers, status, StatefulSets): the same', async () => {
        const bundleDir = path.join(workDir, 'bundle');
        fs.mkdirSync(bundleDir);
        const bundle = process.env.KFWS_E2E_RECONCILER_BUNDLE || buildBundle(bundleDir);
        // the reconciler under the install chart's ServiceAccount, as its Deployment runs it
        const tr = await cp.request(`/api/v1/namespaces/${DEFAULT_CONTROLLER_NAMESPACE}/serviceaccounts/${CONTROLLER_NAME}/token`, {
          method: 'POST',
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
        });
        if (tr.status !== 201) throw new Error(`TokenRequest for ${CONTROLLER_NAME}: HTTP ${tr.status} ${tr.body.slice(0, 300)}`);
        reconciler = await ReconcilerProcess.start(bundle, { name: 'convergence', kubeconfig: cp.kubeconfigFor(tr.json.status.token, CONTROLLER_NAME), namespace: DEFAULT_CONTROLLER_NAMESPACE });
        const workspaces = written.filter((o) => o.kind === 'Workspace');
        const usedKinds = new Set(workspaces.map((w) => (w.spec as any).kind as string));
        await eventually(
          'the reconciler to give every Workspace a status and every used kind its finalizer',
          async () => {
            if (!reconciler!.running) throw new Error(`the reconciler exited (${JSON.stringify(reconciler!.exit)}):\n${reconciler!.tail()}`);
            const now = await stored();
            return written.every((o) => {
              const live = now.get(objectId(o));
              if (o.kind === 'Workspace') return live?.status?.state !== undefined && live.status.state !== '';
              if (o.kind === 'WorkspaceKind' && usedKinds.has(o.metadata.name)) return (live?.metadata?.finalizers ?? []).includes(FINALIZER);
              return true;
            });
          },
          90_000,
        );
        // settled: nothing more to write for it
        await new Promise((r) => setTimeout(r, 3_000));
        const findings = await convergenceFindings('after the reconciler', false);
        expect(reconciler.running).toBe(true);
        expect(findings).toEqual([]);
      }, 2 * STEP_TIMEOUT_MS);
    });
  }
});
