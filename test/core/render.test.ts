import { OptionResolutionError } from '../../lib/core/options';
import { RenderedObject, RenderError, renderService, renderStatefulSet } from '../../lib/core/render';
import { Mutable, sampleKind, sampleWorkspace } from './fixtures';

/** The sample Workspace as applied in namespace `workspace-test` (docs/upstream-behavior.md, golden output). */
function workspace(): Mutable {
  const ws = sampleWorkspace();
  ws.metadata.namespace = 'workspace-test';
  ws.metadata.uid = '6f1f0c4e-3b7a-4c39-9d3e-000000000001';
  return ws;
}

const OWNER = {
  apiVersion: 'kubeflow.org/v1beta1',
  kind: 'Workspace',
  name: 'jupyterlab-workspace',
  uid: '6f1f0c4e-3b7a-4c39-9d3e-000000000001',
  controller: true,
  blockOwnerDeletion: true,
};
const SELECTOR = { 'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace', statefulset: 'jupyterlab-workspace' };

describe('golden output', () => {
  test('StatefulSet of the sample Workspace and Kind', () => {
    expect(renderStatefulSet(workspace(), sampleKind())).toEqual({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        generateName: 'ws-jupyterlab-workspace-',
        namespace: 'workspace-test',
        labels: { 'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace' },
        ownerReferences: [OWNER],
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: SELECTOR },
        template: {
          metadata: {
            labels: { 'my-workspace-kind-label': 'my-value', ...SELECTOR },
            annotations: { 'my-workspace-kind-annotation': 'my-value' },
          },
          spec: {
            serviceAccountName: 'default-editor',
            securityContext: { fsGroup: 100 },
            containers: [
              {
                name: 'main',
                image: 'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.9.0',
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http-8888', containerPort: 8888, protocol: 'TCP' }],
                env: [{ name: 'NB_PREFIX', value: '/workspace/workspace-test/jupyterlab-workspace/jupyterlab/' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
                volumeMounts: [
                  { name: 'home-volume', mountPath: '/home/jovyan' },
                  { name: 'data-volume-0', mountPath: '/data/my-data' },
                  { name: 'dshm', mountPath: '/dev/shm' },
                ],
              },
            ],
            volumes: [
              { name: 'home-volume', persistentVolumeClaim: { claimName: 'workspace-home-pvc' } },
              { name: 'data-volume-0', persistentVolumeClaim: { claimName: 'workspace-data-pvc' } },
              { name: 'dshm', emptyDir: { medium: 'Memory' } },
            ],
          },
        },
      },
    });
  });

  test('Service of the sample Workspace and Kind', () => {
    expect(renderService(workspace(), sampleKind())).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        generateName: 'ws-jupyterlab-workspace-',
        namespace: 'workspace-test',
        labels: { 'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace' },
        ownerReferences: [OWNER],
      },
      spec: {
        type: 'ClusterIP',
        selector: SELECTOR,
        ports: [{ name: 'http-8888', port: 8888, targetPort: 8888, protocol: 'TCP' }],
      },
    });
  });

  test('variant: the redirected jupyterlab_scipy_180 is rendered as selected (v1.8.0), not as its redirect target', () => {
    const ws = workspace();
    ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_180';
    const container = renderStatefulSet(ws, sampleKind()).spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.8.0');
  });

  test('paused Workspaces get 0 replicas', () => {
    const ws = workspace();
    ws.spec.paused = true;
    expect(renderStatefulSet(ws, sampleKind()).spec.replicas).toBe(0);
  });

  test('without a uid (rendering a manifest offline) no ownerReference is set', () => {
    const ws = workspace();
    delete ws.metadata.uid;
    expect(renderStatefulSet(ws, sampleKind()).metadata.ownerReferences).toBeUndefined();
    expect(renderService(ws, sampleKind()).metadata.ownerReferences).toBeUndefined();
  });
});

