import {
  validateWorkspace,
  validateWorkspaceKind,
  validateWorkspaceKindDelete,
  validateWorkspaceKindUpdate,
  validateWorkspaceUpdate,
  Violation,
} from '../../lib/core/validation';
import { Mutable, webhookKind, webhookWorkspace } from './fixtures';

const JUNK: unknown[] = [null, undefined, 0, -1.5, 'x', '', true, [], [null], {}, { spec: 'x' }];

/** Every path (as key lists) of a JSON value, parents before children. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function withValueAt(base: Mutable, at: (string | number)[], value: unknown): Mutable {
  if (at.length === 0) return value;
  const copy = structuredClone(base);
  let cur = copy;
  for (const k of at.slice(0, -1)) cur = cur[k];
  cur[at[at.length - 1]] = value;
  return copy;
}

function expectViolationList(v: Violation[]): void {
  expect(Array.isArray(v)).toBe(true);
  for (const x of v) expect(typeof x.field === 'string' && typeof x.detail === 'string').toBe(true);
}

describe('bad input never throws', () => {
  test.each(JUNK.map((j) => [JSON.stringify(j) ?? 'undefined', j]))('top level %s', (_, junk) => {
    const kind = webhookKind();
    const ws = webhookWorkspace();
    const usage = () => 1;
    expectViolationList(validateWorkspaceKind(junk));
    expectViolationList(validateWorkspace(junk, { requireKind: true }));
    expectViolationList(validateWorkspace(ws, { kind: junk as Mutable }));
    expectViolationList(validateWorkspaceKindUpdate(junk, kind, usage));
    expectViolationList(validateWorkspaceKindUpdate(kind, junk, usage));
    expectViolationList(validateWorkspaceUpdate(junk, ws, kind));
    expectViolationList(validateWorkspaceUpdate(ws, junk, junk as Mutable));
    expectViolationList(validateWorkspaceKindDelete(junk as Mutable));
  });

  test('non-objects are rejected, not accepted', () => {
    for (const junk of [null, 42, 'kind', [], [{}]]) {
      expect(validateWorkspaceKind(junk)[0].detail).toMatch(/^<root> in body must be of type object/);
      expect(validateWorkspace(junk).length).toBeGreaterThan(0);
    }
    // the missing name blocks the CEL rules (the notice at <root>), as on the API server
    expect(validateWorkspace({}).map((v) => v.field)).toEqual(['apiVersion', 'kind', 'metadata.name', '<root>']);
  });

  test('junk at every position of a Kind and a Workspace yields violations or passes, never throws', () => {
    const kind = webhookKind();
    const ws = webhookWorkspace();
    const junk = [null, 7, 'x', [], {}];
    const malformed: string[] = [];
    const wellFormed = (v: Violation[]) => Array.isArray(v) && v.every((x) => typeof x.field === 'string' && typeof x.detail === 'string');
    let rejected = 0;
    const kindPaths = paths(kind).slice(1);
    // One junk value per position, rotating, keeps this cheap while covering every type at every depth.
    kindPaths.forEach((at, i) => {
      const bad = withValueAt(kind, at, junk[i % junk.length]);
      const v = validateWorkspaceKind(bad);
      if (v.length > 0) rejected += 1;
      if (!wellFormed(v) || !wellFormed(validateWorkspaceKindUpdate(kind, bad, () => 1)) || !wellFormed(validateWorkspace(ws, { kind: bad }))) {
        malformed.push(at.join('.'));
      }
    });
    paths(ws).slice(1).forEach((at, i) => {
      for (const j of junk) {
        const bad = withValueAt(ws, at, j);
        if (!wellFormed(validateWorkspace(bad, { kind })) || !wellFormed(validateWorkspaceUpdate(ws, bad, kind))) malformed.push(`${at.join('.')}#${i}`);
      }
    });
    expect(malformed).toEqual([]);
    // Most replacements break something; the few accepted ones are e.g. `{}` for an optional object.
    expect(rejected / kindPaths.length).toBeGreaterThan(0.8);
  });
});
