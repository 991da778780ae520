import {
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validatePodMetadata,
} from '../../lib/core/validation/metadata';
import { ViolationType } from '../../lib/core/validation/violation';
import { messages } from './fixtures';

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('qualified names (label and annotation keys)', () => {
  test.each(['a', 'my-label', 'My_Label.1', 'example.com/key', 'a.b.c/X', `${'a'.repeat(253)}/${'b'.repeat(63)}`])('%s is valid', (k) => {
    expect(isQualifiedName(k)).toEqual([]);
  });

  test('messages of the API server', () => {
    expect(isQualifiedName('!bad-key!')).toEqual([NAME_PART]);
    expect(isQualifiedName('')).toEqual(['name part must be non-empty', NAME_PART]);
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('Example.com/x')).toEqual([`prefix part ${SUBDOMAIN}`]);
    expect(isQualifiedName(`${'a'.repeat(254)}/x`)).toEqual(['prefix part must be no more than 253 characters']);
    expect(isQualifiedName('a'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });
});

describe('label values, DNS names', () => {
  test('label values', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('v1.2_3-x')).toEqual([]);
    expect(isValidLabelValue('-x')).toHaveLength(1);
    expect(isValidLabelValue('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
    expect(isValidLabelValue('é')[0]).toMatch(/^a valid label must be an empty string or consist of/);
  });

  test('DNS-1123 labels and subdomains', () => {
    expect(isDns1123Label('my-ns')).toEqual([]);
    expect(isDns1123Label('my.ns')).toHaveLength(1);
    expect(isDns1123Label('a'.repeat(64))).toHaveLength(1);
    expect(isDns1123Subdomain('a.b-c.d')).toEqual([]);
    expect(isDns1123Subdomain('A')).toEqual([SUBDOMAIN]);
    expect(isDns1123Subdomain('a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });
});

describe('label and annotation maps', () => {
  test('keys and values are reported at the map path with the offending string', () => {
    const v = validateLabels({ '!k!': 'ok', good: '!v!' }, 'spec.labels');
    expect(v.map((x) => [x.field, x.value])).toEqual([
      ['spec.labels', '!k!'],
      ['spec.labels', '!v!'],
    ]);
    expect(validateLabels({ a: 'b' }, 'x')).toEqual([]);
    expect(validateLabels('not a map', 'x')).toEqual([]);
  });

  test('annotation keys are checked lower-cased; values are free', () => {
    expect(validateAnnotations({ 'Example.COM/Some_Key': '!!! anything !!!' }, 'a')).toEqual([]);
    expect(messages(validateAnnotations({ 'a b': '' }, 'meta.annotations'))).toEqual([`meta.annotations: Invalid value: "a b": ${NAME_PART}`]);
  });

  test('the total size of annotations is limited to 256 KiB (bytes, keys included)', () => {
    expect(validateAnnotations({ k: 'x'.repeat(262143) }, 'a')).toEqual([]);
    const v = validateAnnotations({ k: 'x'.repeat(262144) }, 'a');
    expect(v).toEqual([{ field: 'a', type: ViolationType.TOO_LONG, value: 262145, detail: 'may not be more than 262144 bytes' }]);
    // Multi-byte characters count by their UTF-8 size.
    expect(validateAnnotations({ k: 'é'.repeat(131072) }, 'a')).toHaveLength(1);
  });

  test('podMetadata: labels then annotations', () => {
    expect(validatePodMetadata({ labels: { '!a!': '' }, annotations: { '!b!': '' } }, 'p').map((v) => [v.field, v.value])).toEqual([
      ['p.labels', '!a!'],
      ['p.annotations', '!b!'],
    ]);
    expect(validatePodMetadata(undefined, 'p')).toEqual([]);
  });
});

describe('object metadata', () => {
  test('accepted', () => {
    expect(validateObjectMeta({ name: 'a.b', namespace: 'ns', labels: { a: 'b', n: null }, annotations: {} }, { namespaced: true })).toEqual([]);
    expect(validateObjectMeta({ generateName: 'ws-' }, { namespaced: true })).toEqual([]);
    expect(validateObjectMeta({ name: 'x', namespace: 'ignored.for.cluster' }, { namespaced: false })).toEqual([]);
  });

  test('rejected', () => {
    expect(messages(validateObjectMeta(undefined, { namespaced: false }))).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(messages(validateObjectMeta('x', { namespaced: false }))).toEqual(['metadata: Invalid value: "x": must be of type object: "string"']);
    expect(messages(validateObjectMeta({ name: 'x'.repeat(254) }, { namespaced: false }))).toEqual([
      `metadata.name: Invalid value: "${'x'.repeat(254)}": must be no more than 253 characters`,
    ]);
    expect(messages(validateObjectMeta({ generateName: 'Bad-' }, { namespaced: false }))[0]).toContain('metadata.generateName: Invalid value: "Bad-": a lowercase RFC 1123 subdomain');
    expect(messages(validateObjectMeta({ name: 'x', labels: { a: 1 }, annotations: [] }, { namespaced: false }))).toEqual([
      'metadata.labels.a: Invalid value: 1: must be of type string: "number"',
      'metadata.annotations: Invalid value: []: must be of type object: "array"',
    ]);
    expect(messages(validateObjectMeta({ name: 7 }, { namespaced: false }))).toEqual(['metadata.name: Invalid value: 7: must be of type string: "number"']);
  });
});
