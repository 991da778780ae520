import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { IImageConfig, IPodConfig, OptionKind, Workspace, WorkspaceKind } from '../../lib';
import { sampleKind } from '../core/fixtures';
import { addSmallKind, synthError } from './helpers';

function setup() {
  const app = Testing.app();
  const kinds = new Chart(app, 'kinds');
  const small = addSmallKind(kinds);
  const team = new Chart(app, 'team', { namespace: 'team-a' });
  return { app, kinds, team, ...small };
}

describe('whatever the constructs accept, the controller can create', () => {
  test.each([
    ['a 64-character name', 'a'.repeat(64), 'a label value must be no more than 63 characters'],
    ['a 253-character name', Array.from({ length: 4 }, () => 'b'.repeat(62)).join('.').slice(0, 253), 'no more than 63 characters'],
    ['a name with a dot', 'alice.vscode', 'whose name must be a DNS-1035 label'],
  ])('%s is refused at the Workspace', (_, name, reason) => {
    const { team, kind } = setup();
    new Workspace(team, 'Ws', { name, kind });
    const message = synthError(team);
    expect(message).toContain(`[team/Ws] metadata.name: Invalid value: "${name}": the controller would create`);
    expect(message).toContain(reason);
  });

  test('kind parts are refused once, at the kind, not at each Workspace', () => {
    const { team, kinds } = setup();
    const { kind } = addSmallKind(kinds, 'Bad', {
      name: 'bad',
      serviceAccountName: 'kube-system/admin',
      extraEnv: [{ name: 'A=B', value: '{{ httpPathPrefix "codeservr" }}' }],
    });
    new Workspace(team, 'W1', { name: 'w1', kind });
    new Workspace(team, 'W2', { name: 'w2', kind });
    const lines = synthError(team).split('\n').slice(1);
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}\[kinds\/Bad\] spec\.podTemplate\.serviceAccount\.name: Invalid value: "kube-system\/admin": the controller would create a StatefulSet for each Workspace of WorkspaceKind "bad" whose spec\.template\.spec\.serviceAccountName is invalid/),
      expect.stringMatching(/^ {2}\[kinds\/Bad\] spec\.podTemplate\.extraEnv\[A=B\]\.name: Invalid value: "A=B": .*printable ASCII characters other than '='/),
      expect.stringMatching(/^ {2}\[kinds\/Bad\] spec\.podTemplate\.extraEnv\[A=B\]\.value: .*httpPathPrefix "codeservr" is not a port id of this WorkspaceKind.*expected one of "web"/),
    ]);
  });

  test('requests above limits are refused at the option, addressed by id', () => {
    const { team, kind } = setup();
    kind.addPodConfig({ id: 'odd', displayName: 'Odd', resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } });
    expect(synthError(team)).toContain('[kinds/Kind] spec.podTemplate.options.podConfig.values[odd].spec.resources.requests[memory]: Invalid value: "2Gi": the controller would create a StatefulSet for each Workspace that selects podConfig "odd" whose spec.template.spec.containers[0].resources.requests[memory] is invalid: must be less than or equal to memory limit of 1Gi');
  });

  test('a bad quantity says what a quantity is', () => {
    const { team, kind } = setup();
    kind.addPodConfig({ id: 'odd', displayName: 'Odd', resources: { requests: { memory: 'lots' } } });
    expect(synthError(team)).toContain('[kinds/Kind] spec.podTemplate.options.podConfig.values[odd].spec.resources.requests.memory: Invalid value: "lots": must be a Kubernetes quantity such as "500m", "2Gi"');
  });

  test('two objects with one identity: the error carries the construct path', () => {
    const { team, kind } = setup();
    new Workspace(team, 'A', { name: 'same', kind });
    new Workspace(team, 'B', { name: 'same', kind });
    expect(synthError(team)).toContain('\n  [team/B] Workspace "same" in namespace "team-a" is defined twice');
  });

  test('image and pod-size handles cannot be swapped', () => {
    const { team, kind, images, pods } = setup();
    const image: IImageConfig = images[0];
    const pod: IPodConfig = pods[0];
    expect(image.optionKind).toBe(OptionKind.IMAGE);
    expect(pod.optionKind).toBe(OptionKind.POD);
    // @ts-expect-error a pod-size option is not an image option
    const swapped: IImageConfig = pods[0];
    new Workspace(team, 'Ws', { name: 'w', kind, imageConfig: swapped });
    new Workspace(team, 'Js', { name: 'js', kind, podConfig: { id: 'small', kind } as unknown as IPodConfig });
    const message = synthError(team);
    expect(message).toContain('[team/Ws] spec.podTemplate.options.imageConfig: Invalid value: "small": the handle is a pod-size option; expected an image option');
    expect(message).toContain('[team/Js] spec.podTemplate.options.podConfig: Invalid value: "small": the value is not an option handle (optionKind undefined); expected a pod-size option');
    const imported = WorkspaceKind.fromName(team, 'Ext', 'ext');
    // @ts-expect-error the same for references to options of kinds defined elsewhere
    const wrong: IPodConfig = imported.imageConfig('img');
    expect(wrong.optionKind).toBe(OptionKind.IMAGE);
  });
});

