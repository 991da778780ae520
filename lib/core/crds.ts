/**
 * The CustomResourceDefinitions this package targets, one pair per {@link ApiRevision}, generated from our own
 * definition (`crd-definition.ts`), and the validation schemas generated from them.
 *
 * The platform chart installs {@link crdManifests}; the same CRDs are written as files to `crds/<revision>/` (for
 * `kubectl apply` and `cdk8s import`); the validator uses `generated/crd-schemas.json` — their `openAPIV3Schema`s
 * without descriptions and examples, keyed by revision and kind — which loads in milliseconds. `npm run import`
 * regenerates all of them, and tests fail when any is stale.
 */
import { API_GROUP, JsonObject, WORKSPACE_KIND, WORKSPACEKIND_KIND } from './api';
import { workspaceCrd, workspaceKindCrd } from './crd-definition';
import generatedSchemas from './generated/crd-schemas.json';
import { ApiRevision, DEFAULT_API_REVISION } from './revision';
import { deepEqual } from './validation/equality';

/** The version of the API this package targets. */
export const CRD_VERSION = 'v1beta1';

/** The revisions this package serves, in release order. */
export const API_REVISIONS: readonly ApiRevision[] = [ApiRevision.FD7A3D8E, ApiRevision.V2_0_0_BETA_0];

/** The CRD file of each kind, in the order the platform chart installs them. */
export const CRD_FILES: ReadonlyArray<{ readonly kind: string; readonly file: string }> = [
  { kind: WORKSPACEKIND_KIND, file: 'kubeflow.org_workspacekinds.yaml' },
  { kind: WORKSPACE_KIND, file: 'kubeflow.org_workspaces.yaml' },
];

/** The CRDs of a revision, in install order (WorkspaceKind first), as fresh JSON objects. */
export function crdManifests(revision: ApiRevision = DEFAULT_API_REVISION): JsonObject[] {
  assertRevision(revision);
  return [workspaceKindCrd(revision), workspaceCrd(revision)];
}

/** The validation schema of each kind (keyed by kind), as generated from the CRDs. */
export type CrdSchemas = Record<string, JsonObject>;

/**
 * The validation schemas (`openAPIV3Schema` without descriptions and examples) of a revision's CRDs, keyed by kind,
 * as committed in `generated/crd-schemas.json`.
 */
export function crdSchemas(revision: ApiRevision = DEFAULT_API_REVISION): CrdSchemas {
  assertRevision(revision);
  const schemas = (generatedSchemas as unknown as Record<string, CrdSchemas | undefined>)[revision];
  if (!schemas) throw new Error(`generated/crd-schemas.json has no schemas of revision ${revision}; run \`npm run import\``);
  return schemas;
}

/** Builds one revision's part of `generated/crd-schemas.json` from its CRDs. */
export function extractSchemas(crds: readonly JsonObject[]): CrdSchemas {
  const schemas: CrdSchemas = {};
  for (const crd of crds) {
    const spec = crd.spec as { names?: { kind?: string }; versions?: { name?: string; schema?: { openAPIV3Schema?: unknown } }[] };
    const kind = spec?.names?.kind;
    const schema = spec?.versions?.find(v => v.name === CRD_VERSION)?.schema?.openAPIV3Schema;
    if (!kind || !schema) {
      throw new Error(`CRD ${JSON.stringify((crd.metadata as JsonObject | undefined)?.name)} has no ${CRD_VERSION} openAPIV3Schema`);
    }
    schemas[kind] = withoutDocumentation(schema) as JsonObject;
  }
  return schemas;
}

/**
 * The revision a Workspace or WorkspaceKind CRD belongs to, told by its validation schema (descriptions and examples
 * aside), so that upstream's own CRD files and ours are recognised alike; undefined for any other CRD, or one whose
 * schema is no served revision's (edited by hand, or another upstream release).
 */
export function apiRevisionOfCrd(crd: unknown): ApiRevision | undefined {
  if (crd === null || typeof crd !== 'object' || Array.isArray(crd)) return undefined;
  const object = crd as JsonObject;
  const spec = object.spec as { group?: unknown } | undefined;
  if (object.kind !== 'CustomResourceDefinition' || spec?.group !== API_GROUP) return undefined;
  let schemas: CrdSchemas;
  try {
    schemas = extractSchemas([object]);
  } catch {
    return undefined;
  }
  const [[kind, schema]] = Object.entries(schemas);
  return API_REVISIONS.find(revision => deepEqual(crdSchemas(revision)[kind], schema));
}

function assertRevision(revision: ApiRevision): void {
  if (!API_REVISIONS.includes(revision)) {
    throw new Error(`unknown API revision ${JSON.stringify(revision)}; expected one of ${API_REVISIONS.join(', ')}`);
  }
}

/** Drops `description` and `example`, which validation never reads; properties named so are kept. */
function withoutDocumentation(schema: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(schema)) {
    return schema.map(item => withoutDocumentation(item));
  }
  if (schema === null || typeof schema !== 'object') {
    return schema;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!isPropertyMap && (key === 'description' || key === 'example')) {
      continue;
    }
    // `default` and `enum` hold data, not schemas: copied as they are (unless they name properties).
    out[key] = !isPropertyMap && (key === 'default' || key === 'enum')
      ? value
      : withoutDocumentation(value, key === 'properties' && !isPropertyMap);
  }
  return out;
}
