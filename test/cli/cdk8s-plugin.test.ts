import { spawnSync } from 'child_process';
import * as path from 'path';
import type { Validation, ValidationContext as Cdk8sValidationContext } from 'cdk8s-cli/lib/plugins/validation';
import { ValidationContext, WorkspacesValidation } from '../../lib/cli/cdk8s-plugin';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { BIN, ROOT, tempDir, writeFile, yamlDocuments } from './helpers';

jest.setTimeout(120_000);

// Compile-time: the plugin satisfies cdk8s-cli's contract, and cdk8s-cli's context provides what the plugin uses.
export const asCdk8sPlugin: Validation = new WorkspacesValidation();
export const fromCdk8sContext = (context: Cdk8sValidationContext): ValidationContext => context;

const CDK8S = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

/**
 * A cdk8s project whose app "synthesizes" the given hand-written YAML (as an app with an `Include` would) and whose
 * cdk8s.yaml runs the plugin from this checkout (`package:` a local path, as documented in docs/gitops.md).
 */
function synth(manifest: string, properties?: Record<string, unknown>): { status: number | null; output: string } {
  const dir = tempDir();
  writeFile(dir, 'hand-written.yaml', manifest);
  writeFile(
    dir,
    'app.js',
    "const fs = require('fs');\nfs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });\n" +
      "fs.copyFileSync('hand-written.yaml', `${process.env.CDK8S_OUTDIR}/0000-app.k8s.yaml`);\n",
  );
  const validation = { package: BIN, version: '0.1.0', class: 'WorkspacesValidation', ...(properties ? { properties } : {}) };
  writeFile(dir, 'cdk8s.yaml', `${yamlDocuments({ language: 'typescript', app: 'node app.js', output: 'dist', validations: [validation] })}`);
  const result = spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade'], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('cdk8s validation plugin, run by `cdk8s synth`', () => {
  test('valid manifests pass', () => {
    const result = synth(yamlDocuments(webhookKind(), webhookWorkspace()));
    expect(result.output).toContain('Validations ended succesfully');
    expect(result.output).toContain('kfws validate: no problems in 1 file (1 Workspace, 1 WorkspaceKind)');
    expect(result.status).toBe(0);
  });

  test('a hand-written Workspace the webhook would refuse fails the synth', () => {
    const ws: Mutable = webhookWorkspace();
    ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_200';
    const result = synth(yamlDocuments(webhookKind(), ws));
    expect(result.output).toContain(
      'spec.podTemplate.options.imageConfig: Invalid value: "jupyterlab_scipy_200": imageConfig with id "jupyterlab_scipy_200" not found in workspace kind "jupyterlab"',
    );
    expect(result.output).toMatch(/Resource Name: webhook-workspace/);
    expect(result.output).toMatch(/> spec\.podTemplate\.options\.imageConfig \(line \d+\)/);
    expect(result.output).toContain('Validation failed');
    expect(result.status).toBe(2);
  });

  test('properties.kinds: WorkspaceKinds the app does not define', () => {
    const dir = tempDir();
    const kinds = writeFile(dir, 'kinds.yaml', yamlDocuments(webhookKind()));
    expect(synth(yamlDocuments(webhookWorkspace())).status).toBe(2);
    expect(synth(yamlDocuments(webhookWorkspace()), { kinds: [kinds] }).status).toBe(0);
  });
});
