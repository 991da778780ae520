import * as fs from 'fs';
import { CRD_FILES, readCrdFiles } from '../../lib/core/crds';
import { GENERATED_SCHEMAS_FILE, renderSchemas } from '../../scripts/generate-crd-schemas';

describe('CRD files and the schemas generated from them', () => {
  test('the committed generated schemas equal a fresh generation from crds/ (run `npm run import` after a CRD change)', () => {
    expect(fs.readFileSync(GENERATED_SCHEMAS_FILE, 'utf8')).toBe(renderSchemas());
  });

  test('the generated schemas keep every validation keyword and drop only documentation', () => {
    const crds = readCrdFiles();
    expect(crds.map(crd => (crd.spec as any).names.kind)).toEqual(CRD_FILES.map(c => c.kind));
    const generated = JSON.parse(fs.readFileSync(GENERATED_SCHEMAS_FILE, 'utf8'));
    const strip = (node: any, inProperties = false): any => {
      if (Array.isArray(node)) return node.map(n => strip(n));
      if (!node || typeof node !== 'object') return node;
      return Object.fromEntries(Object.entries(node)
        .filter(([k]) => inProperties || (k !== 'description' && k !== 'example'))
        .map(([k, v]) => [k, k === 'default' || k === 'enum' ? v : strip(v, k === 'properties' && !inProperties)]));
    };
    for (const crd of crds) {
      const spec = crd.spec as any;
      expect(generated[spec.names.kind]).toEqual(strip(spec.versions[0].schema.openAPIV3Schema));
    }
    // A property that happens to be called "description" is a field, not documentation.
    expect(generated.WorkspaceKind.properties.spec.properties.spawner.properties.description.maxLength).toBe(4096);
  });
});
