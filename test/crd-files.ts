/**
 * The CRD files this repository ships in `crds/<revision>/` (written by scripts/generate-crds.ts from
 * lib/core/crd-definition.ts), read back as a user's `kubectl apply -f crds/<revision>/` reads them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { JsonObject } from '../lib/core/api';
import { CRD_FILES } from '../lib/core/crds';
import { ApiRevision, DEFAULT_API_REVISION } from '../lib/core/revision';

/** `crds/<revision>/` of the checkout. */
export function crdDirectory(revision: ApiRevision = DEFAULT_API_REVISION): string {
  return path.resolve(__dirname, '..', 'crds', revision);
}

/** Every document of the CRD files of a revision, in install order (WorkspaceKind first). */
export function readCrdFiles(revision: ApiRevision = DEFAULT_API_REVISION): JsonObject[] {
  return CRD_FILES.flatMap(({ file }) => {
    const name = path.join(crdDirectory(revision), file);
    return parseAllDocuments(fs.readFileSync(name, 'utf8')).map((document) => {
      if (document.errors.length > 0) throw new Error(`${name}: ${document.errors[0].message}`);
      return document.toJS() as JsonObject;
    }).filter((crd) => crd !== null);
  });
}
