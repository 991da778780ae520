import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildExampleApp } from '../../apps/main';
import { validateWorkspace, validateWorkspaceKind } from '../../lib/core/validation';

function synthToFolder(): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-example-'));
  try {
    const app = new App({ outdir });
    buildExampleApp(app);
    app.synth();
    const files: Record<string, string> = {};
    for (const file of fs.readdirSync(outdir).sort()) {
      files[file] = fs.readFileSync(path.join(outdir, file), 'utf8');
    }
    return files;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('example app', () => {
  test('synthesizes the kind, the Workspaces and their claims (snapshot)', () => {
    const app = Testing.app();
    buildExampleApp(app);
    const manifests = app.charts.map(chart => Testing.synth(chart));
    expect(manifests).toMatchSnapshot();
  });

  test('every new claim comes before the Workspace that mounts it', () => {
    const app = Testing.app();
    buildExampleApp(app);
    const objects = app.charts.flatMap(chart => Testing.synth(chart));
    const order = objects.map(o => `${o.kind}/${o.metadata.name}`);
    expect(order.indexOf('PersistentVolumeClaim/alice-home')).toBeLessThan(order.indexOf('Workspace/alice'));
    expect(order.indexOf('PersistentVolumeClaim/shared-datasets')).toBeLessThan(order.indexOf('Workspace/bob'));
    expect(order.indexOf('PersistentVolumeClaim/carol-home')).toBeLessThan(order.indexOf('Workspace/carol'));
    expect(order.indexOf('WorkspaceKind/jupyterlab')).toBeLessThan(order.indexOf('Workspace/alice'));
  });

  test('every Workspace and WorkspaceKind written to dist/ is valid, read back from the YAML', () => {
    const objects = Object.values(synthToFolder()).flatMap(text => parseAllDocuments(text).map(doc => doc.toJS()));
    const kinds = objects.filter(o => o.kind === 'WorkspaceKind');
    const workspaces = objects.filter(o => o.kind === 'Workspace');
    expect(kinds.map(k => k.metadata.name)).toEqual(['jupyterlab']);
    expect(workspaces.map(w => w.metadata.name)).toEqual(['alice', 'bob', 'carol']);
    for (const kind of kinds) {
      expect(validateWorkspaceKind(kind)).toEqual([]);
    }
    for (const workspace of workspaces) {
      expect(validateWorkspace(workspace, { kind: kinds[0], requireKind: true })).toEqual([]);
    }
  });

  test('two synths write byte-identical files', () => {
    const first = synthToFolder();
    const second = synthToFolder();
    expect(Object.keys(first).length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });
});
