import { CRD_FILES } from '../../lib/core/crds';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  CONTROLLER_CLUSTER_ROLE_NAME,
  CONTROLLER_CULLING_CLUSTER_ROLE_NAME,
  CONTROLLER_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  InstallMode,
  KIND_READER_CLUSTER_ROLE_NAME,
  renderPolicyRules,
  WORKSPACES_EDIT_CLUSTER_ROLE_NAME,
  WORKSPACES_VIEW_CLUSTER_ROLE_NAME,
  WorkspacesController,
  WorkspacesCrds,
  WorkspacesInstallChart,
} from '../../lib/platform';
import {
  RECONCILER_CLUSTER_RULES,
  RECONCILER_CULLING_RULES,
  RECONCILER_HEALTH_PORT,
  RECONCILER_HEALTHZ_PATH,
  RECONCILER_METRICS_PORT,
  RECONCILER_NAMESPACE_RULES,
  RECONCILER_READYZ_PATH,
} from '../../lib/reconciler/permissions';
import { parseConfig, RECONCILER_CHART_ARGS } from '../../lib/reconciler/config';
import { RECONCILER_IMAGE, RECONCILER_IMAGE_REPOSITORY, RECONCILER_IMAGE_TAG } from '../../lib/reconciler/image';
import { version as packageVersion } from '../../package.json';
import { identities, Manifest, only, synthChart, withoutCrdBodies } from './helpers';

function installChart(props: ConstructorParameters<typeof WorkspacesInstallChart>[2] = {}): Manifest[] {
  return synthChart(new WorkspacesInstallChart(Testing.app(), 'install', props));
}

const RBAC_KINDS = ['Role', 'ClusterRole'];

