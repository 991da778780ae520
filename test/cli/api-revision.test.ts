/**
 * `kfws --api-revision` and the revision detected from the CRDs among the reviewed files, for validate, diff and
 * render. The beta samples and both revisions' CRDs are read from ../shared/reference at test time (copied into
 * temporary folders only).
 */

import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ExitCode } from '../../lib/cli/types';
import { runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';

const REFERENCE = path.resolve(__dirname, '../../../shared/reference');
const BETA = path.join(REFERENCE, 'kubeflow-notebooks-v2-beta0');
const BASE = path.join(REFERENCE, 'kubeflow-notebooks-v1beta1');
const CRD_FILES = ['kubeflow.org_workspacekinds.yaml', 'kubeflow.org_workspaces.yaml'];
const BETA_FILES = ['jupyterlab_v1beta1_workspacekind.yaml', 'codeserver_v1beta1_workspacekind.yaml', 'rstudio_v1beta1_workspacekind.yaml', 'jupyterlab_v1beta1_workspace.yaml'];

/** A folder with the beta samples, and optionally the CRDs of `crds` under `crds/`. */
function betaPlatform(crds?: string): string {
  const dir = tempDir();
  for (const f of BETA_FILES) fs.copyFileSync(path.join(BETA, 'samples', f), path.join(dir, f));
  if (crds) {
    fs.mkdirSync(path.join(dir, 'crds'));
    for (const f of CRD_FILES) fs.copyFileSync(path.join(crds, 'crds', f), path.join(dir, 'crds', f));
  }
  return dir;
}

describe('kfws --api-revision', () => {
  test('the beta samples: refused at the default revision, accepted at v2.0.0-beta.0', () => {
    const dir = betaPlatform();
    const base = runInProcess(['validate', '.'], dir);
    expect(base.status).toBe(ExitCode.FAILED);
    expect(base.stdout).toContain('spec.podTemplate.activityProbe: Unknown field');
    const beta = runInProcess(['validate', '--api-revision', 'v2.0.0-beta.0', '.'], dir);
    expect(beta.stdout).toBe('kfws validate: no problems in 4 files (1 Workspace, 3 WorkspaceKinds)\n');
    expect(beta.status).toBe(ExitCode.OK);
  });

  test('the revision of the CRDs in the reviewed folder is used without the flag', () => {
    const dir = betaPlatform(BETA);
    const result = runInProcess(['validate', '.'], dir);
    expect(result.stdout).toBe('kfws validate: no problems in 6 files (1 Workspace, 3 WorkspaceKinds)\n');
    expect(result.status).toBe(ExitCode.OK);
  });

  test('a flag that contradicts the CRDs is an error naming the file', () => {
    const dir = betaPlatform(BETA);
    const result = runInProcess(['validate', '--api-revision', 'fd7a3d8e', '.'], dir);
    expect(result.status).toBe(ExitCode.UNREADABLE);
    expect(result.stdout).toContain(
      'crds/kubeflow.org_workspaces.yaml:2: error: --api-revision fd7a3d8e, but the CustomResourceDefinition workspaces.kubeflow.org in this file is of v2.0.0-beta.0',
    );
  });

  test('CRDs of both revisions are an error, each file named', () => {
    const dir = betaPlatform(BETA);
    fs.copyFileSync(path.join(BASE, 'crds', CRD_FILES[1]), path.join(dir, 'crds', 'old-workspaces.yaml'));
    const result = runInProcess(['validate', '.'], dir);
    expect(result.status).toBe(ExitCode.UNREADABLE);
    expect(result.stdout).toContain('crds/old-workspaces.yaml:2: error: the CustomResourceDefinitions found are of two API revisions (v2.0.0-beta.0, fd7a3d8e): workspaces.kubeflow.org here is of fd7a3d8e');
  });

  test('an unknown revision is a usage error', () => {
    const result = runInProcess(['validate', '--api-revision', 'v2', '.'], tempDir());
    expect(result.status).toBe(ExitCode.UNREADABLE);
    expect(result.stderr).toContain('kfws: --api-revision must be one of fd7a3d8e, v2.0.0-beta.0, not "v2"');
  });

  test('admission warnings are reported without failing', () => {
    const dir = betaPlatform();
    const file = path.join(dir, BETA_FILES[1]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('secondsSinceActive: 7200', 'secondsSinceActive: 3600'));
    const result = runInProcess(['validate', '--api-revision', 'v2.0.0-beta.0', '.'], dir);
    expect(result.stdout).toContain(
      'warning: WorkspaceKind codeserver (document 1): admission warning: spec.activityRules[0].config.secondsSinceActive (3600) is less than twice the probeIntervalSeconds (3600). This may cause Workspaces to be paused too quickly or prematurely.',
    );
    expect(result.status).toBe(ExitCode.OK);
  });

  test('diff: a platform moving from fd7a3d8e to the beta is checked at each side\'s revision', () => {
    const base = tempDir();
    for (const f of CRD_FILES) fs.copyFileSync(path.join(BASE, 'crds', f), path.join(base, f));
    fs.copyFileSync(path.join(BASE, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml'), path.join(base, 'kind.yaml'));
    const next = betaPlatform(BETA);
    fs.rmSync(path.join(next, 'jupyterlab_v1beta1_workspace.yaml'));
    const result = runInProcess(['diff', '--base-dir', base, '.'], next);
    expect(result.stdout).not.toContain('error');
    expect(result.status).toBe(ExitCode.OK);
    // A beta field removed again under the flag of the base revision is the reviewer's error.
    const wrong = runInProcess(['diff', '--base-dir', base, '--api-revision', 'fd7a3d8e', '.'], next);
    expect(wrong.status).toBe(ExitCode.UNREADABLE);
    expect(wrong.stdout).toContain('--api-revision fd7a3d8e, but the CustomResourceDefinition workspacekinds.kubeflow.org in this file is of v2.0.0-beta.0');
  });

  test('diff: moving a platform to the beta shows the refused fields, then what changes for each Workspace', () => {
    const ROOT = path.resolve(__dirname, '../..');
    const platform = (revision: string, kind: unknown, ws: unknown): string => {
      const dir = tempDir();
      for (const f of CRD_FILES) fs.copyFileSync(path.join(ROOT, 'crds', revision, f), path.join(dir, f));
      writeFile(dir, 'kind.yaml', JSON.stringify(kind));
      writeFile(dir, 'workspace.yaml', JSON.stringify(ws));
      return dir;
    };
    const read = (file: string) => parse(fs.readFileSync(path.join(BASE, 'samples', file), 'utf8'));
    const kind = read('jupyterlab_v1beta1_workspacekind.yaml');
    const ws = read('jupyterlab_v1beta1_workspace.yaml');
    ws.metadata.namespace = 'team-a';
    const base = platform('fd7a3d8e', kind, ws);
    // Only the CRDs change: the objects still carry the fields the beta removed.
    const first = runInProcess(['diff', '--base-dir', base, '.'], platform('v2.0.0-beta.0', kind, ws));
    expect(first.status).toBe(ExitCode.FAILED);
    expect(first.stdout).toContain('spec.podTemplate.serviceAccount.name: Unknown field: unknown field "spec.podTemplate.serviceAccount.name": removed in v2.0.0-beta.0');
    expect(first.stdout).toContain('spec.podTemplate.culling: Unknown field');
    expect(first.stdout).toContain('spec.deferUpdates: Unknown field');
    // Replacements made: accepted, and every Workspace's Pod is replaced (its own ServiceAccount, the new connect path).
    const betaKind = structuredClone(kind);
    betaKind.spec.podTemplate.serviceAccount = { clusterRoles: [{ name: 'kubeflow-edit' }] };
    delete betaKind.spec.podTemplate.culling;
    betaKind.spec.podTemplate.activityProbe = { jupyter: { lastActivity: true, portId: 'jupyterlab' } };
    betaKind.spec.activityRules = [{ config: { secondsSinceActive: 86400 }, effect: { pauseWorkspace: true } }];
    const betaWs = structuredClone(ws);
    delete betaWs.spec.deferUpdates;
    const second = runInProcess(['diff', '--base-dir', base, '.'], platform('v2.0.0-beta.0', betaKind, betaWs));
    expect(second.stdout).toContain(
      'Workspace team-a/jupyterlab-workspace: its Pod is replaced: the Pod template changes (spec.serviceAccountName, spec.containers[main].env[NB_PREFIX].value)',
    );
    expect(second.stdout).toContain('kfws diff: no problems in 4 files (1 Workspace, 1 WorkspaceKind)');
    expect(second.status).toBe(ExitCode.OK);
  });

  test('diff at the beta: removed fields in a change are refused with their replacement', () => {
    const base = betaPlatform();
    const next = betaPlatform();
    const file = path.join(next, BETA_FILES[3]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  paused: false', '  paused: false\n  deferUpdates: true'));
    const result = runInProcess(['diff', '--base-dir', base, '--api-revision', 'v2.0.0-beta.0', '.'], next);
    expect(result.status).toBe(ExitCode.FAILED);
    expect(result.stdout).toContain('spec.deferUpdates: Unknown field: unknown field "spec.deferUpdates": removed in v2.0.0-beta.0');
  });

  test('render takes the flag', () => {
    const dir = tempDir();
    writeFile(dir, 'x.yaml', yamlDocuments({ apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', metadata: { name: 'w', namespace: 'team-a' }, spec: { displayName: 'W' } }));
    const result = runInProcess(['render', '--api-revision', 'v2.0.0-beta.0', 'x.yaml'], dir);
    expect(result.stderr).not.toContain('spec.displayName');
    expect(runInProcess(['render', 'x.yaml'], dir).stderr).toContain('spec.displayName: Unknown field');
  });
});
