import { CRD_FILES } from '../../lib/core/crds';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import {
  ApplyOrder,
  ApplyStage,
  InstallMode,
  MemberKind,
  WorkspacesInstallChart,
  WorkspacesTenant,
} from '../../lib/platform';
import { identities, Manifest, synthObjects, synthToFiles } from './helpers';

/** Plain objects, so that the order is shown to depend on apiVersion and kind only, not on this package's classes. */
function addKind(scope: Construct, name: string): ApiObject {
  return new ApiObject(scope, `Kind-${name}`, {
    apiVersion: 'kubeflow.org/v1beta1', kind: 'WorkspaceKind', metadata: { name }, spec: {},
  });
}

function addClaim(scope: Construct, namespace: string, name: string): ApiObject {
  return new ApiObject(scope, `Claim-${name}`, {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
}

function addWorkspace(scope: Construct, namespace: string, name: string, kind: string, home: string, data: string[] = []): ApiObject {
  return new ApiObject(scope, `Workspace-${name}`, {
    apiVersion: 'kubeflow.org/v1beta1', kind: 'Workspace', metadata: { name, namespace },
    spec: {
      kind,
      podTemplate: {
        volumes: { home, data: data.map(pvcName => ({ pvcName, mountPath: `/data/${pvcName}` })) },
        options: { imageConfig: 'default', podConfig: 'default' },
      },
    },
  });
}

/** The usual layout, with the charts created in reverse of the order they must be applied in. */
function buildPlatformApp(app: App, mode = InstallMode.FULL): void {
  const workspaces = new Chart(app, 'workspaces');
  addWorkspace(workspaces, 'team-ml', 'alice', 'jupyterlab', 'alice-home');
  addClaim(workspaces, 'team-ml', 'alice-home');
  const kinds = new Chart(app, 'kinds');
  addKind(kinds, 'jupyterlab');
  const tenants = new Chart(app, 'tenants');
  new WorkspacesTenant(tenants, 'TeamMl', { namespace: 'team-ml', mode, members: [{ kind: MemberKind.GROUP, name: 'ml' }] });
  new WorkspacesInstallChart(app, 'install', { mode });
}

function waveOf(object: Manifest): string | undefined {
  return object.metadata.annotations?.[ApplyOrder.ARGO_CD_SYNC_WAVE_ANNOTATION];
}

describe('ApplyOrder', () => {
  test('writes the install, then tenants, then kinds, then Workspaces, whatever order the charts were made in', () => {
    const files = synthToFiles(app => {
      buildPlatformApp(app);
      ApplyOrder.arrange(app);
    });
    expect(Object.keys(files)).toEqual(['0000-install.k8s.yaml', '0001-tenants.k8s.yaml', '0002-kinds.k8s.yaml', '0003-workspaces.k8s.yaml']);
  });

  test('writes CRDs that equal the crds/ files once read back from YAML', () => {
    const files = synthToFiles(app => {
      buildPlatformApp(app);
      ApplyOrder.arrange(app);
    });
    const written = parseAllDocuments(files['0000-install.k8s.yaml']).map(doc => doc.toJS())
      .filter(object => object.kind === 'CustomResourceDefinition');
    const expected = CRD_FILES.map(c => c.file).map(file =>
      parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', '..', 'crds', 'fd7a3d8e', file), 'utf8'))[0].toJS());
    expect(written).toEqual(expected);
  });

  test('with the controller provided, writes no install objects and still orders tenants, kinds and Workspaces', () => {
    const files = synthToFiles(app => {
      buildPlatformApp(app, InstallMode.CONTROLLER_PROVIDED);
      ApplyOrder.arrange(app);
    });
    expect(Object.keys(files)).toEqual(['0000-tenants.k8s.yaml', '0001-kinds.k8s.yaml', '0002-workspaces.k8s.yaml', '0003-install.k8s.yaml']);
    expect(files['0003-install.k8s.yaml']).toBe('');
    const kinds = Object.values(files).flatMap(text => parseAllDocuments(text).map(doc => doc.toJS()?.kind)).filter(Boolean);
    expect(kinds).not.toContain('CustomResourceDefinition');
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('Deployment');
  });

  test('adds only the chart dependencies that others do not already imply', () => {
    const app = Testing.app();
    buildPlatformApp(app);
    ApplyOrder.arrange(app);
    const dependencies = (id: string) => app.node.findChild(id).node.dependencies.map(d => d.node.id);
    expect(dependencies('workspaces')).toEqual(['kinds']);
    expect(dependencies('kinds')).toEqual(['tenants']);
    expect(dependencies('tenants')).toEqual(['install']);
    expect(dependencies('install')).toEqual([]);
  });

  test('orders objects inside one chart by what they need', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'everything');
    addWorkspace(chart, 'team-ml', 'alice', 'jupyterlab', 'alice-home', ['datasets']);
    addClaim(chart, 'team-ml', 'datasets');
    addClaim(chart, 'team-ml', 'alice-home');
    addKind(chart, 'jupyterlab');
    new WorkspacesTenant(chart, 'TeamMl', { namespace: 'team-ml' });
    new WorkspacesInstallChart(app, 'install');
    ApplyOrder.arrange(app);

    const order = identities(synthObjects(app));
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before('CustomResourceDefinition/workspaces.kubeflow.org', 'Workspace/alice');
    before('Namespace/team-ml', 'PersistentVolumeClaim/datasets');
    before('Namespace/team-ml', 'ServiceAccount/default-editor');
    before('PersistentVolumeClaim/datasets', 'Workspace/alice');
    before('PersistentVolumeClaim/alice-home', 'Workspace/alice');
    before('WorkspaceKind/jupyterlab', 'Workspace/alice');
  });

  test('orders a chart after the chart holding the namespace its objects live in, whatever their stage', () => {
    const app = Testing.app();
    const config = new Chart(app, 'config');
    new ApiObject(config, 'Settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-ml' } });
    ApplyOrder.assignStage(config, ApplyStage.CONTROLLER);
    const tenants = new Chart(app, 'tenants');
    new WorkspacesTenant(tenants, 'TeamMl', { namespace: 'team-ml' });
    ApplyOrder.arrange(app);
    expect(app.charts.map(chart => chart.node.id)).toEqual(['tenants', 'config']);
  });

  test('annotates Argo CD sync waves by stage, claims and Workspaces in one wave', () => {
    const app = Testing.app();
    buildPlatformApp(app);
    ApplyOrder.arrange(app, { argoCdSyncWaves: true });
    const waves = Object.fromEntries(synthObjects(app).map(o => [`${o.kind}/${o.metadata.name}`, waveOf(o)]));
    expect(waves).toMatchObject({
      'CustomResourceDefinition/workspaces.kubeflow.org': '-1',
      'Namespace/kubeflow-workspaces': '-1',
      'Namespace/team-ml': '-1',
      'Deployment/workspaces-controller': '0',
      'ClusterRole/kubeflow-workspaces-edit': '0',
      'ServiceAccount/default-editor': '1',
      'RoleBinding/workspaces-members-edit': '1',
      'WorkspaceKind/jupyterlab': '2',
      'PersistentVolumeClaim/alice-home': '3',
      'Workspace/alice': '3',
    });
    expect(Object.values(waves).every(wave => wave !== undefined)).toBe(true);
  });

  test('adds no annotation unless asked to', () => {
    const app = Testing.app();
    buildPlatformApp(app);
    ApplyOrder.arrange(app);
    expect(synthObjects(app).filter(o => waveOf(o) !== undefined)).toEqual([]);
  });

  test('gives the same output when arranged twice', () => {
    const synth = (times: number) => {
      const app = Testing.app();
      buildPlatformApp(app);
      for (let i = 0; i < times; i++) {
        ApplyOrder.arrange(app, { argoCdSyncWaves: true });
      }
      return app.synthYaml();
    };
    expect(synth(2)).toEqual(synth(1));
  });

  test('decides stages by kind first, then by the nearest assignment', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'chart');
    const group = new Construct(chart, 'Group');
    ApplyOrder.assignStage(chart, ApplyStage.CONTROLLER);
    ApplyOrder.assignStage(group, ApplyStage.KINDS);
    const inGroup = new ApiObject(group, 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const inChart = new ApiObject(chart, 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    const namespace = new ApiObject(group, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } });
    const unassigned = new ApiObject(new Chart(app, 'other'), 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } });
    expect(ApplyOrder.stageOf(inGroup)).toBe(ApplyStage.KINDS);
    expect(ApplyOrder.stageOf(inChart)).toBe(ApplyStage.CONTROLLER);
    expect(ApplyOrder.stageOf(namespace)).toBe(ApplyStage.FOUNDATION);
    expect(ApplyOrder.stageOf(unassigned)).toBe(ApplyStage.TENANT);
  });

  test('chartFilePrefixes: by the latest stage of a chart, above every chart it depends on, all of one width', () => {
    const app = Testing.app();
    const chain: Chart[] = [];
    for (let i = 0; i < 120; i++) {
      const chart = new Chart(app, `c${i}`);
      new ApiObject(chart, 'Settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${i}` } });
      if (i > 0) {
        chart.addDependency(chain[i - 1]);
      }
      chain.push(chart);
    }
    const prefixes = ApplyOrder.chartFilePrefixes(app.charts);
    const prefixOf = (chart: Chart) => prefixes[app.charts.indexOf(chart)];
    expect(prefixes).toHaveLength(app.charts.length);
    expect([prefixOf(chain[0]), prefixOf(chain[1]), prefixOf(chain[119])]).toEqual(['020', '021', '139']);
  });

  test('chartFilePrefixes: refuses charts listed before a chart they depend on', () => {
    const app = Testing.app();
    const first = new Chart(app, 'first');
    const second = new Chart(app, 'second');
    first.addDependency(second);
    expect(() => ApplyOrder.chartFilePrefixes([first, second])).toThrow(
      'chart first depends on chart second, which is not listed before it; expected the charts in dependency order (App.charts)');
  });

  test('refuses charts that need each other, naming both', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    new ApiObject(a, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    addClaim(a, 'team-b', 'shared');
    new ApiObject(b, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    addClaim(b, 'team-a', 'other');
    expect(() => ApplyOrder.arrange(app)).toThrow(/cannot order chart b after chart a: b\/Claim-other needs a\/Namespace \(its namespace "team-a"\)/);
  });
});
