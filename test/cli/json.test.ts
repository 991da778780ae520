import * as fs from 'fs';
import * as path from 'path';
import { isPlainObject } from '../../lib/core/json';
import { ROOT } from './helpers';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('isPlainObject (lib/core/json.ts)', () => {
  test('JSON objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject({ a: 1 })).toBe(true);
    for (const v of [null, undefined, [], [{}], 'x', 1, true]) expect(isPlainObject(v)).toBe(false);
  });

  test('is the one definition the CLI and the core use', () => {
    const definitions = sources(path.join(ROOT, 'lib'))
      .filter((f) => /function isPlainObject\b/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
    expect(definitions).toEqual(['lib/core/json.ts']);
  });
});
