import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, ROOT, tempDir, writeFile, yamlDocuments } from '../cli/helpers';

jest.setTimeout(180_000);

const CDK8S = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

/** A cdk8s project whose app is this checkout's example app (a `WorkspacesApp`), synthesized by `cdk8s synth`. */
function cdk8sSynth(validations: boolean): { status: number | null; output: string; dist: string } {
  const dir = tempDir();
  writeFile(dir, 'app.js', [
    `require(${JSON.stringify(path.join(ROOT, 'node_modules', 'ts-node'))}).register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, 'tsconfig.json'))} });`,
    `const { buildExampleApp, newExampleApp } = require(${JSON.stringify(path.join(ROOT, 'apps', 'main.ts'))});`,
    'const app = newExampleApp();',
    'buildExampleApp(app);',
    'app.synth();',
  ].join('\n'));
  const config: Record<string, unknown> = { language: 'typescript', app: 'node app.js', output: 'dist' };
  if (validations) {
    config.validations = [{ package: BIN, version: '0.1.0', class: 'WorkspacesValidation' }];
  }
  writeFile(dir, 'cdk8s.yaml', yamlDocuments(config));
  const result = spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade'], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr, dist: path.join(dir, 'dist') };
}

describe('WorkspacesApp under `cdk8s synth`', () => {
  test('writes the example app in stage-named files', () => {
    const result = cdk8sSynth(false);
    expect(result.status).toBe(0);
    expect(fs.readdirSync(result.dist).sort()).toEqual([
      '10-install.k8s.yaml', '20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-ml.k8s.yaml',
    ]);
  });

  test('with the validation plugin, the report passes and construct-metadata.json does not stay in dist/', () => {
    const result = cdk8sSynth(true);
    expect(result.output).toContain('Validations ended succesfully');
    expect(result.status).toBe(0);
    expect(fs.readdirSync(result.dist).sort()).toEqual([
      '10-install.k8s.yaml', '20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-ml.k8s.yaml',
    ]);
  });
});
