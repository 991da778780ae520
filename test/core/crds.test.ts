import * as fs from 'fs';
import * as path from 'path';
import { API_REVISIONS, apiRevisionOfCrd, CRD_FILES, crdManifests, crdSchemas } from '../../lib/core/crds';
import { readCrdFiles } from '../crd-files';
import { ApiRevision, DEFAULT_API_REVISION } from '../../lib/core/revision';
import { CRDS_DIRECTORY, GENERATED_SCHEMAS_FILE, renderCrdFiles, renderSchemas } from '../../scripts/generate-crds';
import { readReference } from '../reference';

const ROOT = path.resolve(__dirname, '..', '..');

/** Drops documentation (`description`, `example`) from a schema tree; properties named so are kept. */
function withoutDocs(node: any, inProperties = false): any {
  if (Array.isArray(node)) return node.map((n) => withoutDocs(n));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node)
    .filter(([k]) => inProperties || (k !== 'description' && k !== 'example'))
    .map(([k, v]) => [k, !inProperties && (k === 'default' || k === 'enum') ? v : withoutDocs(v, k === 'properties' && !inProperties)]));
}

/**
 * A CRD as compared with upstream's: the schema without documentation (upstream's descriptions are prose we do not
 * copy; ours say the same in our words), and without controller-gen's version annotation. Everything else — names,
 * scope, versions, subresources, printer columns, every schema keyword, CEL rule and message — must be equal.
 */
function normalised(crd: any): any {
  const { annotations: _annotations, ...metadata } = crd.metadata;
  return {
    ...crd,
    metadata,
    spec: {
      ...crd.spec,
      versions: crd.spec.versions.map((v: any) => ({ ...v, schema: { openAPIV3Schema: withoutDocs(v.schema.openAPIV3Schema) } })),
    },
  };
}

/** Every CEL rule of a tree, with its message, in tree order. */
function celRules(node: any, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => celRules(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'x-kubernetes-validations') out.push(...(v as any[]).map((r) => `${r.rule} => ${r.message}`));
      else celRules(v, out);
    }
  }
  return out;
}

/** Paths of the schema's properties that have no description (what `kubectl explain` would show empty). */
function undocumented(node: any, at: string, out: string[] = []): string[] {
  for (const [name, child] of Object.entries<any>(node.properties ?? {})) {
    if (name !== 'metadata' && !child.description) out.push(`${at}.${name}`);
    undocumented(child, `${at}.${name}`, out);
  }
  if (node.items) undocumented(node.items, `${at}[]`, out);
  return out;
}

describe.each(API_REVISIONS)('the CRDs of revision %s', (revision) => {
  const ours = crdManifests(revision);

  test.each(CRD_FILES.map((c, i) => [c.file, i] as const))('%s equals upstream\'s reference after normalisation', (file, i) => {
    const reference = readReference(revision, 'crds', file);
    expect(ours[i].spec).toMatchObject({ names: { kind: CRD_FILES[i].kind } });
    expect(normalised(ours[i])).toEqual(normalised(reference));
    // The CEL rules and their messages, spelled out (toEqual above compares them too; this names them on failure).
    expect(celRules(ours[i])).toEqual(celRules(reference));
  });

  test('every field has a description, for kubectl explain', () => {
    for (const crd of ours) {
      const schema = (crd.spec as any).versions[0].schema.openAPIV3Schema;
      expect(schema.description).toBeTruthy();
      expect(undocumented(schema, (crd.spec as any).names.kind)).toEqual([]);
    }
  });

  test('the validation schemas are the CRDs\' schemas without documentation, keyed by kind', () => {
    const schemas = crdSchemas(revision);
    expect(Object.keys(schemas).sort()).toEqual(CRD_FILES.map((c) => c.kind).sort());
    for (const crd of ours) {
      const spec = crd.spec as any;
      expect(schemas[spec.names.kind]).toEqual(withoutDocs(spec.versions[0].schema.openAPIV3Schema));
    }
    // A property that happens to be called "description" or "default" is a field, not documentation or data.
    const kindSpec = (schemas.WorkspaceKind as any).properties.spec.properties;
    expect(kindSpec.spawner.properties.description.maxLength).toBe(4096);
    expect(kindSpec.podTemplate.properties.options.properties.imageConfig.properties.spawner.properties.default)
      .toEqual({ type: 'string', minLength: 1, maxLength: 256 });
  });

  test('the shipped crds/ files parse to the same CRDs', () => {
    expect(readCrdFiles(revision)).toEqual(ours);
  });
});

describe('generated files', () => {
  test('the committed crds/ files equal a fresh generation (run `npm run import` after changing the definition)', () => {
    const fresh = renderCrdFiles();
    const committed = fs.readdirSync(CRDS_DIRECTORY, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).map((e) => path.relative(ROOT, path.join(e.parentPath, e.name))).sort();
    expect(committed).toEqual([...fresh.keys()].sort());
    for (const [file, content] of fresh) {
      const same = fs.readFileSync(path.join(ROOT, file), 'utf8') === content;
      expect({ file, same }).toEqual({ file, same: true });
    }
  });

  test('the committed validation schemas equal a fresh generation', () => {
    expect(fs.readFileSync(GENERATED_SCHEMAS_FILE, 'utf8')).toBe(renderSchemas());
  });

  test('generation is deterministic', () => {
    expect(renderCrdFiles()).toEqual(renderCrdFiles());
    expect(renderSchemas()).toBe(renderSchemas());
  });
});

describe('revisions', () => {
  test('the default is fd7a3d8e, and the two revisions differ where upstream says', () => {
    expect(DEFAULT_API_REVISION).toBe(ApiRevision.FD7A3D8E);
    expect(crdManifests()).toEqual(crdManifests(ApiRevision.FD7A3D8E));
    const names = (rev: ApiRevision) => crdManifests(rev).map((c) => (c.spec as any).names.shortNames);
    expect(names(ApiRevision.FD7A3D8E)).toEqual([undefined, undefined]);
    expect(names(ApiRevision.V2_0_0_BETA_0)).toEqual([['wsk'], ['ws']]);
  });

  test('an unknown revision is refused by name', () => {
    expect(() => crdManifests('v9' as ApiRevision)).toThrow('unknown API revision "v9"; expected one of fd7a3d8e, v2.0.0-beta.0');
    expect(() => crdSchemas('v9' as ApiRevision)).toThrow('unknown API revision "v9"');
  });
});

describe('apiRevisionOfCrd', () => {
  test.each(API_REVISIONS)('tells revision %s from our CRDs and from upstream\'s reference files', (revision) => {
    for (const crd of crdManifests(revision)) expect(apiRevisionOfCrd(crd)).toBe(revision);
    for (const { file } of CRD_FILES) expect(apiRevisionOfCrd(readReference(revision, 'crds', file))).toBe(revision);
  });

  test('recognises no edited schema, other group, other kind of object or malformed input', () => {
    const edited: any = crdManifests(ApiRevision.V2_0_0_BETA_0)[1];
    edited.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.displayName.maxLength = 64;
    expect(apiRevisionOfCrd(edited)).toBeUndefined();
    const otherGroup: any = crdManifests()[0];
    otherGroup.spec.group = 'example.com';
    expect(apiRevisionOfCrd(otherGroup)).toBeUndefined();
    const noSchema: any = crdManifests()[0];
    delete noSchema.spec.versions;
    expect(apiRevisionOfCrd(noSchema)).toBeUndefined();
    for (const input of [null, 'text', [], { kind: 'ConfigMap', spec: { group: 'kubeflow.org' } }]) expect(apiRevisionOfCrd(input)).toBeUndefined();
  });
});
