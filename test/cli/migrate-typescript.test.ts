/**
 * `kfws migrate --format typescript` writes a cdk8s app that compiles against this library (tsc, strict, as a user's
 * project would import it) and synthesizes byte for byte the YAML of `--format yaml`.
 */

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../lib/cli/main';
import { ExitCode } from '../../lib/cli/types';
import { ROOT, tempDir } from './helpers';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'reference', 'kubeflow-notebooks-v1-corpus');
// 07 is bad input; 15 and 28 are Notebooks named like 01 without a namespace (they are migrated one by one elsewhere).
const LEFT_OUT = ['07-', '15-', '28-'];

function migrate(args: string[]): { status: ExitCode; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = run(['migrate', ...args], { cwd: ROOT, env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

/** A folder where `cdk8s-kubeflow-workspaces`, `cdk8s` and `constructs` resolve as in a user's project. */
function userProject(dir: string): void {
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, 'cdk8s-kubeflow-workspaces'), { recursive: true });
  for (const dep of ['cdk8s', 'constructs']) fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(modules, dep));
  // At run time the package is this checkout's sources.
  fs.writeFileSync(
    path.join(modules, 'cdk8s-kubeflow-workspaces', 'index.js'),
    `require(${JSON.stringify(path.join(ROOT, 'node_modules', 'ts-node'))}).register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, 'tsconfig.json'))} });\n` +
      `module.exports = require(${JSON.stringify(path.join(ROOT, 'lib', 'index.ts'))});\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, noUnusedLocals: true,
        esModuleInterop: true, skipLibCheck: true, resolveJsonModule: true, outDir: 'out',
        types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        baseUrl: '.', paths: { 'cdk8s-kubeflow-workspaces': [path.join(ROOT, 'lib', 'index.ts')] },
      },
      files: ['main.ts', 'kinds.ts'],
    }),
  );
}

test('the TypeScript app compiles and synthesizes exactly the YAML output', () => {
  const inputs = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.yaml') && !LEFT_OUT.some((p) => f.startsWith(p))).map((f) => path.join(CORPUS, f));
  const yamlDir = tempDir();
  const tsDir = tempDir();
  const y = migrate(['--out', yamlDir, ...inputs]);
  const t = migrate(['--out', tsDir, '--format', 'typescript', ...inputs]);
  expect(y.stderr).toBe('');
  expect(t.stdout).toBe(y.stdout.replace(/wrote .*\n$/, `wrote kinds.ts, main.ts to ${tsDir}\n`));
  expect(y.status).toBe(ExitCode.FAILED); // the sidecars of the OpenShift workbenches are reported
  expect(fs.readdirSync(tsDir).sort()).toEqual(['kinds.ts', 'main.ts']);

  userProject(tsDir);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(tsDir, 'tsconfig.json')], { stdio: 'pipe' });
  const outDir = path.join(tsDir, 'dist');
  const mainJs = execFileSync('find', [path.join(tsDir, 'out'), '-name', 'main.js'], { encoding: 'utf8' }).trim();
  execFileSync(process.execPath, [mainJs], { cwd: tsDir, env: { ...process.env, CDK8S_OUTDIR: outDir }, stdio: 'pipe' });

  const expected = fs.readdirSync(yamlDir).sort();
  expect(fs.readdirSync(outDir).sort()).toEqual(expected);
  for (const file of expected) {
    expect(fs.readFileSync(path.join(outDir, file), 'utf8')).toBe(fs.readFileSync(path.join(yamlDir, file), 'utf8'));
  }
}, 240000);