describe('WorkspaceKind.fromManifest', () => {
  function external() {
    const app = Testing.app();
    const team = new Chart(app, 'team', { namespace: 'team-a' });
    return { app, team };
  }

  test('Workspaces of it take its defaults and are checked against its options', () => {
    const { team } = external();
    const kind = WorkspaceKind.fromManifest(team, 'Jupyter', sampleKind());
    expect(kind.name).toBe('jupyterlab');
    expect(kind.optionIds(OptionKind.POD)).toEqual(['tiny_cpu', 'small_cpu', 'big_gpu']);
    new Workspace(team, 'Ok', { name: 'ok', kind });
    const objects = Testing.synth(team);
    expect(objects.map((o) => o.kind)).toEqual(['Workspace']); // the kind itself is not synthesized
    expect(objects[0].spec.podTemplate.options).toEqual({ imageConfig: 'jupyterlab_scipy_190', podConfig: 'tiny_cpu' });
    new Workspace(team, 'Typo', { name: 'typo', kind, podConfig: kind.podConfig('small cpu') });
    const message = synthError(team);
    expect(message).toContain('[team/Typo] spec.podTemplate.options.podConfig: Invalid value: "small cpu": podConfig with id "small cpu" not found in workspace kind "jupyterlab"');
    expect(message).not.toContain('team/Ok');
  });

  test('the manifest itself is checked, and render-time rules apply to its Workspaces', () => {
    const { team } = external();
    const manifest = sampleKind();
    manifest.spec.podTemplate.options.imageConfig.values[0].redirect = { to: 'gone' };
    manifest.spec.podTemplate.options.imageConfig.values[1].spec.image = ' spaced:1';
    WorkspaceKind.fromManifest(team, 'Jupyter', manifest);
    const message = synthError(team);
    expect(message).toContain('[team/Jupyter] manifest: spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_180].redirect.to: Invalid value: "gone"');
    expect(message).toContain('[team/Jupyter] manifest: spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_190].spec.image: Invalid value: " spaced:1"');
  });

  test('from a YAML file with several documents', () => {
    const { team } = external();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-kind-'));
    try {
      const file = path.join(dir, 'kinds.yaml');
      const other = sampleKind();
      other.metadata.name = 'other';
      fs.writeFileSync(file, `${stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })}---\n${stringify(sampleKind())}---\n${stringify(other)}`);
      expect(() => WorkspaceKind.fromManifestFile(team, 'Any', file)).toThrow(`team/Any: ${file} holds WorkspaceKinds "jupyterlab", "other"; expected exactly one WorkspaceKind (or pass options.name)`);
      const kind = WorkspaceKind.fromManifestFile(team, 'Jupyter', file, { name: 'jupyterlab' });
      new Workspace(team, 'Ws', { name: 'w', kind, imageConfig: kind.imageConfig('jupyterlab_scipy_180') });
      expect(Testing.synth(team)[0].spec.podTemplate.options.imageConfig).toBe('jupyterlab_scipy_180');
      expect(() => WorkspaceKind.fromManifestFile(team, 'Missing', path.join(dir, 'nope.yaml'))).toThrow(/team\/Missing: cannot read the WorkspaceKind manifest/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
