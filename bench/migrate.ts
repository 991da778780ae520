/**
 * `kfws migrate` benchmark: N Notebooks (default 5,000) as the Jupyter web app writes them — in files of 100, each
 * Notebook with its workspace PVC, across 50 namespaces, 10 images, 6 sizes, every 4th with a data volume, every 7th
 * stopped, every 3rd a VS Code server, every 10th with an env var of its own (a kind of its own) — migrated
 *  - end to end: `node bin/kfws migrate --format yaml` and `--format typescript`, process start to exit;
 *  - in process: reading, the mapping, the core's validation of the output, and writing the YAML, timed separately.
 *
 * Usage: npm run bench:migrate [-- --count 5000 --repeat 3]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { validateWorkspace, validateWorkspaceKind } from '../lib/core/validation';
import { yamlFiles } from '../lib/cli/migrate/output';
import { planMigration } from '../lib/cli/migrate/plan';
import { readMigrationInput } from '../lib/cli/migrate/read';
import { DEFAULT_MAX_FILE_SIZE } from '../lib/cli/files';

const NOTEBOOKS_PER_FILE = 100;
const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'kfws');
const IMAGES = ['jupyter-scipy', 'jupyter-pytorch-full', 'jupyter-tensorflow-full', 'codeserver-python', 'jupyter-pytorch-cuda-full'];
const SIZES: readonly [string, string][] = [['0.5', '1Gi'], ['1', '2Gi'], ['2', '4Gi'], ['4', '8Gi'], ['8', '16Gi'], ['16', '64Gi']];

function notebookYaml(i: number): string {
  const ns = `team-${i % 50}`;
  const name = `nb-${i}`;
  const codeServer = i % 3 === 0;
  const image = `ghcr.io/kubeflow/kubeflow/notebook-servers/${IMAGES[i % IMAGES.length]}:v1.${9 + (i % 2)}.0`;
  const [cpu, memory] = SIZES[i % SIZES.length];
  const data = i % 4 === 0;
  return `apiVersion: kubeflow.org/v1beta1
kind: Notebook
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
  annotations:
    notebooks.kubeflow.org/server-type: ${codeServer ? 'group-one' : 'jupyter'}
    notebooks.kubeflow.org/creator: user${i % 97}@example.com
${codeServer ? '    notebooks.kubeflow.org/http-rewrite-uri: /\n' : ''}${i % 7 === 0 ? "    kubeflow-resource-stopped: '2025-03-19T17:40:12Z'\n" : ''}spec:
  template:
    spec:
      serviceAccountName: default-editor
      containers:
      - name: ${name}
        image: ${image}
        imagePullPolicy: IfNotPresent
        env: ${i % 10 === 0 ? `[{name: PROJECT, value: project-${i % 5}}]` : '[]'}
        resources:
          requests: {cpu: '${cpu}', memory: ${memory}}
          limits: {cpu: '${cpu}', memory: ${memory}}
        volumeMounts:
        - {name: dshm, mountPath: /dev/shm}
        - {name: ${name}-workspace, mountPath: /home/jovyan}
${data ? `        - {name: ${name}-data, mountPath: /home/jovyan/data}\n` : ''}      volumes:
      - {name: dshm, emptyDir: {medium: Memory}}
      - {name: ${name}-workspace, persistentVolumeClaim: {claimName: ${name}-workspace}}
${data ? `      - {name: ${name}-data, persistentVolumeClaim: {claimName: ${name}-data}}\n` : ''}      tolerations: []
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}-workspace
  namespace: ${ns}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
`;
}

function generate(dir: string, count: number): void {
  for (let start = 0; start < count; start += NOTEBOOKS_PER_FILE) {
    const docs: string[] = [];
    for (let i = start; i < Math.min(count, start + NOTEBOOKS_PER_FILE); i++) docs.push(notebookYaml(i));
    fs.writeFileSync(path.join(dir, `notebooks-${String(start / NOTEBOOKS_PER_FILE).padStart(4, '0')}.yaml`), docs.join('---\n'));
  }
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function endToEnd(dir: string, out: string, format: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, 'migrate', '--out', out, '--format', format, dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const s = seconds(start);
  if (r.status !== 0) throw new Error(`kfws migrate exited with ${r.status}: ${r.stderr}${r.stdout.slice(-2000)}`);
  return s;
}

function main(): void {
  const { values } = parseArgs({ options: { count: { type: 'string' }, repeat: { type: 'string' } } });
  const count = Number(values.count ?? 5000);
  const repeat = Number(values.repeat ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-bench-migrate-'));
  try {
    generate(dir, count);
    const rows: string[][] = [];
    for (let run = 1; run <= repeat; run++) {
      let t = process.hrtime.bigint();
      const read = readMigrationInput([dir], process.cwd(), DEFAULT_MAX_FILE_SIZE);
      const readS = seconds(t);
      t = process.hrtime.bigint();
      const plan = planMigration(read.input);
      const planS = seconds(t);
      t = process.hrtime.bigint();
      const kinds = new Map(plan.kinds.map((k) => [k.metadata.name, k]));
      let violations = plan.kinds.reduce((n, k) => n + validateWorkspaceKind(k).length, 0);
      for (const ws of plan.workspaces) violations += validateWorkspace(ws, { kind: kinds.get(ws.spec!.kind) }).length;
      const validateS = seconds(t);
      t = process.hrtime.bigint();
      const bytes = Object.values(yamlFiles(plan)).reduce((n, text) => n + text.length, 0);
      const writeS = seconds(t);
      if (violations > 0 || plan.errors.length > 0) throw new Error(`${violations} violations, ${plan.errors.length} errors`);
      const yamlS = endToEnd(dir, path.join(dir, 'out-yaml'), 'yaml');
      const tsS = endToEnd(dir, path.join(dir, 'out-ts'), 'typescript');
      rows.push([String(run), String(plan.workspaces.length), String(plan.kinds.length), readS.toFixed(2), planS.toFixed(2), validateS.toFixed(2), writeS.toFixed(2), (bytes / 1e6).toFixed(1), yamlS.toFixed(2), tsS.toFixed(2)]);
    }
    const header = ['run', 'Notebooks', 'kinds', 'read s', 'map s', 'validate s', 'YAML s', 'YAML MB', 'kfws yaml s', 'kfws typescript s'];
    console.log(`kfws migrate, ${count} Notebooks in ${Math.ceil(count / NOTEBOOKS_PER_FILE)} files (${os.cpus().length} CPUs, node ${process.version})\n`);
    console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
