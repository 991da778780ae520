// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import {
  countOptionUsage,
  OptionType,
  usageLookup,
  validateWorkspaceKind,
  validateWorkspaceKindDelete,
  validateWorkspaceKindUpdate,
  ViolationType,
} from '../../lib/core/validation';
import { expectAccepted, expectRejected, messages, Mutable, sampleKind, webhookKind, webhookWorkspace } from './fixtures';

const IMAGES = 'spec.podTemplate.options.imageConfig';
const PODS = 'spec.podTemplate.options.podConfig';

function imageValue(kind: Mutable, id: string): Mutable {
  return kind.spec.podTemplate.options.imageConfig.values.find((v: Mutable) => v.id === id);
}

function podValue(kind: Mutable, id: string): Mutable {
  return kind.spec.podTemplate.options.podConfig.values.find((v: Mutable) => v.id === id);
}

describe('WorkspaceKind webhook create (§6.4)', () => {
  test('the sample Kind is valid', () => {
    expectAccepted(validateWorkspaceKind(sampleKind()));
  });

  test('K1 valid webhook Kind', () => {
    expectAccepted(validateWorkspaceKind(webhookKind()));
  });

  test('K2 bad podMetadata label key', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.podMetadata = { labels: { '!bad_key!': 'x' } };
    expectRejected(validateWorkspaceKind(kind), 'spec.podTemplate.podMetadata.labels: Invalid value: "!bad_key!"');
  });

  test('K3 bad podMetadata annotation key', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.podMetadata = { annotations: { '!bad_key!': 'x' } };
    expectRejected(validateWorkspaceKind(kind), 'spec.podTemplate.podMetadata.annotations: Invalid value: "!bad_key!"');
  });

  test('K4 imageConfig redirect cycle', () => {
    const kind = webhookKind();
    imageValue(kind, 'jupyterlab_scipy_190').redirect = { to: 'jupyterlab_scipy_180' };
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      `${IMAGES}.values[jupyterlab_scipy_180].redirect.to: Invalid value: "jupyterlab_scipy_190": imageConfig redirect cycle detected: [jupyterlab_scipy_180 jupyterlab_scipy_190]`,
    ]);
  });

  test('K5 podConfig redirect cycle', () => {
    const kind = webhookKind();
    podValue(kind, 'tiny_cpu').redirect = { to: 'small_cpu' };
    podValue(kind, 'small_cpu').redirect = { to: 'tiny_cpu' };
    expectRejected(validateWorkspaceKind(kind), 'podConfig redirect cycle detected: [tiny_cpu small_cpu]');
  });

  test('K6 imageConfig redirect to a missing id', () => {
    const kind = webhookKind();
    imageValue(kind, 'jupyterlab_scipy_180').redirect.to = 'invalid_image_config';
    expectRejected(
      validateWorkspaceKind(kind),
      `${IMAGES}.values[jupyterlab_scipy_180].redirect.to: Invalid value: "invalid_image_config": target imageConfig "invalid_image_config" does not exist`,
    );
  });

  test('K7 podConfig redirect to a missing id', () => {
    const kind = webhookKind();
    podValue(kind, 'tiny_cpu').redirect = { to: 'invalid_pod_config' };
    expectRejected(validateWorkspaceKind(kind), 'target podConfig "invalid_pod_config" does not exist');
  });

  test('K8 missing imageConfig default', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.options.imageConfig.spawner.default = 'invalid_image_config';
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      `${IMAGES}.spawner.default: Invalid value: "invalid_image_config": default imageConfig "invalid_image_config" not found`,
    ]);
  });

  test('K9 missing podConfig default', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.options.podConfig.spawner.default = 'invalid_pod_config';
    expectRejected(validateWorkspaceKind(kind), 'default podConfig "invalid_pod_config" not found');
  });

  test('K10 duplicate port numbers in one image', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.ports.push({ id: 'jupyterlab2', defaultDisplayName: 'JupyterLab 2', protocol: 'HTTP' });
    imageValue(kind, 'jupyterlab_scipy_190').spec.ports = [
      { id: 'jupyterlab', port: 8888 },
      { id: 'jupyterlab2', port: 8888 },
    ];
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      `${IMAGES}.values[jupyterlab_scipy_190].spec.ports[jupyterlab2].port: Invalid value: 8888: port 8888 is defined more than once`,
    ]);
  });

  test('K11 empty Kind ports (schema minItems)', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.ports = [];
    const v = validateWorkspaceKind(kind);
    expectRejected(v, 'spec.podTemplate.ports: Invalid value: 0: spec.podTemplate.ports in body should have at least 1 items');
    // The webhook's port-id rule also fires on what is there.
    expectRejected(v, '"jupyterlab": missing from spec.podTemplate.ports');
  });

  test('K12 duplicate Kind port ids, entries without protocol', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.ports = [
      { id: 'jupyterlab', defaultDisplayName: 'JupyterLab' },
      { id: 'jupyterlab', defaultDisplayName: 'JupyterLab Again' },
    ];
    const v = validateWorkspaceKind(kind);
    expectRejected(v, 'spec.podTemplate.ports[0].protocol: Required value', 'spec.podTemplate.ports[1]: Duplicate value: {"id":"jupyterlab"}');
  });

  test('K13 image ports reference ids missing from the Kind ports', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.ports = [{ id: 'non-existent-port-id', defaultDisplayName: 'Nope', protocol: 'HTTP' }];
    const v = validateWorkspaceKind(kind);
    expectRejected(
      v,
      `${IMAGES}.values[jupyterlab_scipy_180].spec.ports[jupyterlab].id: Invalid value: "jupyterlab": missing from spec.podTemplate.ports`,
      `${IMAGES}.values[redirect_step_1].spec.ports[my_port].id: Invalid value: "my_port": missing from spec.podTemplate.ports`,
    );
    expect(v).toHaveLength(5);
  });

  test('K14 unterminated template action', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }';
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      'spec.podTemplate.extraEnv[NB_PREFIX].value: Invalid value: "{{ httpPathPrefix \\"jupyterlab\\" }": failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }": unexpected "}" in operand',
    ]);
  });

  test('templates that fail to execute and empty / valueFrom entries', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.extraEnv = [
      { name: 'A', value: '{{ httpPathPrefix }}' },
      { name: 'B', value: '' },
      { name: 'C', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'D', value: 'plain {{ httpPathPrefix "unknown-port-is-fine" }}' },
    ];
    expect(messages(validateWorkspaceKind(kind))).toEqual([
      'spec.podTemplate.extraEnv[A].value: Invalid value: "{{ httpPathPrefix }}": failed to execute template "{{ httpPathPrefix }}": wrong number of args for httpPathPrefix: want 1 got 0',
    ]);
  });

  test('webhook error order: podMetadata, extraEnv, defaults, image values, redirects', () => {
    const kind = webhookKind();
    const pt = kind.spec.podTemplate;
    pt.podMetadata = { labels: { '!l!': 'x' } };
    pt.extraEnv[0].value = '{{';
    pt.options.imageConfig.spawner.default = 'nope';
    pt.options.podConfig.spawner.default = 'nope';
    imageValue(kind, 'jupyterlab_scipy_190').spec.ports.push({ id: 'jupyterlab', port: 8888 });
    imageValue(kind, 'redirect_step_3').redirect = { to: 'gone' };
    podValue(kind, 'redirect_step_3').redirect = { to: 'gone' };
    const fields = validateWorkspaceKind(kind).map((v) => v.field);
    expect(fields).toEqual([
      // schema first: the image's duplicate port id (list-map)
      `${IMAGES}.values[jupyterlab_scipy_190].spec.ports[1]`,
      'spec.podTemplate.podMetadata.labels',
      'spec.podTemplate.extraEnv[NB_PREFIX].value',
      `${IMAGES}.spawner.default`,
      `${PODS}.spawner.default`,
      `${IMAGES}.values[jupyterlab_scipy_190].spec.ports[jupyterlab].port`,
      `${IMAGES}.values[redirect_step_3].redirect.to`,
      `${PODS}.values[redirect_step_3].redirect.to`,
    ]);
  });

  test('after the first cycle, further edges of that type are not checked', () => {
    const kind = webhookKind();
    imageValue(kind, 'jupyterlab_scipy_190').redirect = { to: 'jupyterlab_scipy_180' };
    imageValue(kind, 'redirect_step_3').redirect = { to: 'gone' };
    expect(validateWorkspaceKind(kind)).toHaveLength(1);
  });
});

