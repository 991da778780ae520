import { validateWorkspaceKindRendering, validateWorkspaceRendering } from '../../lib/core/validation';
import { expectAccepted, expectRejected, messages, Mutable, sampleKind, sampleWorkspace } from './fixtures';

function pair(editKind?: (k: Mutable) => void, editWs?: (w: Mutable) => void): { kind: Mutable; ws: Mutable } {
  const kind = sampleKind();
  const ws = sampleWorkspace();
  editKind?.(kind);
  editWs?.(ws);
  return { kind, ws };
}

function kindRules(edit: (k: Mutable) => void) {
  return validateWorkspaceKindRendering(pair(edit).kind);
}

function pt(k: Mutable): Mutable {
  return k.spec.podTemplate;
}

describe('render-time rules', () => {
  it('accept the samples', () => {
    const { kind, ws } = pair();
    expectAccepted(validateWorkspaceKindRendering(kind));
    expectAccepted(validateWorkspaceRendering(ws, kind));
  });

  describe('Workspace names', () => {
    it.each([
      ['a 64-character name (label values hold at most 63)', 'a'.repeat(64), 'whose label "notebooks.kubeflow.org/workspace-name" (and Pod template label "statefulset") holds this name: a label value must be no more than 63 characters'],
      ['a 253-character name', `${'a'.repeat(62)}.${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(62)}`, 'no more than 63 characters'],
      ['a dot (the Service generateName)', 'alice.vscode', 'Service "ws-alice.vscode-<random>" whose name must be a DNS-1035 label'],
    ])('refuse %s', (_, name, expected) => {
      const { ws } = pair(undefined, (w) => (w.metadata.name = name));
      const violations = validateWorkspaceRendering(ws, undefined);
      expect(violations).toHaveLength(1);
      expectRejected(violations, `metadata.name: Invalid value: "${name}": the controller would create`, expected, 'expected a lowercase RFC 1123 label (a-z, 0-9 and');
    });

    it('accept a 63-character name', () => {
      const { ws, kind } = pair(undefined, (w) => (w.metadata.name = 'a'.repeat(63)));
      expectAccepted(validateWorkspaceRendering(ws, kind));
    });

    it('suggest a fix', () => {
      const { ws } = pair(undefined, (w) => (w.metadata.name = 'alice.vscode'));
      expectRejected(validateWorkspaceRendering(ws, undefined), 'e.g. "alice-vscode"');
    });
  });

  describe('kind parts', () => {
    it('env var names may not contain "="', () => {
      expectRejected(
        kindRules((k) => pt(k).extraEnv.push({ name: 'A=B', value: 'x' })),
        'spec.podTemplate.extraEnv[A=B].name: Invalid value: "A=B": the controller would create a StatefulSet for each Workspace of WorkspaceKind "jupyterlab" whose spec.template.spec.containers[0].env[1].name is invalid',
        "printable ASCII characters other than '='",
      );
    });

    it('env: value and valueFrom are exclusive; valueFrom needs one source', () => {
      expectRejected(
        kindRules((k) => pt(k).extraEnv.push({ name: 'X', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } })),
        'may not be specified when `value` is not empty',
      );
      expectRejected(kindRules((k) => pt(k).extraEnv.push({ name: 'X', valueFrom: {} })), 'must specify one of');
      expectRejected(
        kindRules((k) => pt(k).extraEnv.push({ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } })),
        'extraEnv[X].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels"',
      );
    });

    it('service account names are DNS subdomains', () => {
      expectRejected(
        kindRules((k) => (pt(k).serviceAccount.name = 'kube-system/admin')),
        'spec.podTemplate.serviceAccount.name: Invalid value: "kube-system/admin": the controller would create',
        'spec.template.spec.serviceAccountName is invalid',
      );
    });

    it('httpPathPrefix arguments must be port ids of the kind', () => {
      expectRejected(
        kindRules((k) => pt(k).extraEnv.push({ name: 'P', value: '{{ httpPathPrefix "codeservr" }}' })),
        'spec.podTemplate.extraEnv[P].value: Invalid value: "{{ httpPathPrefix \\"codeservr\\" }}": httpPathPrefix "codeservr" is not a port id of this WorkspaceKind',
        'expected one of "jupyterlab"',
      );
      expectAccepted(kindRules((k) => pt(k).extraEnv.push({ name: 'P', value: '{{ httpPathPrefix "jupyterlab" }}' })));
    });

    it('probes: one handler, valid ports, successThreshold 1 for liveness', () => {
      expectRejected(kindRules((k) => (pt(k).probes = { livenessProbe: {} })), 'probes.livenessProbe: Required value', 'must specify a handler type');
      expectRejected(
        kindRules((k) => (pt(k).probes = { readinessProbe: { httpGet: { port: 'Not_A_Name' } } })),
        'probes.readinessProbe.httpGet.port: Invalid value: "Not_A_Name"',
      );
      expectRejected(
        kindRules((k) => (pt(k).probes = { livenessProbe: { tcpSocket: { port: 8888 }, successThreshold: 2 } })),
        'probes.livenessProbe.successThreshold: Invalid value: 2', 'must be 1',
      );
      expectRejected(
        kindRules((k) => (pt(k).probes = { startupProbe: { exec: { command: ['true'] }, grpc: { port: 1 } } })),
        'may not specify more than 1 handler type',
      );
    });

    it('volumes: DNS-label names and at most one source', () => {
      expectRejected(kindRules((k) => pt(k).extraVolumes.push({ name: 'Big_Name', emptyDir: {} })), 'extraVolumes[Big_Name].name: Invalid value: "Big_Name"');
      expectAccepted(kindRules((k) => pt(k).extraVolumes.push({ name: 'nothing' }))); // defaulted to an emptyDir
      expectRejected(kindRules((k) => pt(k).extraVolumes.push({ name: 'two', emptyDir: {}, secret: { secretName: 's' } })), 'extraVolumes[two].secret: Forbidden', 'may not specify more than 1 volume type');
      expectRejected(kindRules((k) => pt(k).extraVolumes.push({ name: 'cm', configMap: {} })), 'extraVolumes[cm].configMap.name: Required value');
    });

    it('volume sources in depth', () => {
      const volume = (v: Mutable) => kindRules((k) => pt(k).extraVolumes.push({ name: 'v', ...v }));
      expectRejected(volume({ nfs: { server: 's', path: 'rel' } }), 'extraVolumes[v].nfs.path: Invalid value: "rel"', 'must be an absolute path');
      expectRejected(volume({ csi: { driver: 'Bad_Driver' } }), 'extraVolumes[v].csi.driver: Invalid value: "Bad_Driver"');
      expectRejected(volume({ projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 100 } }] } }), 'may not specify a duration less than 10 minutes');
      expectRejected(volume({ downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'spec.foo' } }] } }), 'extraVolumes[v].downwardAPI.fieldRef.fieldPath', 'field label not supported: spec.foo');
      expectAccepted(volume({ emptyDir: { medium: 'Anything' } })); // not the API server's to check
    });

    it('mounts: relative subPath without ".."', () => {
      expectRejected(
        kindRules((k) => pt(k).extraVolumeMounts.push({ name: 'dshm', mountPath: '/x', subPath: '../etc' })),
        "extraVolumeMounts[/x].subPath: Invalid value: \"../etc\"", "must not contain '..'",
      );
    });

    it('security contexts: privileged needs privilege escalation', () => {
      expectRejected(
        kindRules((k) => (pt(k).containerSecurityContext = { privileged: true, allowPrivilegeEscalation: false })),
        'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      );
      expectRejected(kindRules((k) => (pt(k).securityContext = { runAsUser: -1 })), 'securityContext.runAsUser: Invalid value: -1');
    });
  });

  describe('option parts', () => {
    it('images may not have surrounding whitespace', () => {
      expectRejected(
        kindRules((k) => (pt(k).options.imageConfig.values[0].spec.image = ' jupyter:1 ')),
        'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_180].spec.image: Invalid value: " jupyter:1 ": the controller would create a StatefulSet for each Workspace that selects imageConfig "jupyterlab_scipy_180"',
      );
    });

    it('requests may not exceed limits; quantities are compared exactly', () => {
      const violations = kindRules((k) => (pt(k).options.podConfig.values[0].spec.resources = { requests: { cpu: '1100m' }, limits: { cpu: '1' } }));
      expectRejected(violations, 'values[tiny_cpu].spec.resources.requests[cpu]: Invalid value: "1100m"', 'must be less than or equal to cpu limit of 1');
      expectAccepted(kindRules((k) => (pt(k).options.podConfig.values[0].spec.resources = { requests: { cpu: '1000m' }, limits: { cpu: '1' } })));
    });

    it('resource names: standard or extended', () => {
      expectRejected(kindRules((k) => (pt(k).options.podConfig.values[0].spec.resources = { limits: { gpu: '1' } })), 'must be a standard resource for containers');
      expectRejected(
        kindRules((k) => (pt(k).options.podConfig.values[0].spec.resources = { requests: { 'nvidia.com/gpu': '1' } })),
        'Limit must be set for non overcommitable resources',
      );
      expectAccepted(kindRules((k) => (pt(k).options.podConfig.values[0].spec.resources = { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': 1 } })));
    });

    it('affinity: selector requirements, weights, topology keys', () => {
      const affinity = (a: Mutable) => kindRules((k) => (pt(k).options.podConfig.values[0].spec.affinity = a));
      expectRejected(
        affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }] } } }),
        'nodeSelectorTerms[0].matchExpressions[0].values: Required value', "must be specified when `operator` is 'In' or 'NotIn'",
      );
      expectRejected(affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }), 'must have at least one node selector term');
      expectRejected(
        affinity({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: '' } }] } }),
        'weight: Invalid value: 0: the controller would create', 'topologyKey: Required value',
      );
      expectAccepted(affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'n', operator: 'Gt', values: ['3'] }] }] } } }));
    });

    it('what the API server does not check is not refused', () => {
      expectAccepted(kindRules((k) => pt(k).extraVolumes.push({ name: 's', secret: { secretName: 'Bad_Secret' } })));
      expectAccepted(kindRules((k) => (pt(k).containerSecurityContext = { allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } })));
      expectRejected(
        kindRules((k) => (pt(k).containerSecurityContext = { allowPrivilegeEscalation: false, capabilities: { add: ['CAP_SYS_ADMIN'] } })),
        'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
      );
      expectAccepted(kindRules((k) => (pt(k).probes = { readinessProbe: { httpGet: { port: 'http' } } })));
      expectRejected(kindRules((k) => (pt(k).probes = { readinessProbe: { httpGet: { port: '8080' } } })), 'must contain at least one letter');
    });

    it('tolerations and node selectors', () => {
      expectRejected(kindRules((k) => (pt(k).options.podConfig.values[0].spec.tolerations = [{ operator: 'Equal', value: 'x' }])), 'operator must be Exists when `key` is empty');
      expectRejected(kindRules((k) => (pt(k).options.podConfig.values[0].spec.nodeSelector = { 'bad key': 'x' })), 'nodeSelector: Invalid value: "bad key"');
    });

    it('a Workspace gets only the options it selects checked', () => {
      const { kind, ws } = pair((k) => (pt(k).options.imageConfig.values[1].spec.image = ' x'), (w) => (w.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_180'));
      expect(messages(validateWorkspaceKindRendering(kind))).toHaveLength(1);
      expect(ws.spec.podTemplate.options.imageConfig).not.toBe(kind.spec.podTemplate.options.imageConfig.values[1].id);
      expectAccepted(validateWorkspaceRendering(ws, kind));
      ws.spec.podTemplate.options.imageConfig = kind.spec.podTemplate.options.imageConfig.values[1].id;
      expectRejected(validateWorkspaceRendering(ws, kind), 'must not have leading or trailing whitespace');
      expectAccepted(validateWorkspaceRendering(ws, kind, { includeKind: false }));
    });
  });

  describe('only what the controller keeps is checked', () => {
    it('a kind: mounts of volumes that can never exist, or hidden by the home mount, are not reported', () => {
      expectAccepted(kindRules((k) => pt(k).extraVolumeMounts.push({ name: 'missing', mountPath: '/m', subPath: '../up' })));
      expectAccepted(kindRules((k) => pt(k).extraVolumeMounts.push({ name: 'home-volume', mountPath: pt(k).volumeMounts.home, subPath: '/abs' })));
      expectRejected(kindRules((k) => pt(k).extraVolumeMounts.push({ name: 'home-volume', mountPath: '/elsewhere', subPath: '/abs' })), 'must be a relative path');
      expectRejected(kindRules((k) => pt(k).extraVolumeMounts.push({ name: 'data-volume-3', mountPath: '/d3', subPath: '/abs' })), 'must be a relative path');
    });

    it('a pair: exactly the rendered extra volumes and mounts', () => {
      const mount = { name: 'home-volume', mountPath: '/elsewhere', subPath: '/abs' };
      const withHome = pair((k) => pt(k).extraVolumeMounts.push(mount));
      expectRejected(validateWorkspaceRendering(withHome.ws, withHome.kind), 'extraVolumeMounts[/elsewhere].subPath');
      const withoutHome = pair((k) => pt(k).extraVolumeMounts.push(mount), (w) => delete w.spec.podTemplate.volumes.home);
      expectAccepted(validateWorkspaceRendering(withoutHome.ws, withoutHome.kind)); // no home volume: the mount is dropped
      const shadowed = pair((k) => pt(k).extraVolumes.push({ name: 'home-volume', configMap: {} }));
      expectRejected(validateWorkspaceKindRendering(shadowed.kind), 'configMap.name: Required value');
      expectAccepted(validateWorkspaceRendering(shadowed.ws, shadowed.kind)); // the Workspace's home volume wins
    });
  });

  it('pod annotations of the kind and the Workspace are limited together', () => {
    const half = 'x'.repeat(140 * 1024);
    const { kind, ws } = pair(
      (k) => (pt(k).podMetadata = { annotations: { a: half } }),
      (w) => (w.spec.podTemplate.podMetadata = { annotations: { b: half } }),
    );
    expectRejected(validateWorkspaceRendering(ws, kind), 'spec.podTemplate.podMetadata.annotations: Too long', 'may not be more than 262144 bytes');
  });

  it('never throw on malformed input', () => {
    for (const bad of [null, 1, 'x', [], {}, { spec: { podTemplate: { extraEnv: 'x', probes: [], extraVolumes: [null, 1] } } }]) {
      expect(() => validateWorkspaceKindRendering(bad)).not.toThrow();
      expect(() => validateWorkspaceRendering(bad, bad as never)).not.toThrow();
    }
  });
});
