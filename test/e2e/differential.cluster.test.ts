/**
 * Differential test of the render-time rules against a real kube-apiserver (test/cluster): random (WorkspaceKind,
 * Workspace) pairs (test/e2e/differential/arbitraries.ts) that the core's schema and webhook rules accept are rendered
 * by the core (lib/core/render.ts) and the StatefulSet, the Service and the Pod the StatefulSet controller would make
 * of its template are created with `dryRun=All` and `fieldValidation=Strict`:
 *
 *  - every pair the core accepts: the API server accepts all three (zero refusals);
 *  - every pair the core refuses for a render-time reason the API server also enforces (the rules whose detail reads
 *    "the controller would create ..."): the API server refuses at least one of them, and names every field the
 *    core names (no false alarms, not even hidden behind another refusal).
 *
 * The seed is printed (re-run with KFWS_DIFFERENTIAL_SEED=<seed>; KFWS_DIFFERENTIAL_RUNS sets the count, default
 * 1200). Cases it ever found are kept in differential/regressions.json and checked first, on every run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { renderService, renderStatefulSet } from '../../lib/core/render';
import {
  formatViolation,
  validateWorkspace,
  validateWorkspaceKind,
  validateWorkspaceRendering,
  Violation,
} from '../../lib/core/validation';
import { isDns1123Subdomain } from '../../lib/core/validation/metadata';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { Pair, pairArbitrary } from './differential/arbitraries';
import { causes, toIndexPath } from './helpers';

const TIMEOUT_MS = 10 * 60_000;
const RUNS = Number(process.env.KFWS_DIFFERENTIAL_RUNS ?? 1200);
const SEED = Number(process.env.KFWS_DIFFERENTIAL_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 12;
const KIND_NAME = 'differential';
const DRY_RUN = '?dryRun=All&fieldValidation=Strict';
const REGRESSIONS = path.join(__dirname, 'differential', 'regressions.json');

interface Regression extends Pair {
  readonly note: string;
}

/** Render-time rules the API server enforces itself (the httpPathPrefix rule is the controller's, not the server's). */
function isApiServerRule(v: Violation): boolean {
  return v.detail.startsWith('the controller would create');
}

type Verdict =
  | { readonly kind: 'schema' }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly violations: readonly Violation[] }
  | { readonly kind: 'controllerOnly' };

function coreVerdict(pair: Pair): Verdict {
  if (validateWorkspaceKind(pair.kind).length > 0 || validateWorkspace(pair.ws, { kind: pair.kind }).length > 0) return { kind: 'schema' };
  const render = validateWorkspaceRendering(pair.ws, pair.kind);
  if (render.length === 0) return { kind: 'accepted' };
  const server = render.filter(isApiServerRule);
  return server.length > 0 ? { kind: 'refused', violations: server } : { kind: 'controllerOnly' };
}

/**
 * A field path as both sides can be compared: the API server names a volume mount without its index
 * (`containers[0].volumeMounts.subPath`), a pod affinity term's namespaces as `namespace`, and a projected token's
 * path as the projection's (`projected.path`).
 */
function comparable(field: string): string {
  return field
    .replace(/\.volumeMounts\[\d+\]/g, '.volumeMounts')
    .replace(/\.namespaces\[\d+\]/g, '.namespace')
    .replace(/\.projected\.sources\[\d+\]\.serviceAccountToken\.path/g, '.projected.path');
}

/** The Pod the StatefulSet controller makes of the template: name `<sts>-0`, host name = Pod name, identity labels. */
function podOf(sts: any, namespace: string): any {
  const stsName = `${sts.metadata.generateName}xxxxx`;
  const name = `${stsName}-0`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: {
        ...sts.spec.template.metadata.labels,
        'controller-revision-hash': `${stsName}-6d9c4b8f7c`,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': '0',
      },
      annotations: sts.spec.template.metadata.annotations,
    },
    spec: { ...sts.spec.template.spec, hostname: name },
  };
}

