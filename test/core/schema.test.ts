import { crdManifests } from '../../lib/core/crds';
import { DEFAULT_API_REVISION } from '../../lib/core/revision';
import { validateWorkspace, validateWorkspaceKind, ViolationType } from '../../lib/core/validation';
import { CEL_RULES, CompiledSchema, crdSchema, SchemaCompileError } from '../../lib/core/validation/schema';
import { expectAccepted, expectRejected, messages, sampleKind, sampleWorkspace, webhookKind } from './fixtures';

function check(schema: unknown, value: unknown, opts?: Parameters<CompiledSchema['validate']>[1]): string[] {
  return messages(new CompiledSchema(schema).validate(value, opts));
}

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

describe('generic structural schema validation', () => {
  test('types, including integer vs number and int-or-string', () => {
    const s = obj({
      b: { type: 'boolean' },
      i: { type: 'integer' },
      n: { type: 'number' },
      s: { type: 'string' },
      a: { type: 'array', items: { type: 'string' } },
      o: obj({}),
      q: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    });
    expect(check(s, { b: true, i: 3, n: 1.5, s: 'x', a: ['y'], o: {}, q: 3 })).toEqual([]);
    expect(check(s, { q: 'three' })).toEqual([]);
    expect(check(s, { b: 'yes', i: 1.5, n: '1', s: 2, a: {}, o: [], q: 1.5 })).toEqual([
      'b: Invalid value: "yes": b in body must be of type boolean: "string"',
      'i: Invalid value: 1.5: i in body must be of type integer: "number"',
      'n: Invalid value: "1": n in body must be of type number: "string"',
      's: Invalid value: 2: s in body must be of type string: "integer"',
      'a: Invalid value: {}: a in body must be of type array: "object"',
      'o: Invalid value: []: o in body must be of type object: "array"',
      'q: Invalid value: 1.5: q in body must be of type integer,string: "number"',
    ]);
  });

  test('int32 / int64 ranges', () => {
    const s = obj({ a: { type: 'integer', format: 'int32' }, b: { type: 'integer', format: 'int64' } });
    expect(check(s, { a: 2147483647, b: -9007199254740991 })).toEqual([]);
    expect(check(s, { a: 2147483648 })).toEqual(['a: Invalid value: 2147483648: a in body must be of type int32: "2147483648"']);
    expect(check(s, { a: -2147483649 })).toHaveLength(1);
    expect(check(s, { b: 1e20 })).toEqual(['b: Invalid value: 100000000000000000000: b in body must be of type int64: "100000000000000000000"']);
  });

  test('required, unknown fields, preserve-unknown and maps', () => {
    const s = obj(
      {
        req: { type: 'string' },
        withDefault: { type: 'string', default: 'd' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { k: { type: 'integer' } } },
        map: { type: 'object', additionalProperties: { type: 'string' } },
      },
      { required: ['req', 'withDefault'] },
    );
    expect(check(s, { req: 'x', free: { k: 1, anything: [1] }, map: { a: 'b' } })).toEqual([]);
    expect(check(s, { nope: 1, free: { k: 'x' }, map: { a: 1 } })).toEqual([
      'nope: Unknown field: unknown field "nope"',
      'req: Required value',
      'free.k: Invalid value: "x": free.k in body must be of type integer: "string"',
      'map.a: Invalid value: 1: map.a in body must be of type string: "integer"',
    ]);
  });

  test('nullable, and nulls of non-nullable fields (dropped, then defaulted)', () => {
    const s = obj(
      { n: { type: 'string', nullable: true }, d: { type: 'string', default: 'x', enum: ['x'] }, r: { type: 'string' }, l: { type: 'array', items: { type: 'string' } } },
      { required: ['r'] },
    );
    expect(check(s, { n: null, d: null, r: 'v' })).toEqual([]);
    expect(check(s, { r: null })).toEqual(['r: Required value']);
    expect(check(s, { r: 'v', l: ['a', null] })).toEqual(['l[1]: Invalid value: null: l[1] in body must be of type string: "null"']);
  });

  test('enum, pattern (Go semantics of "."), lengths in code points', () => {
    const s = obj({
      e: { type: 'string', enum: ['A', 'B'] },
      p: { type: 'string', pattern: '^a.b$' },
      c: { type: 'string', pattern: '^[]a]+$' },
      l: { type: 'string', minLength: 2, maxLength: 3 },
    });
    expect(check(s, { e: 'A', p: 'a\rb', c: ']a]', l: '😀😀😀' })).toEqual([]);
    expect(check(s, { e: 'C', p: 'a\nb', l: '😀' })).toEqual([
      'e: Unsupported value: "C": supported values: "A", "B"',
      'p: Invalid value: "a\\nb": p in body should match \'^a.b$\'',
      'l: Invalid value: "😀": l in body should be at least 2 chars long',
    ]);
    expect(check(s, { l: 'abcd' })).toEqual(['l: Too long: "abcd": may not be more than 3 bytes']);
  });

  test('numeric bounds, item and property counts', () => {
    const s = obj({
      n: { type: 'integer', minimum: 1, maximum: 10 },
      a: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 },
      o: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 1 },
    });
    expect(check(s, { n: 1, a: [1, 2], o: { a: 'b' } })).toEqual([]);
    expect(check(s, { n: 0, a: [], o: {} })).toEqual([
      'n: Invalid value: 0: n in body should be greater than or equal to 1',
      'a: Invalid value: 0: a in body should have at least 1 items',
      'o: Invalid value: 0: o in body should have at least 1 properties',
    ]);
    expect(check(s, { n: 11, a: [1, 2, 3], o: { a: 'b', c: 'd' } })).toEqual([
      'n: Invalid value: 11: n in body should be less than or equal to 10',
      'a: Too many: 3: must have at most 2 items',
      'o: Too many: 2: must have at most 1 items',
    ]);
  });

  test('x-kubernetes-int-or-string keeps its string pattern', () => {
    const s = obj({ q: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+m?$' } });
    expect(check(s, { q: 5 })).toEqual([]);
    expect(check(s, { q: '5m' })).toEqual([]);
    expect(check(s, { q: 'five' })).toEqual(['q: Invalid value: "five": q in body should match \'^[0-9]+m?$\'']);
  });

  test('list-type set and map', () => {
    const s = obj({
      set: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      map: {
        type: 'array',
        items: obj({ k: { type: 'string' }, j: { type: 'integer', default: 0 }, v: { type: 'string' } }),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['k', 'j'],
      },
      atomic: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' },
    });
    expect(check(s, { set: ['a', 'b'], map: [{ k: 'a' }, { k: 'a', j: 1 }], atomic: ['x', 'x'] })).toEqual([]);
    expect(check(s, { set: ['a', 'b', 'a'], map: [{ k: 'a', v: '1' }, { k: 'a', j: 0, v: '2' }] })).toEqual([
      'set[2]: Duplicate value: "a"',
      'map[1]: Duplicate value: {"k":"a","j":0}',
    ]);
  });

  test('CEL rules run after value checks and are skipped (with a notice) after type errors', () => {
    const s = obj(
      { x: obj({ url: { type: 'string' }, configMap: obj({}) }, { 'x-kubernetes-validations': [{ rule: '!(has(self.url) && has(self.configMap)) && (has(self.url) || has(self.configMap))', message: 'one of' }] }), n: { type: 'integer' } },
    );
    expect(check(s, { x: { url: 'u' } })).toEqual([]);
    expect(check(s, { x: {} })).toEqual(['x: Invalid value: {}: one of']);
    expect(check(s, { x: {}, n: 'a' })).toEqual([
      'n: Invalid value: "a": n in body must be of type integer: "string"',
      '<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('CEL rules are skipped after required, maxLength, maxItems and maxProperties errors too, and after blocking ObjectMeta errors (apiextensions hasBlockingErr)', () => {
    const rule = { rule: '!(has(self.url) && has(self.configMap)) && (has(self.url) || has(self.configMap))', message: 'one of' };
    const s = obj({
      x: obj({ url: { type: 'string' }, configMap: obj({}) }, { 'x-kubernetes-validations': [rule] }),
      r: obj({ name: { type: 'string' } }, { required: ['name'] }),
      long: { type: 'string', maxLength: 2 },
      short: { type: 'string', minLength: 2 },
      list: { type: 'array', items: { type: 'string' }, maxItems: 1 },
      map: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 },
    });
    const notChecked = '<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
    const bad = { x: {} };
    expect(check(s, { ...bad, r: {} })).toEqual(['r.name: Required value', notChecked]);
    expect(check(s, { ...bad, long: 'abc' })).toEqual(['long: Too long: "abc": may not be more than 2 bytes', notChecked]);
    expect(check(s, { ...bad, list: ['a', 'b'] })).toEqual(['list: Too many: 2: must have at most 1 items', notChecked]);
    expect(check(s, { ...bad, map: { a: 'a', b: 'b' } })).toEqual(['map: Too many: 2: must have at most 1 items', notChecked]);
    // minLength (like pattern, minimum, minItems) is not blocking: the CEL rule still runs
    expect(check(s, { ...bad, short: 'a' })).toEqual(['short: Invalid value: "a": short in body should be at least 2 chars long', 'x: Invalid value: {}: one of']);
    // errors found before the schema (ObjectMeta) count as well
    const meta = [{ field: 'metadata.name', type: ViolationType.REQUIRED, detail: 'name or generateName is required' }];
    expect(check(s, bad, { precedingViolations: meta })).toEqual([notChecked]);
    expect(check(s, bad, { precedingViolations: [{ ...meta[0], type: ViolationType.INVALID }] })).toEqual(['x: Invalid value: {}: one of']);
    const kind = sampleKind();
    kind.metadata = { annotations: { a: 'b' } };
    kind.spec.spawner.icon.configMap = { name: 'icons', key: 'icon.png' };
    expect(messages(validateWorkspaceKind(kind))).toEqual(['metadata.name: Required value: name or generateName is required', notChecked]);
  });

  test('CEL transition rules correlate old values through objects and list-map keys only', () => {
    const s = obj({
      items: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['k'],
        items: obj({ k: { type: 'string' }, v: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }] } }),
      },
      atomic: { type: 'array', items: obj({ v: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } }) },
    });
    const schema = new CompiledSchema(s);
    const old = { items: [{ k: 'a', v: '1' }, { k: 'b', v: '2' }], atomic: [{ v: '1' }] };
    expect(messages(schema.validate({ items: [{ k: 'b', v: '2' }, { k: 'a', v: '1' }, { k: 'c', v: '3' }], atomic: [{ v: '9' }] }, { oldValue: old }))).toEqual([]);
    expect(messages(schema.validate({ items: [{ k: 'a', v: 'changed' }] }, { oldValue: old }))).toEqual(['items[a].v: Invalid value: "changed": immutable']);
    expect(messages(schema.validate({ items: [{ k: 'a', v: 'changed' }] }))).toEqual([]);
  });

  test('unknownFieldsOnly: only strict decoding applies to those top-level fields', () => {
    const s = obj({ status: obj({ n: { type: 'integer' } }, { required: ['m'] }) });
    expect(check(s, { status: { n: 'x' } }, { unknownFieldsOnly: ['status'] })).toEqual([]);
    expect(check(s, { status: { extra: 1 } }, { unknownFieldsOnly: ['status'] })).toEqual(['status.extra: Unknown field: unknown field "status.extra"']);
    expect(check(s, { status: { n: 'x' } })).toHaveLength(2);
  });

  test('applyDefaults returns a defaulted deep copy and leaves the input alone', () => {
    const s = new CompiledSchema(
      obj({
        a: { type: 'string', default: 'x' },
        o: obj({ b: { type: 'boolean', default: false } }, { default: {} }),
        l: { type: 'array', items: obj({ c: { type: 'integer', default: 1 } }) },
        n: { type: 'string', default: 'y' },
        keep: { type: 'string', nullable: true, default: 'z' },
      }),
    );
    const input = { l: [{}, { c: 5 }], n: null, keep: null, extra: { deep: [1] } };
    const out = s.applyDefaults(input);
    expect(out).toEqual({ a: 'x', o: { b: false }, l: [{ c: 1 }, { c: 5 }], n: 'y', keep: null, extra: { deep: [1] } });
    expect(input).toEqual({ l: [{}, { c: 5 }], n: null, keep: null, extra: { deep: [1] } });
    expect(out.extra).not.toBe(input.extra);
    expect(s.applyDefaults(out)).toEqual(out);
    expect(s.applyDefaults('not an object')).toBe('not an object');
  });

  test('what the compiler refuses', () => {
    const refuse = (schema: unknown, msg: string) => expect(() => new CompiledSchema(schema)).toThrow(msg);
    refuse(obj({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() > 1' }] } }), 'has no implementation');
    refuse(obj({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', messageExpression: '"x"' }] } }), 'unsupported validation rule field "messageExpression"');
    refuse(obj({ a: { type: 'string', oneOf: [] } }), 'unsupported schema keyword "oneOf"');
    refuse(obj({ a: { type: 'string', format: 'date-time' } }), 'unsupported format "date-time"');
    refuse(obj({ a: { anyOf: [{ type: 'string' }] } }), 'anyOf is only supported');
    refuse(obj({ a: { type: 'string', pattern: '^[[:alpha:]]$' } }), 'POSIX');
    refuse(obj({ a: { type: 'string', pattern: '(?i)x' } }), 'not supported');
    refuse(obj({ a: { type: 'array', 'x-kubernetes-list-type': 'map' } }), 'needs x-kubernetes-list-map-keys');
    expect(() => new CompiledSchema(obj({ a: { type: 'string', format: 'int32' } }))).toThrow(SchemaCompileError);
  });
});

describe('the project CRDs', () => {
  test('every CEL rule string of the default revision\'s CRDs has an implementation, and the compiled schemas carry them all', () => {
    const rules: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'x-kubernetes-validations') rules.push(...(x as { rule: string }[]).map((r) => r.rule));
          else collect(x);
        }
      }
    };
    collect(crdManifests(DEFAULT_API_REVISION));
    expect(rules).toHaveLength(7);
    for (const r of rules) expect(CEL_RULES.has(r) ? r : `missing: ${r}`).toBe(r);
    expect([...crdSchema('Workspace').celRules, ...crdSchema('WorkspaceKind').celRules].sort()).toEqual(rules.sort());
    expect(crdSchema('Workspace')).toBe(crdSchema('Workspace'));
  });

  test('Workspace field rules', () => {
    const ws = sampleWorkspace();
    ws.spec.kind = 'Bad_Kind';
    ws.spec.podTemplate.volumes.home = 'x';
    ws.spec.podTemplate.volumes.data.push({ pvcName: 'other', mountPath: '/data/my-data' }, { pvcName: 'p2', mountPath: 'relative' });
    ws.spec.podTemplate.options.imageConfig = '';
    ws.spec.podTemplate.options.podConfig = 'p'.repeat(257);
    ws.spec.surprise = true;
    // Errors follow the object's own key order.
    expect(messages(validateWorkspace(ws))).toEqual([
      'spec.surprise: Unknown field: unknown field "spec.surprise"',
      "spec.kind: Invalid value: \"Bad_Kind\": spec.kind in body should match '^[a-z0-9][-a-z0-9]*[a-z0-9]$'",
      'spec.podTemplate.volumes.home: Invalid value: "x": spec.podTemplate.volumes.home in body should be at least 2 chars long',
      "spec.podTemplate.volumes.home: Invalid value: \"x\": spec.podTemplate.volumes.home in body should match '^[a-z0-9][-a-z0-9]*[a-z0-9]$'",
      "spec.podTemplate.volumes.data[2].mountPath: Invalid value: \"relative\": spec.podTemplate.volumes.data[2].mountPath in body should match '^/[^/].*$'",
      'spec.podTemplate.options.imageConfig: Invalid value: "": spec.podTemplate.options.imageConfig in body should be at least 1 chars long',
      `spec.podTemplate.options.podConfig: Too long: "${'p'.repeat(257)}": may not be more than 256 bytes`,
      'spec.podTemplate.volumes.data[1]: Duplicate value: {"mountPath":"/data/my-data"}',
      // "Too long" blocks the CEL rules, as on the API server
      '<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('Workspace: required fields; the status is not validated on create/update except for unknown fields', () => {
    expect(messages(validateWorkspace({ apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', metadata: { name: 'w' }, spec: { podTemplate: { options: {} } } }))).toEqual([
      'spec.kind: Required value',
      'spec.podTemplate.volumes: Required value',
      'spec.podTemplate.options.imageConfig: Required value',
      'spec.podTemplate.options.podConfig: Required value',
      '<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
    const ws = sampleWorkspace();
    ws.status = { state: 'Nonsense', pauseTime: 'x' };
    expectAccepted(validateWorkspace(ws));
    ws.status.bogus = 1;
    expect(messages(validateWorkspace(ws))).toEqual(['status.bogus: Unknown field: unknown field "status.bogus"']);
  });

  test('WorkspaceKind CEL create rules', () => {
    const kind = sampleKind();
    kind.spec.spawner.icon = { url: 'u', configMap: { name: 'n', key: 'k' } };
    kind.spec.spawner.logo = {};
    kind.spec.podTemplate.culling.activityProbe = { exec: { command: ['true'] }, jupyter: { lastActivity: false } };
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      `spec.spawner.icon: Invalid value: {"url":"u","configMap":{"name":"n","key":"k"}}: must specify exactly one of 'url' or 'configMap'`,
      `spec.spawner.logo: Invalid value: {}: must specify exactly one of 'url' or 'configMap'`,
      `spec.podTemplate.culling.activityProbe.jupyter: Invalid value: {"lastActivity":false}: 'lastActivity' must be true`,
      `spec.podTemplate.culling.activityProbe: Invalid value: {"exec":{"command":["true"]},"jupyter":{"lastActivity":false}}: must specify exactly one of 'exec' or 'jupyter'`,
    ]);
    const ok = sampleKind();
    ok.spec.podTemplate.culling.activityProbe = { exec: { command: ['true'] } };
    ok.spec.spawner.icon = { configMap: { name: 'n', key: 'k' } };
    expectAccepted(validateWorkspaceKind(ok));
  });

  test('WorkspaceKind field rules', () => {
    const kind = webhookKind();
    const pt = kind.spec.podTemplate;
    pt.culling.maxInactiveSeconds = 59;
    pt.ports[0].protocol = 'TCP';
    pt.ports[0].id = 'x';
    pt.options.imageConfig.values[1].spec.imagePullPolicy = 'Sometimes';
    pt.options.imageConfig.values[1].spec.ports[0].port = 70000;
    pt.options.podConfig.values[0].spec.resources.requests.cpu = 0.5;
    pt.options.podConfig.values[0].spec.resources.requests.memory = 'lots';
    pt.options.imageConfig.values[0].spawner.labels = Array.from({ length: 33 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    const v = messages(validateWorkspaceKind(kind));
    for (const expected of [
      'spec.podTemplate.culling.maxInactiveSeconds: Invalid value: 59: spec.podTemplate.culling.maxInactiveSeconds in body should be greater than or equal to 60',
      'spec.podTemplate.ports[x].protocol: Unsupported value: "TCP": supported values: "HTTP"',
      "spec.podTemplate.ports[x].id: Invalid value: \"x\": spec.podTemplate.ports[x].id in body should match '^[a-z0-9][a-z0-9_-]*[a-z0-9]$'",
      'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_190].spec.imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_190].spec.ports[jupyterlab].port: Invalid value: 70000: spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_190].spec.ports[jupyterlab].port in body should be less than or equal to 65535',
      'spec.podTemplate.options.podConfig.values[tiny_cpu].spec.resources.requests.cpu: Invalid value: 0.5: spec.podTemplate.options.podConfig.values[tiny_cpu].spec.resources.requests.cpu in body must be of type integer,string: "number"',
      'spec.podTemplate.options.podConfig.values[tiny_cpu].spec.resources.requests.memory: Invalid value: "lots": must be a Kubernetes quantity such as "500m", "2Gi"',
      'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_180].spawner.labels: Too many: 33: must have at most 32 items',
      '<root>: Invalid value: some validation rules were not checked',
    ]) {
      expectRejected(validateWorkspaceKind(kind), expected);
    }
    expect(v).toHaveLength(9 + 2); // + the webhook: "x" is not a Kind port any more (2 images use jupyterlab)
  });

  test('embedded core types are validated too (unknown field in a Volume, required VolumeMount fields)', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.extraVolumes[0].emptyDir.sizeLimt = '1Gi';
    kind.spec.podTemplate.extraVolumeMounts.push({ name: 'dshm2' });
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      'spec.podTemplate.extraVolumes[dshm].emptyDir.sizeLimt: Unknown field: unknown field "spec.podTemplate.extraVolumes[dshm].emptyDir.sizeLimt"',
      'spec.podTemplate.extraVolumeMounts[1].mountPath: Required value',
      '<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('CRD defaults are applied as the API server stores them', () => {
    const kind = crdSchema('WorkspaceKind').applyDefaults(webhookKind());
    expect(kind.spec.spawner.hidden).toBe(false);
    expect(kind.spec.podTemplate.culling.enabled).toBe(true);
    expect(kind.spec.podTemplate.options.imageConfig.values[0].spec.imagePullPolicy).toBe('IfNotPresent');
    expect(kind.spec.podTemplate.options.imageConfig.values[0].spawner.hidden).toBe(true);
    expect(kind.spec.podTemplate.options.imageConfig.values[1].spawner.hidden).toBe(false);
    expect(kind.spec.podTemplate.ports[0].httpProxy.removePathPrefix).toBe(false);
    const ws = crdSchema('Workspace').applyDefaults({ spec: { podTemplate: { volumes: { data: [{ pvcName: 'p', mountPath: '/d' }] } } } });
    expect(ws).toEqual({ spec: { paused: false, deferUpdates: false, podTemplate: { volumes: { data: [{ pvcName: 'p', mountPath: '/d', readOnly: false }] } } } });
    const status = crdSchema('Workspace').applyDefaults({ status: { activity: {} } });
    expect(status.status).toEqual({ activity: { lastActivity: 0, lastUpdate: 0 }, pauseTime: 0, pendingRestart: false, state: 'Unknown', stateMessage: '' });
  });
});

describe('type meta and metadata of the objects', () => {
  test('apiVersion and kind', () => {
    const ws = sampleWorkspace();
    ws.apiVersion = 'kubeflow.org/v1alpha1';
    delete ws.kind;
    expect(messages(validateWorkspace(ws))).toEqual([
      'apiVersion: Unsupported value: "kubeflow.org/v1alpha1": supported values: "kubeflow.org/v1beta1"',
      'kind: Required value: must be "Workspace"',
    ]);
    const kind = sampleKind();
    kind.kind = 'Workspace';
    expect(messages(validateWorkspaceKind(kind))).toEqual(['kind: Unsupported value: "Workspace": supported values: "WorkspaceKind"']);
  });

  test('object names, namespace, labels and annotations', () => {
    const ws = sampleWorkspace();
    ws.metadata = { name: 'Bad_Name', namespace: 'Bad.NS', labels: { ok: 'fine', 'a/b/c': 'x' }, annotations: { 'Example.COM/Key': 'v' }, colour: 'red' };
    const v = validateWorkspace(ws);
    expect(v.map((x) => [x.field, x.type, x.value])).toEqual([
      ['metadata.colour', ViolationType.UNKNOWN_FIELD, undefined],
      ['metadata.name', ViolationType.INVALID, 'Bad_Name'],
      ['metadata.namespace', ViolationType.INVALID, 'Bad.NS'],
      ['metadata.labels', ViolationType.INVALID, 'a/b/c'],
    ]);
    const kind = sampleKind();
    kind.metadata.namespace = 'ignored-for-cluster-scoped';
    expectAccepted(validateWorkspaceKind(kind));
    kind.metadata = { generateName: 'jupyterlab-' };
    expectAccepted(validateWorkspaceKind(kind));
    kind.metadata = {};
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      'metadata.name: Required value: name or generateName is required',
      // a blocking ObjectMeta error skips the CEL rules, as on the API server
      '<root>: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });
});
