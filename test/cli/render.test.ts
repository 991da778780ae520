import { parseAllDocuments } from 'yaml';
import { readManifestBytes } from '../../lib/cli/reader';
import { ExitCode } from '../../lib/cli/types';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { runCli, runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';

jest.setTimeout(60_000);

function setup(kind: Mutable = webhookKind(), ...workspaces: Mutable[]): string {
  const dir = tempDir();
  writeFile(dir, 'platform/kind.yaml', yamlDocuments(kind));
  const bob = webhookWorkspace();
  bob.metadata = { name: 'bob', namespace: 'team-ml' };
  bob.spec.paused = true;
  bob.spec.podTemplate.options = { imageConfig: 'jupyterlab_scipy_190', podConfig: 'small_cpu' };
  bob.spec.podTemplate.volumes = { home: 'bob-home', data: [{ pvcName: 'datasets', mountPath: '/data', readOnly: true }] };
  writeFile(dir, 'team/ws.yaml', yamlDocuments(...(workspaces.length > 0 ? workspaces : [webhookWorkspace(), bob])));
  return dir;
}

describe('kfws render', () => {
  test('prints the StatefulSet and Service of each Workspace, with pending redirects noted', () => {
    const result = runCli(['render', 'team/ws.yaml', '--kinds', 'platform'], setup());
    expect(result.stderr).toBe('');
    expect(result.status).toBe(ExitCode.OK);
    const text = result.stdout;
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# Workspace default/webhook-workspace (team/ws.yaml, document 1), WorkspaceKind jupyterlab',
      '# pending restart: imageConfig jupyterlab_scipy_180 → jupyterlab_scipy_190; the Pod below still uses the current option',
    ]);
    const docs = Array.from(parseAllDocuments(text) as Iterable<{ toJS(): Mutable }>, (d) => d.toJS());
    expect(docs.map((d) => `${d.kind} ${d.metadata.generateName}`)).toEqual([
      'StatefulSet ws-webhook-workspace-',
      'Service ws-webhook-workspace-',
      'StatefulSet ws-bob-',
      'Service ws-bob-',
    ]);
    const [sts, svc, bobSts] = docs;
    const container = sts.spec.template.spec.containers[0];
    expect(sts.spec.replicas).toBe(1);
    expect(container.image).toBe('ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.8.0');
    expect(container.env).toEqual([{ name: 'NB_PREFIX', value: '/workspace/default/webhook-workspace/jupyterlab/' }]);
    expect(sts.spec.template.spec.serviceAccountName).toBe('default-editor');
    expect(svc.spec.ports).toEqual([{ name: 'http-8888', port: 8888, targetPort: 8888, protocol: 'TCP' }]);
    expect(bobSts.metadata.namespace).toBe('team-ml');
    expect(bobSts.spec.replicas).toBe(0);
    expect(bobSts.spec.template.spec.volumes).toEqual([
      { name: 'home-volume', persistentVolumeClaim: { claimName: 'bob-home' } },
      { name: 'data-volume-0', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } },
      { name: 'dshm', emptyDir: { medium: 'Memory' } },
    ]);
  });

  test('writes YAML that kubectl reads back as the same strings (n, yes, on, 0755, 1_000 quoted, as YAML 1.1 needs)', () => {
    const ws = webhookWorkspace();
    const values = { a: 'n', b: 'yes', c: 'on', d: '0755', e: '1_000', f: 'y', g: '0x1F' };
    ws.spec.podTemplate.podMetadata = { labels: values, annotations: { ...values, h: '1:30' } };
    const result = runInProcess(['render', 'team/ws.yaml', '--kinds', 'platform'], setup(webhookKind(), ws));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: ExitCode.OK, stderr: '' });
    const read = readManifestBytes(Buffer.from(result.stdout, 'utf8'), { maxOutput: 1 << 24 });
    expect(read.refusals).toEqual([]);
    const sts = read.objects.map((o) => o.object as Mutable).find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.template.metadata.annotations).toMatchObject({ ...values, h: '1:30' });
    expect(sts.spec.template.metadata.labels).toMatchObject(values);
  });

  test('--workspace selects one; a selection that matches nothing exits with 2', () => {
    const dir = setup();
    const one = runInProcess(['render', 'team', 'platform', '--workspace', 'team-ml/bob', '--format', 'json'], dir);
    const json = JSON.parse(one.stdout);
    expect(json.items.map((i: Mutable) => i.workspace)).toEqual([{ kind: 'Workspace', namespace: 'team-ml', name: 'bob' }]);
    expect(json.items[0].statefulSet.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' } });
    expect(json.findings).toEqual([]);
    expect(one.status).toBe(ExitCode.OK);
    const none = runInProcess(['render', 'team', '--kinds', 'platform', '--workspace', 'carol'], dir);
    expect(none.stderr).toBe('kfws: error: no Workspace carol in team\n');
    expect(none.status).toBe(ExitCode.UNREADABLE);
  });

  test('a Workspace the webhook refuses is reported, not rendered', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.options.podConfig = 'gone';
    const result = runInProcess(['render', 'team', '--kinds', 'platform'], setup(webhookKind(), ws));
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^team\/ws\.yaml:\d+: error: Workspace default\/webhook-workspace \(document 1\): spec\.podTemplate\.options\.podConfig: Invalid value: "gone": podConfig with id "gone" not found in workspace kind "jupyterlab"; expected one of its podConfig ids: "big_gpu", "tiny_cpu", "small_cpu", [^\n]*\n$/);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('a Workspace the reconciler cannot render: the state message it would get', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.options.imageConfig.values[0].spec.ports.push({ id: 'my_port', port: 8888 });
    const result = runInProcess(['render', 'team', '--kinds', 'platform', '--workspace', 'webhook-workspace'], setup(kind));
    expect(result.stderr).toBe(
      'team/ws.yaml:1: error: Workspace default/webhook-workspace (document 1): Workspace failed to generate StatefulSet with error: duplicate port number 8888 in imageConfig\n',
    );
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('pending redirects show the whole chain', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.options = { imageConfig: 'redirect_step_1', podConfig: 'redirect_step_2' };
    const result = runInProcess(['render', 'team', '--kinds', 'platform'], setup(webhookKind(), ws));
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      '# Workspace default/webhook-workspace (team/ws.yaml, document 1), WorkspaceKind jupyterlab',
      '# pending restart: imageConfig redirect_step_1 → redirect_step_2 → redirect_step_3; the Pod below still uses the current option',
      '# pending restart: podConfig redirect_step_2 → redirect_step_3; the Pod below still uses the current option',
    ]);
    const [sts] = Array.from(parseAllDocuments(result.stdout) as Iterable<{ toJS(): Mutable }>, (d) => d.toJS());
    expect(sts.spec.template.spec.containers[0].image).toBe('redirect-test:step-1');
  });

  test('a paused Workspace with a pending redirect: rendered as the reconciler rewrites it, on the redirect targets', () => {
    const switched = webhookWorkspace();
    switched.spec.paused = true;
    switched.spec.podTemplate.options = { imageConfig: 'redirect_step_1', podConfig: 'tiny_cpu' };
    const deferred = webhookWorkspace();
    deferred.metadata.name = 'deferred';
    deferred.spec.paused = true;
    deferred.spec.deferUpdates = true;
    deferred.spec.podTemplate.options = { imageConfig: 'redirect_step_1', podConfig: 'tiny_cpu' };
    const result = runInProcess(['render', 'team', '--kinds', 'platform', '--format', 'json'], setup(webhookKind(), switched, deferred));
    expect(result.status).toBe(ExitCode.OK);
    const json = JSON.parse(result.stdout);
    const chain = 'imageConfig redirect_step_1 → redirect_step_2 → redirect_step_3';
    expect(json.items.map((i: Mutable) => [i.workspace.name, i.pendingRedirects, i.appliedRedirects])).toEqual([
      ['webhook-workspace', [], [chain]],
      ['deferred', [chain], []],
    ]);
    const [rewritten, held] = json.items.map((i: Mutable) => i.statefulSet.spec.template.spec.containers[0]);
    expect(rewritten.image).toBe('redirect-test:step-3');
    expect(held.image).toBe('redirect-test:step-1');
    const text = runInProcess(['render', 'team', '--kinds', 'platform', '--workspace', 'webhook-workspace'], setup(webhookKind(), switched));
    expect(text.stdout.split('\n')[1]).toBe(`# paused: the reconciler switches it to the redirect target (${chain}); the Pod below uses the target`);
  });

  test('a WorkspaceKind that does not match its schema: findings, not a crash', () => {
    const kind = webhookKind();
    delete kind.spec.podTemplate.volumeMounts;
    const result = runInProcess(['render', 'team', '--kinds', 'platform', '--workspace', 'webhook-workspace'], setup(kind));
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^platform\/kind\.yaml:\d+: error: WorkspaceKind jupyterlab \(document 1\): spec\.podTemplate\.volumeMounts: Required value/m);
    expect(result.stderr).toContain('team/ws.yaml:1: error: Workspace default/webhook-workspace (document 1): not rendered: its WorkspaceKind jupyterlab does not match the CRD schema\n');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('GitHub annotations are not an output of render', () => {
    expect(runInProcess(['render', 'team', '--format', 'github'], setup()).status).toBe(ExitCode.UNREADABLE);
  });
});
