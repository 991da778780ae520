/**
 * Writes lib/core/generated/crd-schemas.json from the CRD files in crds/ (run by `npm run import`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractSchemas, readCrdFiles } from '../lib/core/crds';

export const GENERATED_SCHEMAS_FILE = path.resolve(__dirname, '../lib/core/generated/crd-schemas.json');

/** The file content, deterministic for the same CRD files. */
export function renderSchemas(): string {
  return JSON.stringify(extractSchemas(readCrdFiles()), null, 1) + '\n';
}

if (require.main === module) {
  fs.writeFileSync(GENERATED_SCHEMAS_FILE, renderSchemas());
  console.log(`wrote ${path.relative(process.cwd(), GENERATED_SCHEMAS_FILE)}`);
}
