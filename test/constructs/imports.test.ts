import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');

// GIVEN the CRD files and cdk8s.yaml of the repo
// WHEN cdk8s import regenerates the classes
// THEN they equal the committed imports/ byte for byte
test('committed imports/ equal a fresh cdk8s import of crds/', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-import-'));
  try {
    execFileSync(path.join(root, 'node_modules/.bin/cdk8s'), ['import', '--output', out], { cwd: root, stdio: 'pipe' });
    // imports/k8s.ts comes from scripts/import-k8s.ts (test/platform/k8s-imports.cluster.test.ts checks it)
    const committed = fs.readdirSync(path.join(root, 'imports')).filter((f) => f !== 'k8s.ts').sort();
    const fresh = fs.readdirSync(out).sort();
    expect(fresh).toEqual(committed);
    for (const file of committed) {
      const same = fs.readFileSync(path.join(out, file), 'utf8') === fs.readFileSync(path.join(root, 'imports', file), 'utf8');
      expect({ file, same }).toEqual({ file, same: true });
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
