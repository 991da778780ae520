/**
 * The API revision chosen once per app: every Workspace and WorkspaceKind reads it, beta-only props are typed,
 * props of the other revision are refused at synth (cdk8s validation, not thrown) naming the replacement, and the
 * output at v2.0.0-beta.0 is accepted by the beta's rules.
 */

import { Chart, Duration, Testing } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  ActivityProbe, ApiRevision, FilterScope, SpawnerImage, SpawnerImageMediaType, Workspace, WorkspaceActivityProbe,
  WorkspaceKind, WorkspacesApp, WorkspacesInstallChart,
} from '../../lib';
import { validateWorkspace, validateWorkspaceKind } from '../../lib/core/validation';
import { addSmallKind, synthApp, synthError } from './helpers';

const BETA = ApiRevision.V2_0_0_BETA_0;

function betaApp(): WorkspacesApp {
  return new WorkspacesApp({ apiRevision: BETA, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-rev-')) });
}

function betaKind(scope: Chart, overrides = {}): ReturnType<typeof addSmallKind> {
  return addSmallKind(scope, 'Kind', {
    serviceAccountName: undefined,
    logo: SpawnerImage.fromConfigMap('logos', 'logo.svg', { namespace: 'kubeflow-workspaces' }),
    ...overrides,
  });
}

describe('apiRevision', () => {
  test('the default is fd7a3d8e, and WorkspacesApp sets the context every construct reads', () => {
    expect(new WorkspacesApp({ outdir: os.tmpdir() }).apiRevision).toBe(ApiRevision.FD7A3D8E);
    const app = betaApp();
    expect(app.apiRevision).toBe(BETA);
    expect(app.node.tryGetContext('kubeflow-workspaces:apiRevision')).toBe('v2.0.0-beta.0');
  });

  test('a beta app synthesizes every new field, accepted by the beta rules', () => {
    const app = betaApp();
    const kinds = new Chart(app, 'kinds');
    const { kind } = betaKind(kinds, {
      clusterRoles: ['kubeflow-view'],
      activityProbe: WorkspaceActivityProbe.jupyter('web', { interval: Duration.minutes(30), minInterval: Duration.minutes(1) }),
      activityRules: [
        { idleFor: Duration.hours(2), minRunning: Duration.minutes(5), matchNamespace: { matchLabels: { tier: 'development' } } },
        { idleFor: Duration.hours(24) },
      ],
      filterRules: [{ scope: FilterScope.WORKSPACE_KIND, hideInUi: true, match: [{ namespace: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] } }] }],
    });
    const team = new Chart(app, 'team', { namespace: 'team-a' });
    new Workspace(team, 'Ws', {
      name: 'alice',
      kind,
      displayName: 'Alice',
      secretVolumes: [{ secretName: 'creds', mountPath: '/secrets/creds' }, { secretName: 'keys', mountPath: '/secrets/keys', defaultMode: 0o400 }],
    });
    const [kindJson] = Testing.synth(kinds);
    const [wsJson] = Testing.synth(team);
    expect(kindJson.spec.spawner.logo).toEqual({ configMap: { name: 'logos', namespace: 'kubeflow-workspaces', key: 'logo.svg', mediaType: 'image/svg+xml' } });
    expect(kindJson.spec.filterRules).toEqual([
      { scope: 'WORKSPACE_KIND', effect: { ui: { hide: true } }, match: [{ matchNamespace: { selector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] } } }] },
    ]);
    expect(kindJson.spec.activityRules).toEqual([
      { config: { secondsSinceActive: 7200, minRunningSeconds: 300 }, match: { matchNamespace: { selector: { matchLabels: { tier: 'development' } } } }, effect: { pauseWorkspace: true } },
      { config: { secondsSinceActive: 86400 }, effect: { pauseWorkspace: true } },
    ]);
    expect(kindJson.spec.podTemplate.serviceAccount).toEqual({ clusterRoles: [{ name: 'kubeflow-view' }] });
    expect(kindJson.spec.podTemplate.activityProbe).toEqual({ minProbeIntervalSeconds: 60, probeIntervalSeconds: 1800, jupyter: { lastActivity: true, portId: 'web' } });
    expect(kindJson.spec.podTemplate.culling).toBeUndefined();
    expect(wsJson.spec).toEqual({
      paused: false,
      displayName: 'Alice',
      kind: 'small',
      podTemplate: {
        volumes: { secrets: [{ secretName: 'creds', mountPath: '/secrets/creds', defaultMode: 420 }, { secretName: 'keys', mountPath: '/secrets/keys', defaultMode: 256 }] },
        options: { imageConfig: 'img_a', podConfig: 'small' },
      },
    });
    expect(validateWorkspaceKind(kindJson, BETA)).toEqual([]);
    expect(validateWorkspace(wsJson, { kind: kindJson, revision: BETA })).toEqual([]);
  });

  test('podExec probe with its timeout; filter rule api effect', () => {
    const app = betaApp();
    const kinds = new Chart(app, 'kinds');
    betaKind(kinds, {
      activityProbe: WorkspaceActivityProbe.podExec('#!/bin/sh\necho \'{"has_activity": true}\' > "$OUTPUT_JSON_PATH"', { timeout: Duration.seconds(20) }),
      filterRules: [{ scope: FilterScope.POD_CONFIG, denyInApi: true, denyMessage: 'GPUs are for team b', match: [{ podConfig: { matchLabels: { gpu: '1' } } }] }],
    });
    const [kindJson] = Testing.synth(kinds);
    expect(kindJson.spec.podTemplate.activityProbe.podExec.timeoutSeconds).toBe(20);
    expect(kindJson.spec.filterRules[0].effect).toEqual({ api: { deny: true, denyMessage: { text: 'GPUs are for team b' } } });
  });

  test('the beta rules run at synth: a pausing rule without a probe, a bad shebang', () => {
    const app = betaApp();
    const kinds = new Chart(app, 'kinds');
    betaKind(kinds, { activityRules: [{ idleFor: Duration.hours(2) }] });
    const other = new Chart(app, 'other');
    addSmallKind(other, 'Kind2', { name: 'other', serviceAccountName: undefined, logo: SpawnerImage.fromUrl('https://example.com/l.svg'), activityProbe: WorkspaceActivityProbe.podExec('echo hi') });
    const error = synthError(kinds);
    expect(error).toContain('[kinds/Kind] spec.podTemplate.activityProbe: Required value: activityProbe must be configured when activityRules with pauseWorkspace effect exist');
    expect(error).toContain('[other/Kind2] spec.podTemplate.activityProbe.podExec.script: Invalid value: "echo hi": script shebang is invalid (e.g., \'#!/bin/bash\')');
  });

  test('props removed at the beta are refused at synth, naming the replacement', () => {
    const app = betaApp();
    const kinds = new Chart(app, 'kinds');
    const { kind } = addSmallKind(kinds, 'Kind', {
      logo: SpawnerImage.fromUrl('https://example.com/l.svg'),
      culling: { activityProbe: ActivityProbe.jupyter() },
    });
    new Workspace(kinds, 'Ws', { name: 'w', namespace: 'team', kind, deferUpdates: true });
    const error = synthError(kinds);
    expect(error).toContain('[kinds/Kind] serviceAccountName (spec.podTemplate.serviceAccount.name): removed in v2.0.0-beta.0: each Workspace gets its own ServiceAccount ws-<workspace name>; grant it permissions with clusterRoles');
    expect(error).toContain('[kinds/Kind] culling (spec.podTemplate.culling): removed in v2.0.0-beta.0: use activityProbe (WorkspaceActivityProbe.jupyter() or .podExec()) and activityRules');
    expect(error).toContain('[kinds/Ws] deferUpdates (spec.deferUpdates): removed in v2.0.0-beta.0: the controller never applies redirects');
    // Left out of the manifest: one message each, not a second "unknown field" one.
    expect(error).not.toContain('Unknown field');
  });

  test('beta-only props in an fd7a3d8e app are refused at synth, naming how to choose the beta', () => {
    const app = Testing.app();
    const kinds = new Chart(app, 'kinds');
    const { kind } = addSmallKind(kinds, 'Kind', { clusterRoles: ['view'], activityRules: [{ idleFor: Duration.hours(1) }] });
    new Workspace(kinds, 'Ws', { name: 'w', namespace: 'team', kind, displayName: 'W', secretVolumes: [{ secretName: 's', mountPath: '/s' }] });
    const error = synthError(kinds);
    for (const [construct, prop, field] of [
      ['Kind', 'clusterRoles', 'spec.podTemplate.serviceAccount.clusterRoles'],
      ['Kind', 'activityRules', 'spec.activityRules'],
      ['Ws', 'displayName', 'spec.displayName'],
      ['Ws', 'secretVolumes', 'spec.podTemplate.volumes.secrets'],
    ]) {
      expect(error).toContain(
        `[kinds/${construct}] ${prop} (${field}): only in API revision v2.0.0-beta.0, and this app targets fd7a3d8e; set apiRevision: ApiRevision.V2_0_0_BETA_0 on the WorkspacesApp (or the context "kubeflow-workspaces:apiRevision")`,
      );
    }
  });

  test('an fd7a3d8e app synthesizes exactly what it did before', () => {
    const app = Testing.app();
    const kinds = new Chart(app, 'kinds');
    const { kind } = addSmallKind(kinds);
    new Workspace(kinds, 'Ws', { name: 'w', namespace: 'team', kind });
    const [kindJson, wsJson] = synthApp(kinds);
    expect(kindJson.spec.podTemplate.serviceAccount).toEqual({ name: 'default-editor' });
    expect(kindJson.spec.spawner.logo).toEqual({ configMap: { name: 'logos', key: 'logo.svg' } });
    expect(wsJson.spec.deferUpdates).toBe(false);
  });

  test('an unknown context value is reported at synth', () => {
    const app = Testing.app();
    app.node.setContext('kubeflow-workspaces:apiRevision', 'v3');
    const kinds = new Chart(app, 'kinds');
    addSmallKind(kinds);
    expect(synthError(kinds)).toContain('[kinds/Kind] context "kubeflow-workspaces:apiRevision": Unsupported value: "v3": supported values: fd7a3d8e, v2.0.0-beta.0');
  });

  test('the beta samples, read with fromManifestFile, check Workspaces of them at synth', () => {
    const samples = path.resolve(__dirname, '../../../shared/reference/kubeflow-notebooks-v2-beta0/samples');
    const app = betaApp();
    const chart = new Chart(app, 'team', { namespace: 'workspace-test' });
    const kind = WorkspaceKind.fromManifestFile(chart, 'Kind', path.join(samples, 'jupyterlab_v1beta1_workspacekind.yaml'));
    const sample = parseAllDocuments(fs.readFileSync(path.join(samples, 'jupyterlab_v1beta1_workspace.yaml'), 'utf8'))[0].toJS();
    new Workspace(chart, 'Ws', {
      name: sample.metadata.name,
      kind,
      imageConfig: kind.imageConfig(sample.spec.podTemplate.options.imageConfig),
      podConfig: kind.podConfig('does-not-exist'),
      displayName: sample.spec.displayName,
    });
    expect(synthError(chart)).toContain('[team/Ws] spec.podTemplate.options.podConfig: Invalid value: "does-not-exist": podConfig with id "does-not-exist" not found in workspace kind "jupyterlab"');
  });
});

