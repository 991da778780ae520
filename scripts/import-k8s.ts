/**
 * Generates imports/k8s.ts, the L1 classes of the built-in Kubernetes objects the library synthesizes, as
 * `cdk8s import k8s` does, from the OpenAPI document that the oldest supported kube-apiserver serves.
 *
 * `cdk8s import k8s` downloads a JSON schema from the internet; instead this script starts the test control plane's
 * kube-apiserver of that version (test/cluster, API mode), reads its `/openapi/v2`, and hands the document to
 * cdk8s-cli's own k8s importer (json2jsii underneath), so the classes are exactly what cdk8s would generate.
 * Adaptations, all of what cdk8s's published schemas do: no `enum` lists, `IntOrString` and `Quantity` take a string or a number
 * (the API server describes both as strings), and only the kinds in KINDS become classes: the other object kinds are
 * left out, and so is every type none of these kinds reaches.
 *
 *   npm run import:k8s                     (needs `KFWS_TEST_K8S_VERSION=1.32 test/cluster/build.sh` first)
 *   npx ts-node --transpile-only scripts/import-k8s.ts --openapi FILE [--output DIR]   (from a saved document)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The oldest Kubernetes minor the package supports (README "Kubernetes versions"): the classes must not use newer fields. */
export const OLDEST_SUPPORTED_MINOR = '1.32';

/** The object kinds the library writes with L1 classes, by OpenAPI definition name. */
export const KINDS: readonly string[] = [
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.core.v1.LimitRange',
  'io.k8s.api.core.v1.ResourceQuota',
  'io.k8s.api.core.v1.Secret',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.rbac.v1.RoleBinding',
];

const GVK = 'x-kubernetes-group-version-kind';
const STRING_OR_NUMBER = { oneOf: [{ type: 'string' }, { type: 'number' }] };

interface OpenApiV2 {
  readonly definitions: Record<string, Record<string, unknown>>;
}

/** The document's definitions as cdk8s's importer expects them: only KINDS are objects, IntOrString/Quantity unions. */
export function importableSchema(openapi: OpenApiV2): { definitions: Record<string, unknown> } {
  const missing = KINDS.filter((k) => !openapi.definitions[k]);
  if (missing.length > 0) throw new Error(`the OpenAPI document has no definition of ${missing.join(', ')}`);
  const definitions: Record<string, unknown> = {};
  for (const name of Object.keys(openapi.definitions).sort()) {
    const { [GVK]: gvk, ...rest } = openapi.definitions[name];
    if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString' || name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') {
      definitions[name] = { description: rest.description, ...STRING_OR_NUMBER };
    } else {
      definitions[name] = withoutEnums(KINDS.includes(name) ? { ...rest, [GVK]: gvk } : rest);
    }
  }
  return { definitions };
}

/**
 * The served document lists `enum` values that cdk8s's published schemas (and so `cdk8s import k8s`) do not have;
 * json2jsii would turn them into enums of generated names. Left out, the fields are strings, as in cdk8s's classes.
 */
function withoutEnums(schema: unknown): any {
  if (Array.isArray(schema)) return schema.map(withoutEnums);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'enum').map(([key, value]) => [key, withoutEnums(value)]));
}

/** Runs cdk8s-cli's k8s importer on the document; writes `k8s.ts` into outdir. */
export async function generate(openapi: OpenApiV2, k8sVersion: string, outdir: string): Promise<void> {
  // cdk8s-cli's importer fetches its schema with util.download(); hand it this document instead of the internet.
  // Its modules are not in the package's `exports`, so they are loaded by file.
  const cli = path.dirname(require.resolve('cdk8s-cli/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const util = require(path.join(cli, 'lib', 'util')) as { download: (url: string) => Promise<string> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ImportKubernetesApi } = require(path.join(cli, 'lib', 'import', 'k8s'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Language } = require(path.join(cli, 'lib', 'import', 'base'));
  const download = util.download;
  const schema = JSON.stringify(importableSchema(openapi));
  util.download = async (url: string) => {
    if (!url.includes(`/v${k8sVersion}/`)) throw new Error(`unexpected download of ${url}`);
    return schema;
  };
  const log = console.log;
  const error = console.error;
  try {
    console.log = console.error = () => undefined; // the importer prints module names and progress
    const importer = new ImportKubernetesApi({ apiVersion: k8sVersion });
    await importer.import({ outdir, targetLanguage: Language.TYPESCRIPT });
  } finally {
    util.download = download;
    console.log = log;
    console.error = error;
  }
}

/** Starts an API-mode control plane of the oldest supported version and reads its OpenAPI document and version. */
export async function servedOpenApi(): Promise<{ openapi: OpenApiV2; version: string }> {
  const previous = process.env.KFWS_TEST_K8S_VERSION;
  process.env.KFWS_TEST_K8S_VERSION = OLDEST_SUPPORTED_MINOR;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ControlPlane, ControlPlaneMode, kubeRequest } = require('../test/cluster/control-plane') as typeof import('../test/cluster/control-plane');
  try {
    const plane = await ControlPlane.start({ mode: ControlPlaneMode.API });
    try {
      const res = await kubeRequest(`${plane.server}/openapi/v2`, { token: plane.adminToken, ca: plane.caData, timeoutMs: 60_000 });
      if (res.status !== 200 || !res.json?.definitions) throw new Error(`GET /openapi/v2: HTTP ${res.status}`);
      return { openapi: res.json as OpenApiV2, version: plane.version.replace(/^v/, '') };
    } finally {
      await plane.stop();
    }
  } finally {
    if (previous === undefined) delete process.env.KFWS_TEST_K8S_VERSION;
    else process.env.KFWS_TEST_K8S_VERSION = previous;
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const outdir = path.resolve(arg('--output') ?? path.join(__dirname, '..', 'imports'));
  const file = arg('--openapi');
  const { openapi, version } = file
    ? { openapi: JSON.parse(fs.readFileSync(file, 'utf8')) as OpenApiV2, version: arg('--version') ?? `${OLDEST_SUPPORTED_MINOR}.0` }
    : await servedOpenApi();
  // Written next to the target first, so a failed run leaves the committed file as it was.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-import-k8s-'));
  try {
    await generate(openapi, version, staging);
    fs.mkdirSync(outdir, { recursive: true });
    fs.copyFileSync(path.join(staging, 'k8s.ts'), path.join(outdir, 'k8s.ts'));
    process.stdout.write(`imports/k8s.ts: ${KINDS.length} kinds from the OpenAPI document of kube-apiserver v${version}\n`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`import-k8s: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
