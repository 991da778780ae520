/** imports/k8s.ts holds the L1 classes of the kinds the library writes and no other (scripts/import-k8s.ts KINDS). */
import * as fs from 'fs';
import * as path from 'path';
import { KINDS } from '../../scripts/import-k8s';

const ROOT = path.resolve(__dirname, '..', '..');

describe('imports/k8s.ts', () => {
  it('holds a class for each kind the library writes, and no other', () => {
    const committed = fs.readFileSync(path.join(ROOT, 'imports', 'k8s.ts'), 'utf8');
    const classes = [...committed.matchAll(/^export class (Kube\w+) extends ApiObject/gm)].map((m) => m[1]).sort();
    expect(classes).toEqual(KINDS.map((k) => `Kube${k.split('.').pop()}`).sort());
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (f.endsWith('.ts')) for (const m of fs.readFileSync(f, 'utf8').matchAll(/k8s\.(Kube\w+)/g)) used.add(m[1]);
      }
    };
    walk(path.join(ROOT, 'lib'));
    expect([...used].sort()).toEqual(classes);
  });
});