describe('WorkspacesInstallChart, full install', () => {
  const objects = installChart();
  const deployment = only(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('synthesizes the install in a reviewable order (snapshot)', () => {
    // Stand-ins for what other tests compare with its source, so that a release (the image tag) or a change of the
    // reconciler's API calls (its rules) does not change this snapshot.
    const snapshot = withoutCrdBodies(objects).map(o => {
      if (o.metadata.name === CONTROLLER_CLUSTER_ROLE_NAME && o.kind === 'ClusterRole') {
        return { ...o, rules: '<RECONCILER_CLUSTER_RULES>' };
      }
      if (o.metadata.name === CONTROLLER_CULLING_CLUSTER_ROLE_NAME && o.kind === 'ClusterRole') {
        return { ...o, rules: '<RECONCILER_CULLING_RULES>' };
      }
      return o.kind === 'Role' ? { ...o, rules: '<RECONCILER_NAMESPACE_RULES>' } : o;
    });
    expect(JSON.parse(JSON.stringify(snapshot).split(JSON.stringify(RECONCILER_IMAGE)).join('"<RECONCILER_IMAGE>"'))).toMatchSnapshot();
  });

  test('puts the namespace and the CRDs before every other object', () => {
    expect(identities(objects).slice(0, 3)).toEqual([
      `Namespace/${DEFAULT_CONTROLLER_NAMESPACE}`,
      'CustomResourceDefinition/workspacekinds.kubeflow.org',
      'CustomResourceDefinition/workspaces.kubeflow.org',
    ]);
  });

  test('installs the CRDs exactly as in the crds/ files', () => {
    const crdDir = path.join(__dirname, '..', '..', 'crds');
    const expected = CRD_FILES.map(c => c.file).flatMap(file =>
      parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8')).map(doc => doc.toJS()).filter(Boolean));
    expect(expected).toHaveLength(2);
    expect(objects.filter(o => o.kind === 'CustomResourceDefinition')).toEqual(expected);
  });

  test('enforces the restricted Pod Security level on the controller namespace', () => {
    const labels = only(objects, 'Namespace').metadata.labels;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    }
  });

  test('places every namespaced object in the controller namespace', () => {
    const namespaced = objects.filter(o => !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
    expect(namespaced.length).toBeGreaterThan(0);
    for (const object of namespaced) {
      expect(`${object.kind}/${object.metadata.name}: ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name}: ${DEFAULT_CONTROLLER_NAMESPACE}`);
    }
  });

  describe('RBAC', () => {
    test('the ClusterRole is exactly the reconciler\'s cluster rules, sorted', () => {
      const role = only(objects, 'ClusterRole', CONTROLLER_CLUSTER_ROLE_NAME);
      expect(role.rules).toEqual(renderPolicyRules(RECONCILER_CLUSTER_RULES));
      expect(sortedGrants(role.rules)).toEqual(sortedGrants(RECONCILER_CLUSTER_RULES));
    });

    test('the cluster-wide ClusterRole reaches into no Pod and no Service: no exec, attach, port-forward or proxy', () => {
      const role = only(objects, 'ClusterRole', CONTROLLER_CLUSTER_ROLE_NAME);
      const resources: string[] = role.rules.flatMap((rule: Manifest) => rule.resources);
      expect(resources.filter(r => /\/(exec|attach|portforward|proxy)$/.test(r) || r === 'nodes')).toEqual([]);
    });

    test('the culling ClusterRole is exactly the reconciler\'s culling rules, and nothing binds it cluster-wide', () => {
      const role = only(objects, 'ClusterRole', CONTROLLER_CULLING_CLUSTER_ROLE_NAME);
      expect(role.rules).toEqual(renderPolicyRules(RECONCILER_CULLING_RULES));
      expect(sortedGrants(role.rules)).toEqual(['/pods/exec:create', '/pods/exec:get', '/services/proxy:get']);
      // Tenants bind it per namespace (tenant.test.ts); the install chart binds only the cluster-wide role.
      const bindings = objects.filter(o => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding');
      expect(bindings.map(o => `${o.kind}/${o.metadata.name} -> ${o.roleRef.kind}/${o.roleRef.name}`).sort()).toEqual([
        `ClusterRoleBinding/${CONTROLLER_CLUSTER_ROLE_NAME} -> ClusterRole/${CONTROLLER_CLUSTER_ROLE_NAME}`,
        'RoleBinding/workspaces-controller-leader-election -> Role/workspaces-controller-leader-election',
      ]);
    });

    test('the leader-election Role is exactly the reconciler\'s namespace rules', () => {
      const role = only(objects, 'Role');
      expect(role.metadata.namespace).toBe(DEFAULT_CONTROLLER_NAMESPACE);
      expect(sortedGrants(role.rules)).toEqual(sortedGrants(RECONCILER_NAMESPACE_RULES));
    });

    test('binds both roles to the controller ServiceAccount only', () => {
      const subject = [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: DEFAULT_CONTROLLER_NAMESPACE }];
      const clusterBinding = only(objects, 'ClusterRoleBinding');
      expect(clusterBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CONTROLLER_CLUSTER_ROLE_NAME });
      expect(clusterBinding.subjects).toEqual(subject);
      const binding = only(objects, 'RoleBinding');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: only(objects, 'Role').metadata.name });
      expect(binding.subjects).toEqual(subject);
      expect(pod.serviceAccountName).toBe(CONTROLLER_NAME);
    });

    test('no Role or ClusterRole has a wildcard or any access to Secrets', () => {
      const rules = objects.filter(o => RBAC_KINDS.includes(o.kind)).flatMap(o => o.rules);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        for (const value of Object.values<string[]>(rule).flat()) {
          expect(value).not.toContain('*');
        }
        expect(rule.resources).not.toContain('secrets');
      }
    });

    test('aggregates Workspace management into admin and edit, and reading into admin, edit and view', () => {
      const edit = only(objects, 'ClusterRole', WORKSPACES_EDIT_CLUSTER_ROLE_NAME);
      const view = only(objects, 'ClusterRole', WORKSPACES_VIEW_CLUSTER_ROLE_NAME);
      expect(aggregatedInto(edit)).toEqual(['admin', 'edit']);
      expect(aggregatedInto(view)).toEqual(['admin', 'edit', 'view']);
      expect(sortedGrants(edit.rules)).toEqual(['kubeflow.org/workspaces:create', 'kubeflow.org/workspaces:delete',
        'kubeflow.org/workspaces:deletecollection', 'kubeflow.org/workspaces:patch', 'kubeflow.org/workspaces:update']);
      expect(sortedGrants(view.rules)).toEqual(['kubeflow.org/workspacekinds:get', 'kubeflow.org/workspacekinds:list',
        'kubeflow.org/workspacekinds:watch', 'kubeflow.org/workspaces/status:get', 'kubeflow.org/workspaces:get',
        'kubeflow.org/workspaces:list', 'kubeflow.org/workspaces:watch']);
    });

    test('only cluster admins write kinds: no role for people grants more than reading them', () => {
      const forPeople = objects.filter(o => o.kind === 'ClusterRole'
        && ![CONTROLLER_CLUSTER_ROLE_NAME, CONTROLLER_CULLING_CLUSTER_ROLE_NAME].includes(o.metadata.name));
      expect(forPeople.map(o => o.metadata.name).sort()).toEqual(
        [KIND_READER_CLUSTER_ROLE_NAME, WORKSPACES_EDIT_CLUSTER_ROLE_NAME, WORKSPACES_VIEW_CLUSTER_ROLE_NAME].sort());
      const kindVerbs = forPeople.flatMap(o => sortedGrants(o.rules)).filter(g => g.startsWith('kubeflow.org/workspacekinds'));
      expect([...new Set(kindVerbs)].sort()).toEqual(['kubeflow.org/workspacekinds:get', 'kubeflow.org/workspacekinds:list', 'kubeflow.org/workspacekinds:watch']);
      expect(aggregatedInto(only(objects, 'ClusterRole', KIND_READER_CLUSTER_ROLE_NAME))).toEqual([]);
    });
  });

  describe('Deployment hardening', () => {
    test('runs two replicas with leader election', () => {
      expect(deployment.spec.replicas).toBe(2);
      expect(container.args).toEqual([...RECONCILER_CHART_ARGS]);
      expect(parseConfig(container.args, {}).leaderElect).toBe(true);
    });

    test('runs this package version\'s image', () => {
      expect(container.image).toBe(RECONCILER_IMAGE);
      expect(RECONCILER_IMAGE_TAG).toBe(packageVersion);
      expect(container.imagePullPolicy).toBe('IfNotPresent');
    });

    test('sets requests and limits, with at least 192Mi of memory', () => {
      expect(container.resources).toEqual({
        requests: { cpu: '50m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '256Mi' },
      });
    });

    test('probes liveness and readiness on the reconciler\'s health endpoints', () => {
      const healthPort = container.ports.find((p: Manifest) => p.name === 'health');
      expect(healthPort).toEqual({ name: 'health', containerPort: RECONCILER_HEALTH_PORT, protocol: 'TCP' });
      expect(container.livenessProbe.httpGet).toEqual({ path: RECONCILER_HEALTHZ_PATH, port: 'health' });
      expect(container.readinessProbe.httpGet).toEqual({ path: RECONCILER_READYZ_PATH, port: 'health' });
    });

    test('runs as non-root 65532 with RuntimeDefault seccomp', () => {
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext.runAsNonRoot).toBe(true);
    });

    test('has a read-only root filesystem with a scratch /tmp', () => {
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    });

    test('forbids privilege escalation and drops all capabilities', () => {
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(container.securityContext.privileged).toBe(false);
      expect(container.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    });

    test('mounts the API token only in the reconciler Pod', () => {
      expect(pod.automountServiceAccountToken).toBe(true);
      expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    });

    test('spreads the replicas across nodes', () => {
      const selector = { matchLabels: deployment.spec.selector.matchLabels };
      expect(pod.topologySpreadConstraints).toEqual([
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
      ]);
      expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: selector } },
      ]);
    });

    test('keeps the V8 heap under the memory limit', () => {
      expect(container.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' });
    });
  });

  test('serves metrics through a Service on the metrics port', () => {
    const service = only(objects, 'Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: RECONCILER_METRICS_PORT, protocol: 'TCP', targetPort: 'metrics' }]);
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: RECONCILER_METRICS_PORT, protocol: 'TCP' });
  });

  test('lets one Pod at a time be disrupted', () => {
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('admits no traffic in (no metrics scrapers configured), and only the API server and DNS out', () => {
    const policy = only(objects, 'NetworkPolicy');
    expect(policy.spec.podSelector).toEqual(deployment.spec.selector);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // No rule with Ingress in policyTypes: nothing is admitted, the metrics port included. Left out, not `[]`: the
    // server drops an empty list, and every apply would then change the policy again.
    expect('ingress' in policy.spec).toBe(false);
    expect(policy.spec.egress).toEqual([
      { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
    ]);
  });

  test('synthesizes byte-identical output twice', () => {
    const synth = () => {
      const app = Testing.app();
      new WorkspacesInstallChart(app, 'install');
      return app.synthYaml();
    };
    expect(synth()).toEqual(synth());
  });
});

describe('WorkspacesInstallChart, controller provided by the platform', () => {
  test('synthesizes nothing: no CRD, no ClusterRole, no Deployment', () => {
    const objects = installChart({ mode: InstallMode.CONTROLLER_PROVIDED });
    expect(objects).toEqual([]);
  });

  test('rejects controller settings, which would be ignored', () => {
    expect(() => installChart({ mode: InstallMode.CONTROLLER_PROVIDED, controller: { replicas: 3 } }))
      .toThrow('controller settings are given with InstallMode.CONTROLLER_PROVIDED');
  });
});

describe('WorkspacesController settings', () => {
  test('refuses a second copy of the CRDs in the same app', () => {
    const app = Testing.app();
    new WorkspacesInstallChart(app, 'install');
    new WorkspacesCrds(new Chart(app, 'more'), 'Crds');
    expect(() => app.synthYaml()).toThrow('CustomResourceDefinition "workspaces.kubeflow.org" is defined twice');
  });

  function controllerObjects(props: ConstructorParameters<typeof WorkspacesController>[2]): Manifest[] {
    const chart = new Chart(Testing.app(), 'chart');
    new WorkspacesController(chart, 'Controller', props);
    return synthChart(chart);
  }

  test('moves every namespaced object and binding subject to another namespace', () => {
    const objects = controllerObjects({ namespace: 'platform-notebooks' });
    expect(only(objects, 'Namespace').metadata.name).toBe('platform-notebooks');
    expect(only(objects, 'Deployment').metadata.namespace).toBe('platform-notebooks');
    expect(only(objects, 'ClusterRoleBinding').subjects[0].namespace).toBe('platform-notebooks');
  });

  test('keeps cluster-scoped objects out of the chart\'s namespace', () => {
    const chart = new Chart(Testing.app(), 'chart', { namespace: 'elsewhere' });
    new WorkspacesController(chart, 'Controller');
    const objects = synthChart(chart);
    for (const kind of ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']) {
      for (const object of objects.filter(o => o.kind === kind)) {
        expect(object.metadata.namespace).toBeUndefined();
      }
    }
    expect(only(objects, 'Deployment').metadata.namespace).toBe(DEFAULT_CONTROLLER_NAMESPACE);
  });

  test('overrides single resource values and keeps the other defaults', () => {
    const container = only(controllerObjects({ resources: { limits: { memory: '1Gi' } } }), 'Deployment').spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '1Gi' } });
    expect(container.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=768' });
  });

  test('narrows the NetworkPolicy to the given scrapers and API server addresses', () => {
    const policy = only(controllerObjects({
      metricsScraperNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      apiServerCidrs: ['10.0.0.10/32', '10.0.0.1/32'],
    }), 'NetworkPolicy');
    expect(policy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: RECONCILER_METRICS_PORT }],
    }]);
    expect(policy.spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '10.0.0.10/32' } }]);
  });

  test('passes scheduling settings to the Pods', () => {
    const pod = only(controllerObjects({
      nodeSelector: { 'node-role.kubernetes.io/system': '' },
      priorityClassName: 'platform-critical',
      imagePullSecrets: ['mirror'],
      replicas: 3,
    }), 'Deployment').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/system': '' });
    expect(pod.priorityClassName).toBe('platform-critical');
    expect(pod.imagePullSecrets).toEqual([{ name: 'mirror' }]);
  });

  test('pins the image by digest, or takes another repository and tag', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const image = (props: ConstructorParameters<typeof WorkspacesController>[2]) =>
      only(controllerObjects(props), 'Deployment').spec.template.spec.containers[0].image;
    expect(image({ imageDigest: digest })).toBe(`${RECONCILER_IMAGE_REPOSITORY}@${digest}`);
    expect(image({ imageRepository: 'localhost:5000/mirror/reconciler', imageTag: 'v1' })).toBe('localhost:5000/mirror/reconciler:v1');
  });

  test('appends additional flags, which the reconciler reads after the chart\'s own', () => {
    const args = only(controllerObjects({ additionalArgs: ['--log-level=debug', '--workers=8'] }), 'Deployment').spec.template.spec.containers[0].args;
    expect(args).toEqual([...RECONCILER_CHART_ARGS, '--log-level=debug', '--workers=8']);
    expect(parseConfig(args, {})).toMatchObject({ leaderElect: true, logLevel: 'debug', workers: 8 });
  });

  test.each([
    [{ imageDigest: 'sha256:abc' }, 'imageDigest is "sha256:abc"'],
    [{ imageDigest: `sha256:${'0'.repeat(64)}`, imageTag: 'v1' }, 'imageTag and imageDigest are both given'],
    [{ imageRepository: 'ghcr.io/x/reconciler:v1' }, 'imageRepository is "ghcr.io/x/reconciler:v1"; expected a repository without tag or digest'],
    [{ imageTag: '-bad' }, 'imageTag is "-bad"'],
    [{ replicas: 0 }, 'replicas is 0; expected a whole number of at least 1'],
    [{ replicas: 1.5 }, 'replicas is 1.5'],
    [{ namespace: 'Kubeflow_Workspaces' }, 'chart/Controller: namespace is "Kubeflow_Workspaces"; expected a namespace name (an RFC 1123 label): a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\''],
    [{ namespace: 'n'.repeat(64) }, `chart/Controller: namespace is "${'n'.repeat(64)}"; expected a namespace name (an RFC 1123 label): must be no more than 63 characters`],
    [{ metricsScraperNamespaceLabels: {} }, 'chart/Controller: metricsScraperNamespaceLabels is {}; expected at least one label'],
    [{ resources: { limits: { memory: 'lots' } } }, 'resources.limits.memory is "lots"; expected a Kubernetes quantity'],
    [{ resources: { requests: { memory: '512Mi' } } }, 'resources.requests.memory is "512Mi", above resources.limits.memory "256Mi"'],
  ])('rejects %j', (props, message) => {
    expect(() => controllerObjects(props)).toThrow(message);
  });
});

/** `group/resource:verb` for every grant of a list of rules, sorted. */
function sortedGrants(rules: readonly { apiGroups: string[]; resources: string[]; verbs: string[] }[]): string[] {
  return rules.flatMap(rule => rule.apiGroups.flatMap(group => rule.resources.flatMap(resource =>
    rule.verbs.map(verb => `${group}/${resource}:${verb}`)))).sort();
}

function aggregatedInto(role: Manifest): string[] {
  const prefix = 'rbac.authorization.k8s.io/aggregate-to-';
  return Object.entries<string>(role.metadata.labels ?? {})
    .filter(([key, value]) => key.startsWith(prefix) && value === 'true')
    .map(([key]) => key.slice(prefix.length))
    .sort();
}

