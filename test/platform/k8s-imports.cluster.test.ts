/**
 * imports/k8s.ts is what scripts/import-k8s.ts generates from the OpenAPI document of the oldest supported
 * kube-apiserver: a control plane of that version is started for this suite (API mode, its own), so the classes the
 * platform charts are written with can hold no field that version lacks.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generate, OLDEST_SUPPORTED_MINOR, servedOpenApi } from '../../scripts/import-k8s';
import { binaryCacheDir, K8S_VERSION_ENV, pinnedVersions } from '../cluster/control-plane';
import { skipSuite } from '../cluster/skips';

const ROOT = path.resolve(__dirname, '..', '..');

/** The pinned version of the oldest supported API server, and whether build.sh has built it. */
function oldestApiServer(): { version: string; built: boolean } {
  const previous = process.env[K8S_VERSION_ENV];
  process.env[K8S_VERSION_ENV] = OLDEST_SUPPORTED_MINOR;
  try {
    const version = pinnedVersions().k8s;
    return { version, built: fs.existsSync(path.join(binaryCacheDir(version), 'kube-apiserver')) };
  } finally {
    if (previous === undefined) delete process.env[K8S_VERSION_ENV];
    else process.env[K8S_VERSION_ENV] = previous;
  }
}

const oldest = oldestApiServer();
const suite = `imports/k8s.ts from kube-apiserver ${oldest.version}`;

if (!oldest.built) {
  skipSuite(suite, `kube-apiserver ${oldest.version} is not built: run ${K8S_VERSION_ENV}=${OLDEST_SUPPORTED_MINOR} test/cluster/build.sh`);
} else {
  describe(suite, () => {
    it('equals a fresh generation from the OpenAPI document the API server serves', async () => {
      const { openapi, version } = await servedOpenApi();
      expect(`v${version}`).toBe(oldest.version);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-import-k8s-test-'));
      try {
        await generate(openapi, version, out);
        const fresh = fs.readFileSync(path.join(out, 'k8s.ts'), 'utf8');
        const committed = fs.readFileSync(path.join(ROOT, 'imports', 'k8s.ts'), 'utf8');
        expect(fresh === committed).toBe(true);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    }, 240_000);
  });
}
