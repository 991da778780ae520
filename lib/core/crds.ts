/**
 * The CustomResourceDefinitions this package targets, kept in the repository's `crds/` folder exactly as published
 * upstream, and the validation schemas generated from them.
 *
 * The platform chart installs the CRD files; the validator uses `generated/crd-schemas.json` — their
 * `openAPIV3Schema`s without descriptions and examples — because parsing 4,600 lines of YAML costs about half a second
 * on every synth and CLI run, while the JSON loads in milliseconds. `npm run import` regenerates both `imports/` and
 * that file, and a test fails when either is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { JsonObject, WORKSPACE_KIND, WORKSPACEKIND_KIND } from './api';

/** The version of the API this package targets. */
export const CRD_VERSION = 'v1beta1';

/** The CRD file of each kind, in the order the platform chart installs them. */
export const CRD_FILES: ReadonlyArray<{ readonly kind: string; readonly file: string }> = [
  { kind: WORKSPACEKIND_KIND, file: 'kubeflow.org_workspacekinds.yaml' },
  { kind: WORKSPACE_KIND, file: 'kubeflow.org_workspaces.yaml' },
];

/**
 * The package's `crds/` folder: the nearest one above this module that holds the CRD files, so it is found from
 * `lib/core` (ts-node, jest) and from `build/lib/core` (compiled) alike.
 */
export function crdDirectory(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'crds');
    if (CRD_FILES.every(({ file }) => fs.existsSync(path.join(candidate, file)))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the CRD files ${CRD_FILES.map(c => c.file).join(', ')} in a "crds" folder above ${__dirname}; expected them shipped with the package`);
    }
  }
}

/** Parses the CRD files (every document of each), in install order. */
export function readCrdFiles(): JsonObject[] {
  const dir = crdDirectory();
  return CRD_FILES.flatMap(({ file }) => {
    const documents = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'));
    return documents.map(document => {
      if (document.errors.length > 0) {
        throw new Error(`${path.join(dir, file)}: ${document.errors[0].message}`);
      }
      return document.toJS() as JsonObject;
    }).filter(crd => crd !== null);
  });
}

/** The validation schema of each kind (keyed by kind), as generated from the CRD files. */
export type CrdSchemas = Record<string, JsonObject>;

/** Builds the content of `generated/crd-schemas.json` from parsed CRDs. */
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
    // `default` and `enum` hold data, not schemas: copied as they are.
    out[key] = key === 'default' || key === 'enum' ? value : withoutDocumentation(value, key === 'properties' && !isPropertyMap);
  }
  return out;
}