interface ServerVerdict {
  readonly refusals: string[];
  readonly others: string[];
  /** Field paths of the refusals' causes, in the StatefulSet's terms (a Pod's `spec.x` is `spec.template.spec.x`). */
  readonly fields: string[];
  /** The Pod was validated (not stopped by the ServiceAccount admission plugin first): `fields` has all its problems. */
  podValidated: boolean;
  readonly statefulSet: unknown;
}

async function dryRun(cluster: ClusterConnection, pair: Pair, namespace: string): Promise<ServerVerdict> {
  const sts = renderStatefulSet(pair.ws, pair.kind);
  const svc = renderService(pair.ws, pair.kind);
  const requests: [string, string, unknown][] = [
    ['StatefulSet', `/apis/apps/v1/namespaces/${namespace}/statefulsets${DRY_RUN}`, sts],
    ['Service', `/api/v1/namespaces/${namespace}/services${DRY_RUN}`, svc],
    ['Pod', `/api/v1/namespaces/${namespace}/pods${DRY_RUN}`, podOf(sts, namespace)],
  ];
  const out: ServerVerdict = { refusals: [], others: [], fields: [], statefulSet: sts, podValidated: false };
  await Promise.all(
    requests.map(async ([what, p, body]) => {
      const r = await cluster.request(p, { method: 'POST', body });
      if (what === 'Pod' && r.status !== 403) out.podValidated = true;
      if (r.status === 422 || r.status === 400) {
        out.refusals.push(`${what}: ${r.json?.message ?? r.body}`);
        for (const c of causes(r)) out.fields.push(comparable(what === 'Pod' ? c.field.replace(/^spec\./, 'spec.template.spec.') : c.field));
      } else if (r.status >= 300) {
        out.others.push(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
      }
    }),
  );
  return out;
}

interface Mismatch {
  readonly pair: Pair;
  readonly problem: string;
}

async function check(cluster: ClusterConnection, pair: Pair, namespace: string, tally: Map<string, number>): Promise<Mismatch | undefined> {
  const verdict = coreVerdict(pair);
  tally.set(verdict.kind, (tally.get(verdict.kind) ?? 0) + 1);
  if (verdict.kind === 'schema') return undefined;
  const server = await dryRun(cluster, pair, namespace);
  // Other answers (e.g. the ServiceAccount admission plugin's 403 for a name that cannot exist) only matter when
  // nothing was refused: they are not validation, but an accepted pair must get through.
  if (server.others.length > 0 && verdict.kind !== 'refused') return { pair, problem: `unexpected API answers: ${server.others.join('; ')}` };
  if ((verdict.kind === 'accepted' || verdict.kind === 'controllerOnly') && server.refusals.length > 0) {
    tally.set('serverRefusedAccepted', (tally.get('serverRefusedAccepted') ?? 0) + 1);
    return { pair, problem: `the core accepts, the API server refuses: ${server.refusals.join('; ')}` };
  }
  if (verdict.kind === 'refused') {
    if (server.refusals.length === 0) {
      return { pair, problem: `false alarm: the core refuses (${verdict.violations.map(formatViolation).join('; ')}), the API server accepts` };
    }
    // Field by field: each rendered field the core names is one the API server names too (or a part or parent of one),
    // as far as the API server validated the template: the Pod's validation covers it all; the StatefulSet's skips
    // the template when the selector is invalid, and never has the Pod-only rules (the image).
    const statefulSetTemplateValidated = !server.fields.includes('spec.selector');
    for (const v of verdict.violations) {
      const rendered = /^the controller would create .*? whose (spec\.\S+|metadata\.\S+)/.exec(v.detail)?.[1];
      if (!rendered) continue; // the name rule names labels and names, not a single field
      const podOnly = /\.containers\[\d+\]\.image$/.test(rendered);
      if (rendered.startsWith('spec.template.') && !server.podValidated && (podOnly || !statefulSetTemplateValidated)) {
        tally.set('fieldsNotCheckable', (tally.get('fieldsNotCheckable') ?? 0) + 1);
        continue;
      }
      const field = comparable(toIndexPath(rendered, server.statefulSet));
      const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
      if (!server.fields.some((f) => related(f, field) || related(field, f))) {
        return { pair, problem: `false alarm at ${field}: the core says ${formatViolation(v)}; the API server names only ${server.fields.join(', ')}` };
      }
    }
    tally.set('bothRefused', (tally.get('bothRefused') ?? 0) + 1);
  }
  return undefined;
}

/** Every ServiceAccount a pair might use must exist: the ServiceAccount admission plugin refuses Pods otherwise. */
async function createServiceAccounts(cluster: ClusterConnection, pairs: readonly Pair[], namespace: string): Promise<void> {
  const names = new Set(pairs.map((p) => p.kind.spec?.podTemplate?.serviceAccount?.name).filter((n): n is string => typeof n === 'string' && n !== '' && isDns1123Subdomain(n).length === 0));
  await inBatches([...names], async (name) => {
    const r = await cluster.request(`/api/v1/namespaces/${namespace}/serviceaccounts`, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
    if (r.status !== 201 && r.status !== 409) throw new Error(`ServiceAccount ${name}: HTTP ${r.status} ${r.body}`);
  });
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

describeCluster('differential: render-time rules vs the API server (dryRun=All, fieldValidation=Strict)', (cluster) => {
  const namespace = `differential-${SEED.toString(36)}`;

  beforeAll(async () => {
    const r = await cluster.request('/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
    expect([201, 409]).toContain(r.status);
  });
  afterAll(async () => {
    await cluster.request(`/api/v1/namespaces/${namespace}`, { method: 'DELETE' });
  });

  it('the regression cases agree', async () => {
    const cases = JSON.parse(fs.readFileSync(REGRESSIONS, 'utf8')) as Regression[];
    const pairs = cases.map(({ kind, ws }) => ({ kind, ws: { ...ws, metadata: { ...ws.metadata, namespace } } }));
    await createServiceAccounts(cluster, pairs, namespace);
    const tally = new Map<string, number>();
    const problems: string[] = [];
    await inBatches(pairs, async (pair) => {
      const m = await check(cluster, pair, namespace, tally);
      if (m) problems.push(`${cases[pairs.indexOf(pair)].note}: ${m.problem}`);
    });
    expect(problems).toEqual([]);
  }, TIMEOUT_MS);

  it(`${RUNS} random pairs agree`, async () => {
    const pairs = fc.sample(pairArbitrary(KIND_NAME, namespace), { seed: SEED, numRuns: RUNS });
    await createServiceAccounts(cluster, pairs, namespace);
    const tally = new Map<string, number>();
    const mismatches: Mismatch[] = [];
    const started = Date.now();
    await inBatches(pairs, async (pair) => {
      const m = await check(cluster, pair, namespace, tally);
      if (m) mismatches.push(m);
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const counts = Object.fromEntries([...tally.entries()].sort());
    console.log(
      `differential: seed ${SEED} (KFWS_DIFFERENTIAL_SEED=${SEED}), ${pairs.length} pairs in ${seconds} s on kube-apiserver ${cluster.version}: ` +
        `${JSON.stringify(counts)}; mismatches ${mismatches.length}`,
    );
    if (mismatches.length > 0) {
      const file = path.join(os.tmpdir(), `kfws-differential-${SEED}.json`);
      fs.writeFileSync(file, JSON.stringify(mismatches.map((m) => ({ note: m.problem, ...m.pair })), null, 2));
      console.log(`differential: ${mismatches.length} mismatches written to ${file} (add them to ${REGRESSIONS} once fixed)\n` + mismatches.slice(0, 3).map((m) => `${m.problem}\n${JSON.stringify(m.pair)}`).join('\n\n'));
    }
    expect(mismatches.map((m) => m.problem)).toEqual([]);
    // The run is only meaningful if it reached the API server with both verdicts.
    expect((tally.get('accepted') ?? 0) + (tally.get('refused') ?? 0)).toBeGreaterThanOrEqual(RUNS / 3);
    expect(tally.get('bothRefused') ?? 0).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});
