import { Chart, Duration, Testing } from 'cdk8s';
import { ActivityProbe, RedirectLevel, SpawnerImage, WorkspaceKind } from '../../lib';
import { addSmallKind, synthApp, synthError } from './helpers';

describe('WorkspaceKind', () => {
  test('synthesizes the spec with the first options as defaults', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    addSmallKind(chart);
    const [kind] = synthApp(chart);
    expect(kind.apiVersion).toBe('kubeflow.org/v1beta1');
    expect(kind.kind).toBe('WorkspaceKind');
    expect(kind.metadata).toEqual({ name: 'small' });
    expect(kind.spec.podTemplate.options.imageConfig.spawner.default).toBe('img_a');
    expect(kind.spec.podTemplate.options.podConfig.spawner.default).toBe('small');
    expect(kind.spec.podTemplate.ports).toEqual([{ id: 'web', protocol: 'HTTP', defaultDisplayName: 'Web' }]);
    expect(kind.spec.podTemplate.volumeMounts).toEqual({ home: '/home/jovyan' });
    expect(kind.spec.spawner.logo).toEqual({ configMap: { name: 'logos', key: 'logo.svg' } });
  });

  test('is cluster-scoped: never takes the namespace of its chart', () => {
    const chart = new Chart(Testing.app(), 'kinds', { namespace: 'team-a' });
    addSmallKind(chart);
    const [kind] = synthApp(chart);
    expect(kind.metadata.namespace).toBeUndefined();
  });

  test('default options and redirects are written from handles', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    const { kind, images, pods } = addSmallKind(chart);
    kind.useDefaultImageConfig(images[1]);
    kind.useDefaultPodConfig(pods[1]);
    images[0].redirectTo(images[1], { level: RedirectLevel.WARNING, text: 'Moving to image B' });
    const [json] = synthApp(chart);
    const options = json.spec.podTemplate.options;
    expect(options.imageConfig.spawner.default).toBe('img_b');
    expect(options.podConfig.spawner.default).toBe('large');
    expect(options.imageConfig.values[0].redirect).toEqual({ to: 'img_b', message: { level: 'Warning', text: 'Moving to image B' } });
  });

  test('culling is written in whole seconds with a default of 24 hours', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    addSmallKind(chart, 'Kind', { culling: { activityProbe: ActivityProbe.exec(['bash', '-c', 'exit 0']) } });
    const [json] = synthApp(chart);
    expect(json.spec.podTemplate.culling).toEqual({
      enabled: true, maxInactiveSeconds: 86400, activityProbe: { exec: { command: ['bash', '-c', 'exit 0'] } },
    });
  });

  test('changes after a first synth reach the output and are validated again', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    const { images, pods } = addSmallKind(chart);
    synthApp(chart);
    images[0].redirectTo(images[1]);
    const [json] = synthApp(chart);
    expect(json.spec.podTemplate.options.imageConfig.values[0].redirect).toEqual({ to: 'img_b' });
    pods[0].redirectTo(pods[1]);
    pods[1].redirectTo(pods[0]);
    expect(synthError(chart)).toContain('podConfig redirect cycle detected');
  });

  test('objects passed in are copied: changing them later changes nothing', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    const extraEnv = [{ name: 'A', value: 'a' }];
    const podLabels: Record<string, string> = { team: 'ml' };
    addSmallKind(chart, 'Kind', { extraEnv, podLabels });
    extraEnv.push({ name: 'B', value: '{{ bad' });
    podLabels['!bad'] = 'x';
    const [json] = synthApp(chart);
    expect(json.spec.podTemplate.extraEnv).toEqual([{ name: 'A', value: 'a' }]);
    expect(json.spec.podTemplate.podMetadata.labels).toEqual({ team: 'ml' });
  });

  test('handles of another kind are reported at synth time, all of them', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    const a = addSmallKind(chart, 'A');
    const b = addSmallKind(chart, 'B', { name: 'other' });
    a.images[0].redirectTo(b.images[0]);
    a.kind.useDefaultPodConfig(b.pods[0]);
    a.kind.addImageConfig({ id: 'x', displayName: 'X', image: 'x:1', ports: [{ port: b.port, number: 80 }, { port: a.port, number: 80 }] });
    const message = synthError(chart);
    expect(message).toContain('[kinds/A] spec.podTemplate.options.imageConfig.values[img_a].redirect.to: Invalid value: "img_a": an option of another WorkspaceKind (kinds/B); expected an option of this kind');
    expect(message).toContain(`[kinds/A] spec.podTemplate.options.podConfig.spawner.default: Invalid value: "${b.pods[0].id}": an option of another WorkspaceKind (kinds/B); expected an option of this kind`);
    expect(message).toContain('[kinds/A] spec.podTemplate.options.imageConfig.values[x].spec.ports[web]: Invalid value: "web": a port of another WorkspaceKind (kinds/B); expected a port from this kind\'s addPort()');
    // the misused handles are left out of the manifest, so nothing else is reported about them
    expect(message).not.toMatch(/\[kinds\/B\]/);
  });

  describe('synth-time validation names the construct, the field, the value and the expectation', () => {
    test('a redirect cycle', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      const { images } = addSmallKind(chart);
      images[0].redirectTo(images[1]);
      images[1].redirectTo(images[0]);
      const message = synthError(chart);
      expect(message).toContain('[kinds/Kind] spec.podTemplate.options.imageConfig.values[img_a].redirect.to: Invalid value: "img_b": imageConfig redirect cycle detected: [img_a img_b]');
    });

    test('a port number used twice by one image', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      const { kind, port } = addSmallKind(chart);
      const other = kind.addPort({ id: 'other', displayName: 'Other' });
      kind.addImageConfig({ id: 'two_ports', displayName: 'Two', image: 'x:1', ports: [{ port, number: 8888 }, { port: other, number: 8888 }] });
      expect(synthError(chart)).toContain('spec.podTemplate.options.imageConfig.values[two_ports].spec.ports[other].port: Invalid value: 8888: port 8888 is defined more than once');
    });

    test('an extraEnv value that is not a valid template', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      addSmallKind(chart, 'Kind', { extraEnv: [{ name: 'NB_PREFIX', value: '{{ httpPathPrefix "web" }' }] });
      expect(synthError(chart)).toContain('spec.podTemplate.extraEnv[NB_PREFIX].value: Invalid value: "{{ httpPathPrefix \\"web\\" }": failed to parse template');
    });

    test('a bad pod label key', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      addSmallKind(chart, 'Kind', { podLabels: { '!bad-key!': 'v' } });
      expect(synthError(chart)).toContain('spec.podTemplate.podMetadata.labels: Invalid value: "!bad-key!"');
    });

    test('schema rules: name pattern and lengths', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      addSmallKind(chart, 'Kind', { name: 'Bad_Name', displayName: 'X' });
      const message = synthError(chart);
      expect(message).toContain('[kinds/Kind] metadata.name: Invalid value: "Bad_Name"');
      expect(message).toContain('spec.spawner.displayName: Invalid value: "X"');
    });

    test('culling shorter than a minute or not in whole seconds', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      addSmallKind(chart, 'Kind', { culling: { maxInactive: Duration.millis(1500), activityProbe: ActivityProbe.jupyter() } });
      const message = synthError(chart);
      expect(message).toContain('spec.podTemplate.culling.maxInactiveSeconds');
      expect(message).toContain('1.5');
    });

    test('a kind without image options', () => {
      const chart = new Chart(Testing.app(), 'kinds');
      const kind = new WorkspaceKind(chart, 'Empty', {
        name: 'empty', displayName: 'Empty', description: 'No options',
        icon: SpawnerImage.fromUrl('https://example.com/i.png'), logo: SpawnerImage.fromUrl('https://example.com/l.png'),
        serviceAccountName: 'sa',
      });
      kind.addPort({ id: 'web', displayName: 'Web' });
      const message = synthError(chart);
      expect(message).toContain('spec.podTemplate.options.imageConfig.values');
      expect(message).toContain('spec.podTemplate.options.podConfig.values');
    });
  });
});