describe('WorkspaceKind webhook update (§6.5)', () => {
  const withWorkspace = usageLookup(countOptionUsage('jupyterlab', [webhookWorkspace()]));
  const noWorkspace = usageLookup(countOptionUsage('jupyterlab', []));

  function update(edit: (kind: Mutable) => void, usage = withWorkspace) {
    const old = webhookKind();
    const kind = webhookKind();
    edit(kind);
    return validateWorkspaceKindUpdate(old, kind, usage);
  }

  test('no change is accepted', () => {
    expectAccepted(update(() => undefined));
  });

  test('U1 reversing imageConfig values is accepted', () => {
    expectAccepted(update((k) => k.spec.podTemplate.options.imageConfig.values.reverse()));
  });

  test('U2 reversing podConfig values is accepted', () => {
    expectAccepted(update((k) => k.spec.podTemplate.options.podConfig.values.reverse()));
  });

  test('U3 changing an in-use image', () => {
    const v = update((k) => (k.spec.podTemplate.options.imageConfig.values[0].spec.image = 'new-image:latest'));
    expect(messages(v)).toEqual([
      `${IMAGES}.values[jupyterlab_scipy_180]: Invalid value: "jupyterlab_scipy_180": imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed`,
    ]);
  });

  test('U4 changing in-use pod resources', () => {
    const v = update((k) => (podValue(k, 'tiny_cpu').spec.resources.limits = { cpu: '1.5' }));
    expectRejected(v, 'podConfig value "tiny_cpu" is in use and cannot be changed');
  });

  test('U5 changing an unused image', () => {
    expectAccepted(update((k) => (k.spec.podTemplate.options.imageConfig.values[1].spec.image = 'new-image:latest')));
  });

  test('U6 changing unused pod resources', () => {
    expectAccepted(update((k) => (podValue(k, 'small_cpu').spec.resources.limits = { cpu: '1.5' })));
  });

  test('U7 removing an in-use image', () => {
    const v = update((k) => k.spec.podTemplate.options.imageConfig.values.splice(0, 1));
    expect(messages(v)).toEqual([
      `${IMAGES}.values[jupyterlab_scipy_180]: Invalid value: "jupyterlab_scipy_180": imageConfig value "jupyterlab_scipy_180" is in use and cannot be removed`,
    ]);
  });

  test('U8 removing an in-use podConfig (also the default)', () => {
    const v = update((k) => k.spec.podTemplate.options.podConfig.values.splice(0, 1));
    expectRejected(v, 'podConfig value "tiny_cpu" is in use and cannot be removed', 'default podConfig "tiny_cpu" not found');
  });

  test('U9 removing an unused image', () => {
    expectAccepted(update((k) => k.spec.podTemplate.options.imageConfig.values.splice(2, 1)));
  });

  test('U10 removing an unused podConfig', () => {
    expectAccepted(update((k) => k.spec.podTemplate.options.podConfig.values.splice(3, 1)));
  });

  test('U11 removing the default image', () => {
    const v = update((k) => k.spec.podTemplate.options.imageConfig.values.splice(1, 1), noWorkspace);
    // 180 redirects to the removed 190, so the redirect check reports that too.
    expect(messages(v)).toEqual([
      `${IMAGES}.spawner.default: Invalid value: "jupyterlab_scipy_190": default imageConfig "jupyterlab_scipy_190" not found`,
      `${IMAGES}.values[jupyterlab_scipy_180].redirect.to: Invalid value: "jupyterlab_scipy_190": target imageConfig "jupyterlab_scipy_190" does not exist`,
    ]);
  });

  test('U12 removing the default podConfig', () => {
    expectRejected(
      update((k) => k.spec.podTemplate.options.podConfig.values.splice(0, 1)),
      `${PODS}.spawner.default: Invalid value: "tiny_cpu": default podConfig "tiny_cpu" not found`,
    );
  });

  test('U13 removing an image redirect target', () => {
    const v = update((k) => k.spec.podTemplate.options.imageConfig.values.splice(3, 1));
    expect(messages(v)).toEqual([
      `${IMAGES}.values[redirect_step_1].redirect.to: Invalid value: "redirect_step_2": target imageConfig "redirect_step_2" does not exist`,
    ]);
  });

  test('U14 removing a podConfig redirect target', () => {
    expectRejected(
      update((k) => k.spec.podTemplate.options.podConfig.values.splice(4, 1)),
      'target podConfig "redirect_step_2" does not exist',
    );
  });

  test('U15 removing a whole image chain', () => {
    expectAccepted(update((k) => k.spec.podTemplate.options.imageConfig.values.splice(2, 3)));
  });

  test('U16 removing a whole podConfig chain', () => {
    expectAccepted(update((k) => k.spec.podTemplate.options.podConfig.values.splice(3, 3)));
  });

  test('U17 image self-redirect', () => {
    const v = update((k) => (k.spec.podTemplate.options.imageConfig.values[1].redirect = { to: 'jupyterlab_scipy_190' }));
    expectRejected(v, 'imageConfig redirect cycle detected: [jupyterlab_scipy_190]');
  });

  test('U18 podConfig two-node cycle', () => {
    const v = update((k) => {
      podValue(k, 'tiny_cpu').redirect = { to: 'small_cpu' };
      podValue(k, 'small_cpu').redirect = { to: 'tiny_cpu' };
    });
    expectRejected(v, 'podConfig redirect cycle detected: [');
  });

  test('U19 image redirect to a missing id', () => {
    const v = update((k) => (k.spec.podTemplate.options.imageConfig.values[1].redirect = { to: 'invalid_image_config' }));
    expectRejected(v, 'target imageConfig "invalid_image_config" does not exist');
  });

  test('U20 podConfig redirect to a missing id', () => {
    const v = update((k) => (podValue(k, 'small_cpu').redirect = { to: 'invalid_pod_config' }));
    expectRejected(v, 'target podConfig "invalid_pod_config" does not exist');
  });

  test('U21 image default to a missing id', () => {
    const v = update((k) => (k.spec.podTemplate.options.imageConfig.spawner.default = 'invalid_image_config'));
    expectRejected(v, 'default imageConfig "invalid_image_config" not found');
  });

  test('U22 podConfig default to a missing id', () => {
    const v = update((k) => (k.spec.podTemplate.options.podConfig.spawner.default = 'invalid_pod_config'));
    expectRejected(v, 'default podConfig "invalid_pod_config" not found');
  });

  test('U23 duplicate port numbers in an unused image', () => {
    const v = update((k) => {
      k.spec.podTemplate.options.imageConfig.values[1].spec.ports = [
        { id: 'jupyterlab', port: 8888 },
        { id: 'my_port', port: 8888 },
      ];
    });
    expect(messages(v)).toEqual([
      `${IMAGES}.values[jupyterlab_scipy_190].spec.ports[my_port].port: Invalid value: 8888: port 8888 is defined more than once`,
    ]);
  });

  test('U24 duplicate Kind port id', () => {
    const v = update((k) => (k.spec.podTemplate.ports[1].id = 'jupyterlab'));
    expectRejected(v, 'Duplicate value:', 'jupyterlab');
    // The Kind ports changed, so all images are re-validated: my_port is gone.
    expectRejected(v, '"my_port": missing from spec.podTemplate.ports');
  });

  test('U25 Kind port id renamed', () => {
    const v = update((k) => (k.spec.podTemplate.ports[0].id = 'non-existent-port-id'));
    expectRejected(v, '"jupyterlab": missing from spec.podTemplate.ports');
  });

  test('U26 bad podMetadata label key', () => {
    const v = update((k) => (k.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'some-value' } }));
    expectRejected(v, 'Invalid value: "!bad-key!"');
  });

  test('U27 bad podMetadata annotation key', () => {
    const v = update((k) => (k.spec.podTemplate.podMetadata = { annotations: { '!bad-key!': 'some-value' } }));
    expectRejected(v, 'Invalid value: "!bad-key!"');
  });

  test('U28 unterminated template action', () => {
    const v = update((k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }'));
    expectRejected(v, 'failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }"');
  });

  test('U29 extra whitespace inside the action is fine', () => {
    expectAccepted(update((k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab"   }}')));
  });
});

describe('WorkspaceKind update: semantics', () => {
  const inUseEverywhere = () => 1;

  test('pod resources are compared by quantity value; empty maps equal absent ones', () => {
    const old = webhookKind();
    podValue(old, 'small_cpu').spec.resources = { requests: { cpu: '1000m', memory: '2Gi' }, limits: {} };
    const kind = webhookKind();
    podValue(kind, 'small_cpu').spec.resources = { requests: { cpu: 1, memory: '2048Mi' } };
    expectAccepted(validateWorkspaceKindUpdate(old, kind, inUseEverywhere));
    podValue(kind, 'small_cpu').spec.resources.requests.cpu = '1001m';
    expectRejected(validateWorkspaceKindUpdate(old, kind, inUseEverywhere), 'podConfig value "small_cpu" is in use and cannot be changed');
  });

  test('other podConfig fields are compared as written', () => {
    const kind = webhookKind();
    podValue(kind, 'small_cpu').spec.nodeSelector = {};
    expectRejected(validateWorkspaceKindUpdate(webhookKind(), kind, inUseEverywhere), 'podConfig value "small_cpu" is in use and cannot be changed');
  });

  test('image specs are compared after defaulting, and in order', () => {
    const old = webhookKind();
    const kind = webhookKind();
    imageValue(kind, 'jupyterlab_scipy_190').spec.imagePullPolicy = 'IfNotPresent';
    expectAccepted(validateWorkspaceKindUpdate(old, kind, inUseEverywhere));
    imageValue(old, 'jupyterlab_scipy_190').spec.ports.push({ id: 'my_port', port: 9999 });
    imageValue(kind, 'jupyterlab_scipy_190').spec.ports = [...imageValue(old, 'jupyterlab_scipy_190').spec.ports].reverse();
    expectRejected(validateWorkspaceKindUpdate(old, kind, inUseEverywhere), 'imageConfig value "jupyterlab_scipy_190" is in use and cannot be changed');
  });

  test('a changed in-use image is also validated', () => {
    const kind = webhookKind();
    imageValue(kind, 'jupyterlab_scipy_180').spec.ports = [{ id: 'nope', port: 1 }];
    expect(messages(validateWorkspaceKindUpdate(webhookKind(), kind, inUseEverywhere))).toEqual([
      `${IMAGES}.values[jupyterlab_scipy_180].spec.ports[nope].id: Invalid value: "nope": missing from spec.podTemplate.ports`,
      `${IMAGES}.values[jupyterlab_scipy_180]: Invalid value: "jupyterlab_scipy_180": imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed`,
    ]);
  });

  test('unchanged invalid parts of the old object are not re-checked by the webhook', () => {
    // Port 8888 twice in an image, stored while the webhook was off: untouched, so not reported again.
    const old = webhookKind();
    old.spec.podTemplate.ports.push({ id: 'jupyterlab2', defaultDisplayName: 'Two', protocol: 'HTTP' });
    imageValue(old, 'redirect_step_1').spec.ports.push({ id: 'jupyterlab2', port: 1234 });
    const kind = structuredClone(old);
    kind.spec.spawner.displayName = 'Renamed';
    expectAccepted(validateWorkspaceKindUpdate(old, kind, inUseEverywhere));
  });

  test('error order: podMetadata, extraEnv, defaults, values, in-use (image changed, removed, pod changed, removed), redirects', () => {
    const kind = webhookKind();
    const pt = kind.spec.podTemplate;
    pt.podMetadata = { annotations: { '!a!': '' } };
    pt.extraEnv[0].value = '{{';
    pt.options.imageConfig.spawner.default = 'x';
    pt.options.imageConfig.values[0].spec.image = 'changed';
    pt.options.imageConfig.values.splice(1, 1); // 190 removed, 180 redirects to it
    podValue(kind, 'tiny_cpu').spec = {};
    pt.options.podConfig.values.splice(1, 1); // small_cpu removed
    pt.options.imageConfig.values.push({ id: 'new', spawner: { displayName: 'New' }, spec: { image: 'i:1', ports: [{ id: 'zz', port: 1 }] } });
    const v = validateWorkspaceKindUpdate(webhookKind(), kind, inUseEverywhere);
    expect(v.map((x) => x.field)).toEqual([
      'spec.podTemplate.podMetadata.annotations',
      'spec.podTemplate.extraEnv[NB_PREFIX].value',
      `${IMAGES}.spawner.default`,
      `${IMAGES}.values[new].spec.ports[zz].id`,
      `${IMAGES}.values[jupyterlab_scipy_180]`,
      `${IMAGES}.values[jupyterlab_scipy_190]`,
      `${PODS}.values[tiny_cpu]`,
      `${PODS}.values[small_cpu]`,
      `${IMAGES}.values[jupyterlab_scipy_180].redirect.to`,
    ]);
    expect(v.slice(4, 8).map((x) => x.detail.replace(/^.* is in use and /, ''))).toEqual([
      'cannot be changed',
      'cannot be removed',
      'cannot be changed',
      'cannot be removed',
    ]);
  });

  test('a failing usage lookup becomes a single internal error', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.options.imageConfig.values[0].spec.image = 'changed';
    kind.spec.podTemplate.options.imageConfig.spawner.default = 'x';
    const v = validateWorkspaceKindUpdate(webhookKind(), kind, () => {
      throw new Error('list failed');
    });
    expect(v).toEqual([
      {
        field: '<root>',
        type: ViolationType.INTERNAL,
        detail: 'failed to get usage count for imageConfig with id "jupyterlab_scipy_180": list failed',
      },
    ]);
  });

  test('usage is only consulted for changed or removed options', () => {
    const asked: string[] = [];
    const kind = webhookKind();
    podValue(kind, 'big_gpu').spec.resources.limits['nvidia.com/gpu'] = 2;
    validateWorkspaceKindUpdate(webhookKind(), kind, (type, id) => {
      asked.push(`${type}/${id}`);
      return 0;
    });
    expect(asked).toEqual(['podConfig/big_gpu']);
  });

  test('CEL transition rules: serviceAccount.name and volumeMounts.home are immutable', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.serviceAccount.name = 'other';
    kind.spec.podTemplate.volumeMounts.home = '/home/other';
    expect(messages(validateWorkspaceKindUpdate(webhookKind(), kind, () => 0))).toEqual([
      `spec.podTemplate.serviceAccount.name: Invalid value: "other": ServiceAccount 'name' is immutable`,
      `spec.podTemplate.volumeMounts.home: Invalid value: "/home/other": mount path of 'home' is immutable`,
    ]);
    // On create there is no old object, so transition rules do not run.
    expectAccepted(validateWorkspaceKind(kind));
  });
});

