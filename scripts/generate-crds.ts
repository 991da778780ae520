/**
 * Writes the CRD files `crds/<revision>/*.yaml` and `lib/core/generated/crd-schemas.json` from our CRD definition
 * (lib/core/crd-definition.ts), for every API revision. `npm run import` runs it (after regenerating the Kubernetes
 * schemas the definition embeds, and before `cdk8s import`); the output is deterministic (keys sorted as
 * controller-gen sorts them), and a test fails when the committed files differ from a fresh generation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { API_REVISIONS, CRD_FILES, crdManifests, extractSchemas } from '../lib/core/crds';

const ROOT = path.resolve(__dirname, '..');
export const GENERATED_SCHEMAS_FILE = path.join(ROOT, 'lib/core/generated/crd-schemas.json');
export const CRDS_DIRECTORY = path.join(ROOT, 'crds');

/** A deep copy with the keys of every object in code-unit order (lists keep their order). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
}

/** The CRD files, by path relative to the repository root. */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const revision of API_REVISIONS) {
    crdManifests(revision).forEach((crd, i) => {
      files.set(path.join('crds', revision, CRD_FILES[i].file), `---\n${stringify(sortedKeys(crd), { lineWidth: 0, version: '1.1' })}`);
    });
  }
  return files;
}

/** The content of lib/core/generated/crd-schemas.json: each revision's schemas, by kind. */
export function renderSchemas(): string {
  const schemas = Object.fromEntries(API_REVISIONS.map((revision) => [revision, extractSchemas(crdManifests(revision))]));
  return JSON.stringify(sortedKeys(schemas), null, 1) + '\n';
}

if (require.main === module) {
  // Stale files of a revision no longer served must not stay behind.
  fs.rmSync(CRDS_DIRECTORY, { recursive: true, force: true });
  for (const [file, content] of renderCrdFiles()) {
    fs.mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
    fs.writeFileSync(path.join(ROOT, file), content);
    console.log(`wrote ${file}`);
  }
  fs.writeFileSync(GENERATED_SCHEMAS_FILE, renderSchemas());
  console.log(`wrote ${path.relative(ROOT, GENERATED_SCHEMAS_FILE)}`);
}