describe('pod template assembly (§1.5)', () => {
  test('pod metadata: Workspace overrides Kind, system labels override both', () => {
    const ws = workspace();
    ws.spec.podTemplate.podMetadata = {
      labels: { 'my-workspace-kind-label': 'from-ws', statefulset: 'hijack', extra: 'x' },
      annotations: { 'my-workspace-kind-annotation': 'from-ws', note: 'y' },
    };
    const { metadata } = renderStatefulSet(ws, sampleKind()).spec.template;
    expect(metadata.labels).toEqual({ 'my-workspace-kind-label': 'from-ws', extra: 'x', ...SELECTOR });
    expect(metadata.annotations).toEqual({ 'my-workspace-kind-annotation': 'from-ws', note: 'y' });
  });

  test('no pod annotations on either side: none rendered', () => {
    const kind = sampleKind();
    delete kind.spec.podTemplate.podMetadata;
    expect(renderStatefulSet(workspace(), kind).spec.template.metadata.annotations).toBeUndefined();
  });

  test('podConfig affinity/nodeSelector/tolerations: empty maps and lists are omitted, an empty affinity kept', () => {
    const ws = workspace();
    ws.spec.podTemplate.options.podConfig = 'small_cpu';
    const spec = renderStatefulSet(ws, sampleKind()).spec.template.spec;
    expect(spec.affinity).toEqual({});
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.tolerations).toBeUndefined();
    expect(spec.containers[0].resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' } });

    ws.spec.podTemplate.options.podConfig = 'big_gpu';
    const gpu = renderStatefulSet(ws, sampleKind()).spec.template.spec;
    expect(gpu.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(gpu.containers[0].resources).toEqual({ requests: { cpu: '4000m', memory: '16Gi' }, limits: { 'nvidia.com/gpu': 1 } });
  });

  test('absent resources render as an empty object; absent pull policy as IfNotPresent', () => {
    const kind = sampleKind();
    delete kind.spec.podTemplate.options.podConfig.values[0].spec.resources;
    delete kind.spec.podTemplate.options.imageConfig.values[1].spec.imagePullPolicy;
    const container = renderStatefulSet(workspace(), kind).spec.template.spec.containers[0];
    expect(container.resources).toEqual({});
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('probes are copied verbatim from the Kind', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.probes = {
      readinessProbe: { httpGet: { path: '/api', port: 8888 } },
      startupProbe: { tcpSocket: { port: 8888 }, failureThreshold: 30 },
    };
    const container = renderStatefulSet(workspace(), kind).spec.template.spec.containers[0];
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/api', port: 8888 } });
    expect(container.startupProbe).toEqual({ tcpSocket: { port: 8888 }, failureThreshold: 30 });
    expect(container.livenessProbe).toBeUndefined();
  });

  test('extraEnv: httpPathPrefix keys off the image ports; unknown ids render ""; valueFrom and empty values are copied', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.extraEnv = [
      { name: 'A', value: 'prefix={{ httpPathPrefix "jupyterlab" }}' },
      { name: 'B', value: '{{httpPathPrefix "nope"}}' },
      { name: 'C', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'D', value: '' },
      { name: 'E', value: 'plain' },
    ];
    const env = renderStatefulSet(workspace(), kind).spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'A', value: 'prefix=/workspace/workspace-test/jupyterlab-workspace/jupyterlab/' },
      { name: 'B', value: '' },
      { name: 'C', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'D', value: '' },
      { name: 'E', value: 'plain' },
    ]);
  });

  test('an unparsable template is a StatefulSet generation error with the upstream texts', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.extraEnv = [{ name: 'NB_PREFIX', value: '{{ httpPathPrefix "jupyterlab" }' }];
    let error: unknown;
    try {
      renderStatefulSet(workspace(), kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    const err = error as RenderError;
    expect(err.object).toBe(RenderedObject.STATEFUL_SET);
    expect(err.message).toMatch(/^failed to render extraEnv "NB_PREFIX": failed to parse template "\{\{ httpPathPrefix \\"jupyterlab\\" \}": /);
    expect(err.stateMessage).toMatch(
      /^Workspace failed to generate StatefulSet with error: failed to render extraEnv "NB_PREFIX": failed to parse template /,
    );
    // the Service does not use extraEnv
    expect(() => renderService(workspace(), kind)).not.toThrow();
  });

  test('duplicate image ports fail both objects with "duplicate port number <n> in imageConfig"', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.options.imageConfig.values[1].spec.ports.push({ id: 'other', port: 8888 });
    expect(() => renderStatefulSet(workspace(), kind)).toThrow(new RenderError(RenderedObject.STATEFUL_SET, 'duplicate port number 8888 in imageConfig'));
    try {
      renderService(workspace(), kind);
      throw new Error('expected a RenderError');
    } catch (e) {
      expect((e as RenderError).stateMessage).toBe('Workspace failed to generate Service with error: duplicate port number 8888 in imageConfig');
    }
  });

  test('ports are named by number, not id, in image order', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.options.imageConfig.values[1].spec.ports = [
      { id: 'jupyterlab', port: 8888 },
      { id: 'tensorboard', port: 6006 },
    ];
    expect(renderService(workspace(), kind).spec.ports.map((p) => p.name)).toEqual(['http-8888', 'http-6006']);
    expect(renderStatefulSet(workspace(), kind).spec.template.spec.containers[0].ports).toEqual([
      { name: 'http-8888', containerPort: 8888, protocol: 'TCP' },
      { name: 'http-6006', containerPort: 6006, protocol: 'TCP' },
    ]);
  });

  test('an unknown selected option is reported with the §2.5 detail', () => {
    const ws = workspace();
    ws.spec.podTemplate.options.podConfig = 'missing';
    expect(() => renderStatefulSet(ws, sampleKind())).toThrow(new OptionResolutionError('podConfig with id "missing" not found'));
  });
});