describe('WorkspaceKind delete', () => {
  test('refused while Workspaces use it', () => {
    const kind = webhookKind();
    kind.status = { workspaces: 2 };
    kind.metadata.finalizers = ['notebooks.kubeflow.org/workspacekind-protection'];
    expect(validateWorkspaceKindDelete(kind)).toEqual([
      {
        field: 'status.workspaces',
        type: ViolationType.CONFLICT,
        value: 2,
        detail: 'Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab": WorkspaceKind is used by 2 workspace(s)',
      },
    ]);
  });

  test('refused while the protection finalizer is set', () => {
    const kind = webhookKind();
    kind.status = { workspaces: 0 };
    kind.metadata.finalizers = ['other/finalizer', 'notebooks.kubeflow.org/workspacekind-protection'];
    expect(messages(validateWorkspaceKindDelete(kind))).toEqual([
      'metadata.finalizers: Conflict: "notebooks.kubeflow.org/workspacekind-protection": Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab": WorkspaceKind has protection finalizer, indicating one or more workspaces are still using it',
    ]);
  });

  test('allowed otherwise, also for malformed input', () => {
    const kind = webhookKind();
    kind.status = { workspaces: 0 };
    kind.metadata.finalizers = ['other/finalizer'];
    expectAccepted(validateWorkspaceKindDelete(kind));
    expectAccepted(validateWorkspaceKindDelete(null as unknown as Mutable));
  });
});

describe('countOptionUsage', () => {
  test('counts spec-selected ids of Workspaces of that Kind, in any namespace', () => {
    const a = webhookWorkspace();
    const b = webhookWorkspace();
    b.metadata.namespace = 'other';
    b.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
    const c = webhookWorkspace();
    c.spec.kind = 'another-kind';
    const counts = countOptionUsage('jupyterlab', [a, b, c, { metadata: {} }, null as unknown as Mutable]);
    expect([...counts.imageConfig]).toEqual([
      ['jupyterlab_scipy_180', 1],
      ['jupyterlab_scipy_190', 1],
    ]);
    expect([...counts.podConfig]).toEqual([['tiny_cpu', 2]]);
    const usage = usageLookup(counts);
    expect(usage(OptionType.POD_CONFIG, 'tiny_cpu')).toBe(2);
    expect(usage(OptionType.POD_CONFIG, 'big_gpu')).toBe(0);
  });
});
