/** Fixtures of the reconciler's unit tests: the samples, and objects as the API server would return them. */
import { RenderedService, RenderedStatefulSet } from '../../lib/core/render';
import { ServiceObject, StatefulSetObject } from '../../lib/core/kube-objects';
import { Mutable, sampleKind, sampleWorkspace } from '../core/fixtures';

export const NS = 'workspace-test';
export const WS_UID = '00000000-0000-0000-0000-00000000a001';

export function workspace(edit?: (ws: Mutable) => void): Mutable {
  const ws = sampleWorkspace();
  ws.metadata = { name: 'jupyterlab-workspace', namespace: NS, uid: WS_UID, resourceVersion: '100', generation: 1 };
  edit?.(ws);
  return ws;
}

export function kind(edit?: (k: Mutable) => void): Mutable {
  const k = sampleKind();
  k.metadata = { ...k.metadata, uid: 'kind-uid', resourceVersion: '50', generation: 1, finalizers: ['notebooks.kubeflow.org/workspacekind-protection'] };
  edit?.(k);
  return k;
}

/**
 * What the API server stores for a created StatefulSet: a generated name, defaults filled in (pod-level, container,
 * probe and port defaults) and quantities in canonical form.
 */
export function liveStatefulSet(rendered: RenderedStatefulSet, name = 'ws-jupyterlab-workspace-abcde'): StatefulSetObject {
  const template: Mutable = structuredClone(rendered.spec.template);
  Object.assign(template.spec, {
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    terminationGracePeriodSeconds: 30,
    securityContext: template.spec.securityContext ?? {},
  });
  template.metadata.creationTimestamp = null;
  for (const c of template.spec.containers) {
    c.terminationMessagePath = '/dev/termination-log';
    c.terminationMessagePolicy = 'File';
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      if (c[probe]) c[probe] = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...c[probe] };
      if (c[probe]?.httpGet) c[probe].httpGet = { scheme: 'HTTP', ...c[probe].httpGet };
    }
    for (const map of ['requests', 'limits']) {
      const q = c.resources?.[map];
      if (q?.cpu === '1000m') q.cpu = '1';
      if (q?.cpu === '4000m') q.cpu = '4';
      if (q?.['nvidia.com/gpu'] === 1) q['nvidia.com/gpu'] = '1';
    }
  }
  for (const v of template.spec.volumes ?? []) {
    if (v.configMap) v.configMap = { defaultMode: 420, ...v.configMap };
  }
  return {
    metadata: {
      name,
      namespace: rendered.metadata.namespace,
      uid: `uid-${name}`,
      resourceVersion: '200',
      generation: 1,
      labels: { ...rendered.metadata.labels },
      ownerReferences: rendered.metadata.ownerReferences,
    },
    spec: { replicas: rendered.spec.replicas, selector: rendered.spec.selector, template },
  };
}

export function liveService(rendered: RenderedService, name = 'ws-jupyterlab-workspace-fghij'): ServiceObject {
  return {
    metadata: {
      name,
      namespace: rendered.metadata.namespace,
      uid: `uid-${name}`,
      resourceVersion: '201',
      labels: { ...rendered.metadata.labels },
      ownerReferences: rendered.metadata.ownerReferences,
    },
    spec: { type: 'ClusterIP', selector: { ...rendered.spec.selector }, ports: rendered.spec.ports.map((p) => ({ ...p })) },
  };
}

export function runningPod(name = 'ws-jupyterlab-workspace-abcde-0'): Mutable {
  return {
    metadata: { name, namespace: NS, uid: 'pod-uid', resourceVersion: '300', labels: { 'notebooks.kubeflow.org/workspace-name': 'jupyterlab-workspace' } },
    spec: { containers: [{ name: 'main' }] },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' },
      ],
      containerStatuses: [{ name: 'main', state: {} }],
    },
  };
}
