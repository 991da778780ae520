import { App, Chart, Size, Testing, YamlOutputType } from 'cdk8s';
import { ClaimAccessMode, Workspace, WorkspaceClaim, WorkspaceKind, WorkspaceVolume } from '../../lib';
import { addSmallKind, synthApp, synthError } from './helpers';

function setup(namespace = 'team-a') {
  const app = Testing.app();
  const kinds = new Chart(app, 'kinds');
  const small = addSmallKind(kinds);
  const team = new Chart(app, 'team', { namespace });
  return { app, kinds, team, ...small };
}

function objectsOf(chart: Chart): any[] {
  return Testing.synth(chart);
}

describe('Workspace', () => {
  test('takes the kind defaults and writes every required field', () => {
    const { team, kind } = setup();
    new Workspace(team, 'Ws', { name: 'alice', kind });
    synthApp(team);
    const [ws] = objectsOf(team);
    expect(ws).toEqual({
      apiVersion: 'kubeflow.org/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'alice', namespace: 'team-a' },
      spec: {
        paused: false,
        deferUpdates: false,
        kind: 'small',
        podTemplate: { volumes: {}, options: { imageConfig: 'img_a', podConfig: 'small' } },
      },
    });
  });

  test('annotations of the Workspace object, sorted, apart from those of its Pod', () => {
    const { team, kind } = setup();
    const annotations = { 'z.example.com/b': '2', 'a.example.com/a': '1' };
    new Workspace(team, 'Ws', { name: 'carol', kind, annotations, podAnnotations: { pod: 'yes' } });
    annotations['z.example.com/b'] = 'changed after construction';
    synthApp(team);
    const [ws] = objectsOf(team);
    expect(ws.metadata.annotations).toEqual({ 'a.example.com/a': '1', 'z.example.com/b': '2' });
    expect(Object.keys(ws.metadata.annotations)).toEqual(['a.example.com/a', 'z.example.com/b']);
    expect(ws.spec.podTemplate.podMetadata).toEqual({ annotations: { pod: 'yes' } });
  });

  test('bad Workspace annotations are reported at synth time', () => {
    const { team, kind } = setup();
    new Workspace(team, 'Ws', { name: 'w', kind, annotations: { '!bad-key!': 'v' } });
    expect(synthError(team)).toContain('[team/Ws] metadata.annotations: Invalid value: "!bad-key!"');
  });

  test('new claims are synthesized with documented defaults, before the Workspace', () => {
    const { team, kind, images, pods } = setup();
    new Workspace(team, 'Ws', {
      name: 'bob',
      kind,
      imageConfig: images[1],
      podConfig: pods[1],
      paused: true,
      deferUpdates: true,
      podLabels: { b: '2', a: '1' },
      podAnnotations: { note: 'x' },
      homeVolume: WorkspaceVolume.newClaim({ name: 'bob-home' }),
      dataVolumes: [{
        volume: WorkspaceVolume.newClaim({
          name: 'bob-data', size: Size.mebibytes(1536), storageClassName: 'fast', accessModes: [ClaimAccessMode.READ_WRITE_MANY],
        }),
        mountPath: '/data/bob',
      }],
    });
    const objects = objectsOf(team);
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PersistentVolumeClaim/bob-home', 'PersistentVolumeClaim/bob-data', 'Workspace/bob',
    ]);
    expect(objects[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    expect(objects[0].metadata.namespace).toBe('team-a');
    expect(objects[1].spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'fast', resources: { requests: { storage: '1536Mi' } } });
    const spec = objects[2].spec;
    expect(spec.paused).toBe(true);
    expect(spec.deferUpdates).toBe(true);
    expect(Object.keys(spec.podTemplate.podMetadata.labels)).toEqual(['a', 'b']);
    expect(spec.podTemplate.volumes).toEqual({ home: 'bob-home', data: [{ pvcName: 'bob-data', mountPath: '/data/bob', readOnly: false }] });
    expect(spec.podTemplate.options).toEqual({ imageConfig: 'img_b', podConfig: 'large' });
  });

  test('a claim of the app, shared by two Workspaces, is ordered before both across charts', () => {
    const { app, team, kind } = setup();
    const storage = new Chart(app, 'storage', { namespace: 'team-a' });
    const shared = new WorkspaceClaim(storage, 'Shared', { name: 'shared', accessModes: [ClaimAccessMode.READ_ONLY_MANY], size: Size.tebibytes(1) });
    for (const name of ['w1', 'w2']) {
      new Workspace(team, name, { name, kind, dataVolumes: [{ volume: WorkspaceVolume.fromClaim(shared), mountPath: '/shared', readOnly: true }] });
    }
    expect(objectsOf(storage)[0].spec.resources.requests.storage).toBe('1Ti');
    expect(team.node.dependencies).toContain(storage);
  });

  test('follows a change of the kind\'s default option made after a first synth', () => {
    const { app, team, kind, images } = setup();
    new Workspace(team, 'Ws', { name: 'w', kind });
    app.synthYaml();
    kind.useDefaultImageConfig(images[1]);
    const [ws] = objectsOf(team);
    expect(ws.spec.podTemplate.options.imageConfig).toBe('img_b');
  });

  test('refers to a kind defined elsewhere by name', () => {
    const app = Testing.app();
    const team = new Chart(app, 'team', { namespace: 'team-a' });
    const kind = WorkspaceKind.fromName(team, 'Jupyter', 'jupyterlab');
    new Workspace(team, 'Ws', { name: 'w', kind, imageConfig: kind.imageConfig('anything_goes'), podConfig: kind.podConfig('tiny_cpu') });
    const [ws] = objectsOf(team);
    expect(ws.spec.kind).toBe('jupyterlab');
    expect(ws.spec.podTemplate.options).toEqual({ imageConfig: 'anything_goes', podConfig: 'tiny_cpu' });
  });

  test('an option of another kind is reported at synth time, with the app\'s other problems', () => {
    const { app, team, kind } = setup();
    const other = addSmallKind(new Chart(app, 'other'), 'Other', { name: 'other' });
    new Workspace(team, 'Ws', { name: 'w', kind, imageConfig: other.images[0] });
    new Workspace(team, 'Dotted', { name: 'Alice.Lab', kind });
    const message = synthError(app);
    expect(message).toContain('[team/Ws] spec.podTemplate.options.imageConfig: Invalid value: "img_a": an option of WorkspaceKind "other" was given, but the Workspace\'s kind is "small"; expected an image option (kind.imageConfig(...) or addImageConfig()) of "small"');
    // not also "not found in workspace kind" at the same field
    expect(message.match(/\[team\/Ws\] spec\.podTemplate\.options\.imageConfig/g)).toHaveLength(1);
    // a name that is not even a DNS subdomain: one message, with the one name that passes every check
    expect(message).toMatch(/\[team\/Dotted\] metadata\.name: Invalid value: "Alice\.Lab": a lowercase RFC 1123 subdomain .*; a Workspace name must also be a DNS-1123 label \(no '\.'\), e\.g\. "alice-lab"(\n|$)/);
    expect(message.match(/\[team\/Dotted\]/g)).toHaveLength(1);
  });

  describe('synth-time validation', () => {
    test('a kind defined elsewhere needs explicit options, checked for format', () => {
      const app = Testing.app();
      const team = new Chart(app, 'team', { namespace: 'team-a' });
      const kind = WorkspaceKind.fromName(team, 'Jupyter', 'jupyterlab');
      new Workspace(team, 'NoOptions', { name: 'a', kind });
      new Workspace(team, 'EmptyId', { name: 'b', kind, imageConfig: kind.imageConfig(''), podConfig: kind.podConfig('x') });
      const message = synthError(team);
      expect(message).toContain('[team/NoOptions] spec.podTemplate.options.imageConfig: Required value');
      expect(message).toContain('[team/NoOptions] spec.podTemplate.options.podConfig: Required value');
      expect(message).toContain('[team/EmptyId] spec.podTemplate.options.imageConfig: Invalid value: ""');
    });

    test('bad pod labels and annotations', () => {
      const { team, kind } = setup();
      new Workspace(team, 'Ws', { name: 'w', kind, podLabels: { '!bad-key!': 'v' }, podAnnotations: { '!bad-key!': 'v' } });
      const message = synthError(team);
      expect(message).toContain('[team/Ws] spec.podTemplate.podMetadata.labels: Invalid value: "!bad-key!"');
      expect(message).toContain('[team/Ws] spec.podTemplate.podMetadata.annotations: Invalid value: "!bad-key!"');
    });

    test('volume names and mount paths', () => {
      const { team, kind } = setup();
      new Workspace(team, 'Ws', {
        name: 'w',
        kind,
        homeVolume: WorkspaceVolume.fromExistingClaim('Home_PVC'),
        dataVolumes: [
          { volume: WorkspaceVolume.fromExistingClaim('data'), mountPath: 'relative/path' },
          { volume: WorkspaceVolume.fromExistingClaim('data2'), mountPath: '/same' },
          { volume: WorkspaceVolume.fromExistingClaim('data3'), mountPath: '/same' },
        ],
      });
      const message = synthError(team);
      expect(message).toContain('spec.podTemplate.volumes.home: Invalid value: "Home_PVC"');
      expect(message).toContain('spec.podTemplate.volumes.data[0].mountPath: Invalid value: "relative/path"');
      expect(message).toContain('spec.podTemplate.volumes.data[2]: Duplicate value');
    });

    test('all problems of a synth are reported together', () => {
      const { team, kind } = setup();
      new Workspace(team, 'One', { name: 'One', kind });
      new Workspace(team, 'Two', { name: 'two', kind, podLabels: { 'a/b/c': 'x' } });
      const message = synthError(team);
      expect(message).toContain('[team/One] metadata.name: Invalid value: "One"');
      expect(message).toContain('[team/Two] spec.podTemplate.podMetadata.labels: Invalid value: "a/b/c"');
    });

    test('a change after a successful synth is validated again', () => {
      const { app, team, kind } = setup();
      const ws = new Workspace(team, 'Ws', { name: 'w', kind });
      expect(() => app.synthYaml()).not.toThrow();
      ws.addDataVolume({ volume: WorkspaceVolume.fromExistingClaim('data'), mountPath: 'not-absolute' });
      kind.addImageConfig({ id: 'img_a', displayName: 'Duplicate id', image: 'x:1', ports: [] });
      new Workspace(team, 'Again', { name: 'w', kind });
      const message = synthError(team);
      expect(message).toContain('[team/Ws] spec.podTemplate.volumes.data[not-absolute].mountPath: Invalid value: "not-absolute"');
      expect(message).toContain('[kinds/Kind] spec.podTemplate.options.imageConfig.values[2]: Duplicate value');
      expect(message).toContain('Workspace "w" in namespace "team-a" is defined twice');
    });

    test('two objects with the same identity collide', () => {
      const { team, kind } = setup();
      new Workspace(team, 'A', { name: 'same', kind });
      new Workspace(team, 'B', { name: 'same', kind });
      expect(synthError(team)).toContain('Workspace "same" in namespace "team-a" is defined twice: at team/A/Resource and at team/B/Resource');
    });

    test('per-resource output refuses objects that would overwrite each other', () => {
      const app = new App({ outdir: '/tmp/unused', yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
      const kinds = new Chart(app, 'kinds');
      const { kind } = addSmallKind(kinds);
      new Workspace(new Chart(app, 'a', { namespace: 'a' }), 'W', { name: 'same', kind });
      new Workspace(new Chart(app, 'b', { namespace: 'b' }), 'W', { name: 'same', kind });
      expect(() => app.synthYaml()).toThrow(/b\/W\/Resource and a\/W\/Resource would both be written to the file "Workspace.same"/);
    });

    test('the same names in different namespaces are fine with one file per chart', () => {
      const app = Testing.app();
      const { kind } = addSmallKind(new Chart(app, 'kinds'));
      new Workspace(new Chart(app, 'a', { namespace: 'a' }), 'W', { name: 'same', kind });
      new Workspace(new Chart(app, 'b', { namespace: 'b' }), 'W', { name: 'same', kind });
      expect(() => app.synthYaml()).not.toThrow();
    });
  });
});
