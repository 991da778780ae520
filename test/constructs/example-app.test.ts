import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { buildExampleApp } from '../../apps/main';

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

  test('two synths write byte-identical files', () => {
    const first = synthToFolder();
    const second = synthToFolder();
    expect(Object.keys(first).length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });
});