describe('volumes (§1.5)', () => {
  test('read-only data volumes mark both the claim and the mount', () => {
    const ws = workspace();
    ws.spec.podTemplate.volumes.data = [{ pvcName: 'ro', mountPath: '/ro', readOnly: true }];
    const spec = renderStatefulSet(ws, sampleKind()).spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'data-volume-0', persistentVolumeClaim: { claimName: 'ro', readOnly: true } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'data-volume-0', mountPath: '/ro', readOnly: true });
  });

  test('clashes are skipped silently: data on the home path, Kind volumes with used names, mounts of unknown volumes', () => {
    const ws = workspace();
    ws.spec.podTemplate.volumes.data = [
      { pvcName: 'clash', mountPath: '/home/jovyan' },
      { pvcName: 'ok', mountPath: '/data/ok' },
    ];
    const kind = sampleKind();
    kind.spec.podTemplate.extraVolumes = [
      { name: 'home-volume', emptyDir: {} },
      { name: 'data-volume-1', emptyDir: {} },
      { name: 'cache', emptyDir: {} },
    ];
    kind.spec.podTemplate.extraVolumeMounts = [
      { name: 'cache', mountPath: '/data/ok' },
      { name: 'cache', mountPath: '/cache' },
      { name: 'ghost', mountPath: '/ghost' },
      { name: 'home-volume', mountPath: '/home-again' },
    ];
    const spec = renderStatefulSet(ws, kind).spec.template.spec;
    expect(spec.volumes).toEqual([
      { name: 'home-volume', persistentVolumeClaim: { claimName: 'workspace-home-pvc' } },
      { name: 'data-volume-1', persistentVolumeClaim: { claimName: 'ok' } },
      { name: 'cache', emptyDir: {} },
    ]);
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'home-volume', mountPath: '/home/jovyan' },
      { name: 'data-volume-1', mountPath: '/data/ok' },
      { name: 'cache', mountPath: '/cache' },
      { name: 'home-volume', mountPath: '/home-again' },
    ]);
  });

  test('no home and no data: only the Kind volumes', () => {
    const ws = workspace();
    ws.spec.podTemplate.volumes = {};
    const spec = renderStatefulSet(ws, sampleKind()).spec.template.spec;
    expect(spec.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory' } }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
  });

  test('the result does not alias the Kind: editing it leaves the input unchanged', () => {
    const kind = sampleKind();
    const before = JSON.stringify(kind);
    const sts = renderStatefulSet(workspace(), kind);
    (sts.spec.template.spec.volumes as Mutable)[2].emptyDir.medium = 'changed';
    (sts.spec.template.spec.containers[0].securityContext as Mutable).runAsNonRoot = false;
    expect(JSON.stringify(kind)).toBe(before);
  });
});