test('SpawnerImage.fromConfigMap media type enum', () => {
  expect(SpawnerImageMediaType.SVG).toBe('image/svg+xml');
});

describe('the install chart follows the app', () => {
  test('it installs the CRDs of the app\'s revision', () => {
    const chart = new WorkspacesInstallChart(betaApp(), 'Install');
    expect(chart.apiRevision).toBe(BETA);
    const crds = Testing.synth(chart).filter((o: any) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c: any) => c.metadata.name).sort()).toEqual(['workspacekinds.kubeflow.org', 'workspaces.kubeflow.org']);
    const ws = crds.find((c: any) => c.metadata.name === 'workspaces.kubeflow.org');
    expect(ws.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.displayName).toBeDefined();
  });

  test('a chart revision contradicting the app is an error', () => {
    expect(() => new WorkspacesInstallChart(betaApp(), 'Install', { apiRevision: ApiRevision.FD7A3D8E })).toThrow(
      'apiRevision is fd7a3d8e but the app targets v2.0.0-beta.0 (WorkspacesApp apiRevision); expected one revision per app',
    );
  });
});

describe('the beta install: RBAC and the controller\'s revision', () => {
  const rulesOf = (objects: any[], name: string): any[] => objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === name).rules;

  test('the controller watches ServiceAccounts, RoleBindings and Namespaces, writes ServiceAccounts and RoleBindings, binds only the listed ClusterRoles', () => {
    const chart = new WorkspacesInstallChart(betaApp(), 'Install', { controller: { bindableClusterRoles: ['kubeflow-view', 'kubeflow-edit'] } });
    const objects = Testing.synth(chart);
    const cluster = rulesOf(objects, 'kubeflow-workspaces-controller');
    expect(cluster).toContainEqual({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['list', 'watch'] });
    expect(cluster).toContainEqual({ apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] });
    const writer = rulesOf(objects, 'kubeflow-workspaces-controller-writer');
    expect(writer).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'delete', 'patch'] });
    expect(writer).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['kubeflow-edit', 'kubeflow-view'], verbs: ['bind'] });
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].env).toContainEqual({ name: 'RECONCILER_API_REVISION', value: 'v2.0.0-beta.0' });
  });

  test('fd7a3d8e installs are unchanged: no beta rules, no revision variable; bindableClusterRoles is refused', () => {
    const objects = Testing.synth(new WorkspacesInstallChart(Testing.app(), 'Install'));
    expect(JSON.stringify(rulesOf(objects, 'kubeflow-workspaces-controller'))).not.toContain('serviceaccounts');
    expect(JSON.stringify(objects.find((o) => o.kind === 'Deployment'))).not.toContain('RECONCILER_API_REVISION');
    expect(() => new WorkspacesInstallChart(Testing.app(), 'Install', { controller: { bindableClusterRoles: ['view'] } })).toThrow(
      'bindableClusterRoles is a setting of v2.0.0-beta.0, and this install is of fd7a3d8e',
    );
  });
});
