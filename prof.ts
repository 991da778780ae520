import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadAll, parseEvents, constructFromEvents } from 'js-yaml';
import { parseYaml, decodeManifest } from './lib/cli/yaml';
import { readManifests } from './lib/cli/manifests';
import { validateManifests } from './lib/cli/check';
const ROOT = __dirname;
const SAMPLE_KIND = path.join(ROOT, 'test', 'fixtures', 'jupyterlab_v1beta1_workspacekind.yaml');
const WORKSPACES_PER_FILE = 100;
const IMAGE_CONFIGS = ['jupyterlab_scipy_180', 'jupyterlab_scipy_190'];
const POD_CONFIGS = ['tiny_cpu', 'small_cpu', 'big_gpu'];
function workspaceYaml(i: number): string {
  const ns = `team-${i % 50}`;
  return `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ws-${i}-home
  namespace: ${ns}
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 10Gi
---
apiVersion: kubeflow.org/v1beta1
kind: Workspace
metadata:
  name: ws-${i}
  namespace: ${ns}
  labels:
    app.kubernetes.io/part-of: notebooks
spec:
  kind: jupyterlab
  paused: ${i % 7 === 0}
  deferUpdates: false
  podTemplate:
    podMetadata:
      labels:
        team: ${ns}
      annotations:
        owner: "user-${i}@example.com"
    options:
      imageConfig: ${IMAGE_CONFIGS[i % IMAGE_CONFIGS.length]}
      podConfig: ${POD_CONFIGS[i % POD_CONFIGS.length]}
    volumes:
      home: ws-${i}-home
      data:
        - pvcName: shared-datasets
          mountPath: /data/shared
          readOnly: true
`;
}
function generate(dir: string, count: number): number {
  fs.copyFileSync(SAMPLE_KIND, path.join(dir, 'kind.yaml'));
  let bytes = fs.statSync(SAMPLE_KIND).size;
  for (let start = 0; start < count; start += WORKSPACES_PER_FILE) {
    const docs: string[] = [];
    for (let i = start; i < Math.min(count, start + WORKSPACES_PER_FILE); i++) docs.push(workspaceYaml(i));
    const text = docs.join('---\n');
    fs.writeFileSync(path.join(dir, `workspaces-${String(start / WORKSPACES_PER_FILE).padStart(4, '0')}.yaml`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-prof-'));
generate(dir, 10000);
const files = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
const texts = files.map((b) => b.toString('utf8'));
function cpu(label: string, f: () => void) {
  const best: number[] = [];
  for (let i = 0; i < 4; i++) { const s = process.cpuUsage(); f(); const e = process.cpuUsage(s); best.push((e.user + e.system) / 1000); }
  console.log(label.padEnd(30), Math.min(...best).toFixed(0), 'ms cpu');
}
cpu('decode', () => files.forEach((b) => decodeManifest(b)));
cpu('loadAll', () => texts.forEach((t) => loadAll(t)));
cpu('parseEvents', () => texts.forEach((t) => parseEvents(t, {})));
cpu('events+construct', () => texts.forEach((t) => constructFromEvents(parseEvents(t, {}), { source: t })));
cpu('parseYaml', () => texts.forEach((t) => parseYaml(t, { maxExpandedSize: 16 << 20 })));
cpu('readManifests', () => readManifests([dir], { cwd: dir }));
const set = readManifests([dir], { cwd: dir });
cpu('validate', () => validateManifests(set));
fs.rmSync(dir, { recursive: true });
