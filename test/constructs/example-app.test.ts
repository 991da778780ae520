import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildExampleApp, newExampleApp } from '../../apps/main';
import { synthToFiles } from '../platform/helpers';
import { InstallMode } from '../../lib';
import { validateWorkspace, validateWorkspaceKind } from '../../lib/core/validation';

function synthToFolder(mode = InstallMode.FULL): Record<string, string> {
  return synthToFiles(app => buildExampleApp(app, mode), newExampleApp);
}

describe('example app', () => {
  test('synthesizes the install, the tenant, the kind, the Workspaces and their claims (snapshot)', () => {
    const app = Testing.app();
    buildExampleApp(app);
    // The CRDs are tested equal to crds/ elsewhere; the snapshot keeps the review of everything else readable.
    const manifests = app.charts.map(chart => Testing.synth(chart).map(o =>
      o.kind === 'CustomResourceDefinition' ? { ...o, spec: '<as in crds/>' } : o));
    expect(manifests).toMatchSnapshot();
  });

  test('files are named by apply stage, in apply order: install, tenants, kinds, Workspaces', () => {
    expect(Object.keys(synthToFolder())).toEqual([
      '10-install.k8s.yaml', '20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-ml.k8s.yaml',
    ]);
  });

  test('with the controller provided, no empty install file is written', () => {
    const files = synthToFolder(InstallMode.CONTROLLER_PROVIDED);
    expect(Object.keys(files)).toEqual(['20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-ml.k8s.yaml']);
    for (const text of Object.values(files)) {
      expect(parseAllDocuments(text).map(doc => doc.toJS()).filter(Boolean).length).toBeGreaterThan(0);
    }
  });

  test('with the controller provided by the platform, no CRD, ClusterRole or Deployment is synthesized', () => {
    const app = Testing.app();
    buildExampleApp(app, InstallMode.CONTROLLER_PROVIDED);
    const kinds = app.charts.flatMap(chart => Testing.synth(chart)).map(o => o.kind);
    expect(kinds).not.toContain('CustomResourceDefinition');
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('Deployment');
    expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'WorkspaceKind', 'Workspace', 'PersistentVolumeClaim']));
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
