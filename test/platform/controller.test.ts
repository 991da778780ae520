import { CRD_FILES } from '../../lib/core/crds';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  AdmissionWebhookMode,
  ApiRevision,
  ControllerWriteScope,
  InstallMode,
  PlatformNames,
  WorkspacesController,
  WorkspacesCrds,
  WorkspacesInstallChart,
} from '../../lib/platform';
import { parseConfig, RECONCILER_CHART_ARGS, WebhookCertificates } from '../../lib/core/contract/flags';
import { WEBHOOKS } from '../../lib/core/contract/webhooks';
import { RECONCILER_IMAGE } from '../../lib/core/contract/image';
import { version as packageVersion } from '../../package.json';
import { identities, Manifest, only, synthChart, withoutCrdBodies } from './helpers';

// The contract's values, stated here rather than imported from lib/core/contract, so that a wrong constant fails.
const HEALTH_PORT = 8081;
const METRICS_PORT = 8080;
const WEBHOOK_PORT = 9443;
const IMAGE_REPOSITORY = 'ghcr.io/cdk8s-kubeflow-workspaces/reconciler';

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
      if (o.metadata.name === PlatformNames.CONTROLLER_CLUSTER_ROLE && o.kind === 'ClusterRole') {
        return { ...o, rules: '<RECONCILER_CLUSTER_RULES>' };
      }
      if (o.metadata.name === PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE && o.kind === 'ClusterRole') {
        return { ...o, rules: '<RECONCILER_CULLING_RULES>' };
      }
      return o.kind === 'Role' && o.metadata.name === 'workspaces-controller-leader-election' ? { ...o, rules: '<RECONCILER_NAMESPACE_RULES>' } : o;
    });
    expect(JSON.parse(JSON.stringify(snapshot).split(JSON.stringify(RECONCILER_IMAGE)).join('"<RECONCILER_IMAGE>"'))).toMatchSnapshot();
  });

  test('puts the namespace and the CRDs before every other object', () => {
    expect(identities(objects).slice(0, 3)).toEqual([
      `Namespace/${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}`,
      'CustomResourceDefinition/workspacekinds.kubeflow.org',
      'CustomResourceDefinition/workspaces.kubeflow.org',
    ]);
  });

  test('installs the CRDs of the default revision exactly as in the crds/fd7a3d8e files', () => {
    const crdDir = path.join(__dirname, '..', '..', 'crds', 'fd7a3d8e');
    const expected = CRD_FILES.map(c => c.file).flatMap(file =>
      parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8')).map(doc => doc.toJS()).filter(Boolean));
    expect(expected).toHaveLength(2);
    expect(objects.filter(o => o.kind === 'CustomResourceDefinition')).toEqual(expected);
  });

  test('installs the CRDs of the chosen revision (the crds/v2.0.0-beta.0 files); chart and controller settings must agree', () => {
    const crdDir = path.join(__dirname, '..', '..', 'crds', 'v2.0.0-beta.0');
    const expected = CRD_FILES.map(c => parseAllDocuments(fs.readFileSync(path.join(crdDir, c.file), 'utf8'))[0].toJS());
    const crdsOf = (props: ConstructorParameters<typeof WorkspacesInstallChart>[2]) =>
      installChart(props).filter(o => o.kind === 'CustomResourceDefinition');
    expect(crdsOf({ apiRevision: ApiRevision.V2_0_0_BETA_0 })).toEqual(expected);
    expect(crdsOf({ controller: { apiRevision: ApiRevision.V2_0_0_BETA_0 } })).toEqual(expected);
    expect(crdsOf({ apiRevision: ApiRevision.V2_0_0_BETA_0, controller: { apiRevision: ApiRevision.V2_0_0_BETA_0 } })).toEqual(expected);
    expect(expected.map((crd: any) => crd.spec.names.shortNames)).toEqual([['wsk'], ['ws']]);
    expect(() => installChart({ apiRevision: ApiRevision.V2_0_0_BETA_0, controller: { apiRevision: ApiRevision.FD7A3D8E } }))
      .toThrow('apiRevision is v2.0.0-beta.0 but controller.apiRevision is fd7a3d8e; expected one revision');
    expect(WorkspacesCrds.manifests(ApiRevision.V2_0_0_BETA_0)).toEqual(expected);
    expect(new WorkspacesInstallChart(Testing.app(), 'default').apiRevision).toBe(ApiRevision.FD7A3D8E);
  });

  test('enforces the restricted Pod Security level on the controller namespace', () => {
    const labels = only(objects, 'Namespace').metadata.labels;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    }
  });

  test('places every namespaced object in the controller namespace', () => {
    const namespaced = objects.filter(o => !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration'].includes(o.kind));
    expect(namespaced.length).toBeGreaterThan(0);
    for (const object of namespaced) {
      expect(`${object.kind}/${object.metadata.name}: ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name}: ${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}`);
    }
  });

  describe('RBAC', () => {
    // Stated, not derived from RECONCILER_CLUSTER_RULES: a wrong constant would otherwise pass. A change of the
    // reconciler's API calls changes this list (and test/reconciler's check that every request is covered).
    test('the ClusterRole holds exactly the reconciler\'s cluster-wide grants, sorted by group and resource', () => {
      const role = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_CLUSTER_ROLE);
      expect(role.rules).toEqual([
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'list', 'patch', 'watch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list', 'watch'] },
        { apiGroups: ['kubeflow.org'], resources: ['workspacekinds'], verbs: ['list', 'patch', 'watch'] },
        { apiGroups: ['kubeflow.org'], resources: ['workspacekinds/status'], verbs: ['patch'] },
        { apiGroups: ['kubeflow.org'], resources: ['workspaces'], verbs: ['list', 'patch', 'watch'] },
        { apiGroups: ['kubeflow.org'], resources: ['workspaces/finalizers'], verbs: ['update'] },
        { apiGroups: ['kubeflow.org'], resources: ['workspaces/status'], verbs: ['patch'] },
      ]);
    });

    test('the cluster-wide ClusterRole reaches into no Pod and no Service: no exec, attach, port-forward or proxy', () => {
      const role = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_CLUSTER_ROLE);
      const resources: string[] = role.rules.flatMap((rule: Manifest) => rule.resources);
      expect(resources.filter(r => /\/(exec|attach|portforward|proxy)$/.test(r) || r === 'nodes')).toEqual([]);
    });

    test('the culling ClusterRole is exactly the reconciler\'s culling rules, and nothing binds it cluster-wide', () => {
      const role = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE);
      expect(sortedGrants(role.rules)).toEqual(['/pods/exec:create', '/pods/exec:get', '/services/proxy:get']);
      // Tenants bind it per namespace (tenant.test.ts), as they bind the writer role; the install chart binds only
      // the cluster-wide role, the Lease role and the by-name access of the self-managed webhook certificates.
      const bindings = objects.filter(o => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding');
      expect(bindings.map(o => `${o.kind}/${o.metadata.name} -> ${o.roleRef.kind}/${o.roleRef.name}`).sort()).toEqual([
        `ClusterRoleBinding/${PlatformNames.CONTROLLER_CLUSTER_ROLE} -> ClusterRole/${PlatformNames.CONTROLLER_CLUSTER_ROLE}`,
        `ClusterRoleBinding/${PlatformNames.WEBHOOK_CONFIGURATION} -> ClusterRole/${PlatformNames.WEBHOOK_CONFIGURATION}`,
        'RoleBinding/workspaces-controller-leader-election -> Role/workspaces-controller-leader-election',
        'RoleBinding/workspaces-controller-webhook-cert -> Role/workspaces-controller-webhook-cert',
      ]);
    });

    test('StatefulSet and Service writes are a ClusterRole that only tenants bind, unless cluster-wide writes are chosen', () => {
      const writer = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE);
      expect(sortedGrants(writer.rules)).toEqual(['/services:create', '/services:patch', 'apps/statefulsets:create', 'apps/statefulsets:patch']);
      const clusterRole = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_CLUSTER_ROLE);
      expect(sortedGrants(clusterRole.rules).filter(g => /(statefulsets|\/services):(create|patch|update|delete)/.test(g))).toEqual([]);
      const cluster = installChart({ controller: { writeScope: ControllerWriteScope.CLUSTER } });
      expect(only(cluster, 'ClusterRoleBinding', PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE)).toMatchObject({
        roleRef: { kind: 'ClusterRole', name: PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE },
        subjects: [{ kind: 'ServiceAccount', name: PlatformNames.CONTROLLER, namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE }],
      });
    });

    test('self-managed webhook certificates: get and update on the one Secret, get and update on the one webhook configuration, by name', () => {
      const role = only(objects, 'Role', 'workspaces-controller-webhook-cert');
      expect(role.rules).toEqual([{ apiGroups: [''], resourceNames: [PlatformNames.CONTROLLER_WEBHOOK_SECRET], resources: ['secrets'], verbs: ['get', 'update'] }]);
      expect(only(objects, 'ClusterRole', PlatformNames.WEBHOOK_CONFIGURATION).rules).toEqual([
        { apiGroups: ['admissionregistration.k8s.io'], resourceNames: [PlatformNames.WEBHOOK_CONFIGURATION], resources: ['validatingwebhookconfigurations'], verbs: ['get', 'update'] },
      ]);
    });

    test('the leader-election Role is exactly the reconciler\'s namespace rules', () => {
      const role = only(objects, 'Role', 'workspaces-controller-leader-election');
      expect(role.metadata.namespace).toBe(PlatformNames.DEFAULT_CONTROLLER_NAMESPACE);
      expect(role.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] }]);
    });

    test('binds both roles to the controller ServiceAccount only', () => {
      const subject = [{ kind: 'ServiceAccount', name: PlatformNames.CONTROLLER, namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE }];
      const clusterBinding = only(objects, 'ClusterRoleBinding', PlatformNames.CONTROLLER_CLUSTER_ROLE);
      expect(clusterBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PlatformNames.CONTROLLER_CLUSTER_ROLE });
      expect(clusterBinding.subjects).toEqual(subject);
      const binding = only(objects, 'RoleBinding', 'workspaces-controller-leader-election');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'workspaces-controller-leader-election' });
      expect(binding.subjects).toEqual(subject);
      expect(pod.serviceAccountName).toBe(PlatformNames.CONTROLLER);
    });

    test('no Role or ClusterRole has a wildcard, and Secrets only by the webhook certificate\'s name', () => {
      const rules = objects.filter(o => RBAC_KINDS.includes(o.kind)).flatMap(o => o.rules);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        for (const value of Object.values<string[]>(rule).flat()) {
          expect(value).not.toContain('*');
        }
        if (rule.resources.includes('secrets')) {
          expect(rule).toEqual({ apiGroups: [''], resourceNames: [PlatformNames.CONTROLLER_WEBHOOK_SECRET], resources: ['secrets'], verbs: ['get', 'update'] });
        }
      }
    });

    test('aggregates Workspace management into admin and edit, and reading into admin, edit and view', () => {
      const edit = only(objects, 'ClusterRole', PlatformNames.WORKSPACES_EDIT_CLUSTER_ROLE);
      const view = only(objects, 'ClusterRole', PlatformNames.WORKSPACES_VIEW_CLUSTER_ROLE);
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
        && ![PlatformNames.CONTROLLER_CLUSTER_ROLE, PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE, PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE, PlatformNames.WEBHOOK_CONFIGURATION].includes(o.metadata.name));
      expect(forPeople.map(o => o.metadata.name).sort()).toEqual(
        [PlatformNames.KIND_READER_CLUSTER_ROLE, PlatformNames.WORKSPACES_EDIT_CLUSTER_ROLE, PlatformNames.WORKSPACES_VIEW_CLUSTER_ROLE].sort());
      const kindVerbs = forPeople.flatMap(o => sortedGrants(o.rules)).filter(g => g.startsWith('kubeflow.org/workspacekinds'));
      expect([...new Set(kindVerbs)].sort()).toEqual(['kubeflow.org/workspacekinds:get', 'kubeflow.org/workspacekinds:list', 'kubeflow.org/workspacekinds:watch']);
      expect(aggregatedInto(only(objects, 'ClusterRole', PlatformNames.KIND_READER_CLUSTER_ROLE))).toEqual([]);
    });
  });

  describe('Deployment hardening', () => {
    test('runs two replicas with leader election', () => {
      expect(deployment.spec.replicas).toBe(2);
      expect(container.args.slice(0, RECONCILER_CHART_ARGS.length)).toEqual([...RECONCILER_CHART_ARGS]);
      expect(parseConfig(container.args, {}).leaderElect).toBe(true);
    });

    test('the grace period outlasts the reconciler\'s shutdown timeout, as the synthesized Deployment sets both', () => {
      const config = parseConfig(container.args, Object.fromEntries(container.env.filter((e: Manifest) => e.value !== undefined).map((e: Manifest) => [e.name, e.value])));
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdownTimeoutMs);
      const slower = only(installChart({ controller: { additionalArgs: ['--shutdown-timeout=40s'] } }), 'Deployment').spec.template.spec;
      expect(slower.terminationGracePeriodSeconds * 1000).toBeGreaterThan(parseConfig(slower.containers[0].args, {}).shutdownTimeoutMs);
    });

    test('runs this package version\'s image', () => {
      expect(container.image).toBe(`${IMAGE_REPOSITORY}:${packageVersion}`);
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
      expect(healthPort).toEqual({ name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
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
    const service = only(objects, 'Service', 'workspaces-controller-metrics');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: METRICS_PORT, protocol: 'TCP', targetPort: 'metrics' }]);
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' });
  });

  test('lets one Pod at a time be disrupted', () => {
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('admits only the webhook port in (no metrics scrapers configured), and only the API server on private addresses and the cluster DNS out', () => {
    const policy = only(objects, 'NetworkPolicy');
    expect(policy.spec.podSelector).toEqual(deployment.spec.selector);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: WEBHOOK_PORT }] }]);
    expect(policy.spec.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: '172.16.0.0/12' } }, { ipBlock: { cidr: '192.168.0.0/16' } }],
        ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ]);
    // without webhooks no rule, and with Ingress in policyTypes nothing is admitted at all, the metrics port included.
    // Left out, not `[]`: the server drops an empty list, and every apply would then change the policy again.
    const closed = only(installChart({ controller: { webhook: AdmissionWebhookMode.DISABLED } }), 'NetworkPolicy');
    expect('ingress' in closed.spec).toBe(false);
  });

  describe('admission webhooks', () => {
    test('registers upstream\'s two webhooks on the webhook Service: paths, rules, failurePolicy Fail, sideEffects NoneOnDryRun, v1, a timeout', () => {
      const vwc = only(objects, 'ValidatingWebhookConfiguration', PlatformNames.WEBHOOK_CONFIGURATION);
      expect(vwc.metadata.namespace).toBeUndefined();
      expect(vwc.webhooks).toEqual([
        {
          name: 'vworkspace.kb.io',
          admissionReviewVersions: ['v1'],
          clientConfig: { service: { name: PlatformNames.CONTROLLER_WEBHOOK_SERVICE, namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE, path: '/validate-kubeflow-org-v1beta1-workspace', port: 443 } },
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          rules: [{ apiGroups: ['kubeflow.org'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['workspaces'], scope: '*' }],
          sideEffects: 'NoneOnDryRun',
          timeoutSeconds: 10,
        },
        {
          name: 'vworkspacekind.kb.io',
          admissionReviewVersions: ['v1'],
          clientConfig: { service: { name: PlatformNames.CONTROLLER_WEBHOOK_SERVICE, namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE, path: '/validate-kubeflow-org-v1beta1-workspacekind', port: 443 } },
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          rules: [{ apiGroups: ['kubeflow.org'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['workspacekinds'], scope: '*' }],
          sideEffects: 'NoneOnDryRun',
          timeoutSeconds: 10,
        },
      ]);
      expect(WEBHOOKS.map(w => w.name)).toEqual(vwc.webhooks.map((w: Manifest) => w.name));
    });

    test('the webhook Service sends port 443 to the container\'s webhook port, on every replica', () => {
      const service = only(objects, 'Service', PlatformNames.CONTROLLER_WEBHOOK_SERVICE);
      expect(service.spec).toEqual({ selector: deployment.spec.selector.matchLabels, ports: [{ name: 'webhook', port: 443, protocol: 'TCP', targetPort: 'webhook' }] });
      expect(container.ports).toContainEqual({ name: 'webhook', containerPort: WEBHOOK_PORT, protocol: 'TCP' });
    });

    test('self-managed (default): an empty Secret, and the flags that name it, the configuration and the Service\'s DNS names', () => {
      const secret = only(objects, 'Secret', PlatformNames.CONTROLLER_WEBHOOK_SECRET);
      expect(secret.data).toBeUndefined();
      expect(secret.type).toBe('Opaque');
      const config = parseConfig(container.args, {});
      expect(config).toMatchObject({
        webhookPort: WEBHOOK_PORT,
        webhookCertificates: WebhookCertificates.SELF_MANAGED,
        webhookSecret: PlatformNames.CONTROLLER_WEBHOOK_SECRET,
        webhookConfiguration: PlatformNames.WEBHOOK_CONFIGURATION,
        webhookHosts: [`${PlatformNames.CONTROLLER_WEBHOOK_SERVICE}.${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}.svc`, `${PlatformNames.CONTROLLER_WEBHOOK_SERVICE}.${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}.svc.cluster.local`],
      });
      expect(only(objects, 'ValidatingWebhookConfiguration').metadata.annotations).toBeUndefined();
    });

    test('cert-manager: Issuer and Certificate into the Secret, CA injection, the Secret mounted read-only, no Secret RBAC', () => {
      const cm = installChart({ controller: { webhook: AdmissionWebhookMode.CERT_MANAGER } });
      expect(only(cm, 'Issuer').spec).toEqual({ selfSigned: {} });
      expect(only(cm, 'Certificate').spec).toEqual({
        dnsNames: [`${PlatformNames.CONTROLLER_WEBHOOK_SERVICE}.${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}.svc`, `${PlatformNames.CONTROLLER_WEBHOOK_SERVICE}.${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}.svc.cluster.local`],
        issuerRef: { kind: 'Issuer', name: 'workspaces-controller-selfsigned' },
        secretName: PlatformNames.CONTROLLER_WEBHOOK_SECRET,
      });
      expect(only(cm, 'ValidatingWebhookConfiguration').metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': `${PlatformNames.DEFAULT_CONTROLLER_NAMESPACE}/workspaces-controller-webhook` });
      expect(cm.filter(o => o.kind === 'Secret')).toEqual([]);
      expect(cm.filter(o => RBAC_KINDS.includes(o.kind)).flatMap(o => o.rules).filter((r: Manifest) => r.resources.includes('secrets'))).toEqual([]);
      const podSpec = only(cm, 'Deployment').spec.template.spec;
      expect(podSpec.volumes).toContainEqual({ name: 'webhook-certs', secret: { secretName: PlatformNames.CONTROLLER_WEBHOOK_SECRET, defaultMode: 0o440 } });
      expect(podSpec.containers[0].volumeMounts).toContainEqual({ name: 'webhook-certs', mountPath: '/etc/kfws/webhook-certs', readOnly: true });
      expect(parseConfig(podSpec.containers[0].args, {})).toMatchObject({ webhookCertificates: WebhookCertificates.FILES, webhookCertDir: '/etc/kfws/webhook-certs' });
    });

    test('disabled: no webhook configuration, Service, Secret or webhook port', () => {
      const none = installChart({ controller: { webhook: AdmissionWebhookMode.DISABLED } });
      expect(none.filter(o => ['ValidatingWebhookConfiguration', 'Secret', 'Issuer', 'Certificate'].includes(o.kind))).toEqual([]);
      expect(none.filter(o => o.kind === 'Service').map(o => o.metadata.name)).toEqual(['workspaces-controller-metrics']);
      const c = only(none, 'Deployment').spec.template.spec.containers[0];
      expect(parseConfig(c.args, {}).webhookPort).toBe(0);
      expect(c.ports.map((p: Manifest) => p.name)).toEqual(['metrics', 'health']);
    });

    test('takes another timeout, within the API server\'s 1–30 s', () => {
      const vwc = only(installChart({ controller: { webhookTimeoutSeconds: 5 } }), 'ValidatingWebhookConfiguration');
      expect(vwc.webhooks.map((w: Manifest) => w.timeoutSeconds)).toEqual([5, 5]);
      expect(() => installChart({ controller: { webhookTimeoutSeconds: 31 } })).toThrow('webhookTimeoutSeconds is 31; expected a whole number from 1 to 30');
    });

    test('the server\'s request timeout is half the registration\'s timeout (5 s at most), and may not reach it', () => {
      const timeoutOf = (objects: Manifest[]) => parseConfig(only(objects, 'Deployment').spec.template.spec.containers[0].args, {}).webhookRequestTimeoutMs;
      expect(timeoutOf(installChart({}))).toBe(5000);
      expect(timeoutOf(installChart({ controller: { webhookTimeoutSeconds: 3 } }))).toBe(1500);
      expect(timeoutOf(installChart({ controller: { webhookTimeoutSeconds: 30 } }))).toBe(5000);
      expect(timeoutOf(installChart({ controller: { webhookTimeoutSeconds: 4, additionalArgs: ['--webhook-request-timeout=3s'] } }))).toBe(3000);
      expect(() => installChart({ controller: { webhookTimeoutSeconds: 4, additionalArgs: ['--webhook-request-timeout=4s'] } }))
        .toThrow('--webhook-request-timeout is 4000ms; expected under webhookTimeoutSeconds (4s), after which the API server has given up on the request');
    });
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
    expect(only(objects, 'ClusterRoleBinding', PlatformNames.CONTROLLER_CLUSTER_ROLE).subjects[0].namespace).toBe('platform-notebooks');
    expect(only(objects, 'ValidatingWebhookConfiguration').webhooks[0].clientConfig.service.namespace).toBe('platform-notebooks');
    expect(parseConfig(only(objects, 'Deployment').spec.template.spec.containers[0].args, {}).webhookHosts).toEqual([
      'workspaces-controller-webhook.platform-notebooks.svc', 'workspaces-controller-webhook.platform-notebooks.svc.cluster.local',
    ]);
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
    expect(only(objects, 'Deployment').metadata.namespace).toBe(PlatformNames.DEFAULT_CONTROLLER_NAMESPACE);
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
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: METRICS_PORT }],
      },
      // the API server calls the webhooks from its addresses
      { from: [{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ protocol: 'TCP', port: WEBHOOK_PORT }] },
    ]);
    expect(policy.spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '10.0.0.10/32' } }]);
  });

  test('sends DNS to other resolvers when told (a node-local cache)', () => {
    const policy = only(controllerObjects({ dnsPeers: [{ cidr: '169.254.20.10/32' }] }), 'NetworkPolicy');
    expect(policy.spec.egress[1].to).toEqual([{ ipBlock: { cidr: '169.254.20.10/32' } }]);
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
    expect(image({ imageDigest: digest })).toBe(`${IMAGE_REPOSITORY}@${digest}`);
    expect(image({ imageRepository: 'localhost:5000/mirror/reconciler', imageTag: 'v1' })).toBe('localhost:5000/mirror/reconciler:v1');
  });

  test('appends additional flags, which the reconciler reads after the chart\'s own', () => {
    const args = only(controllerObjects({ additionalArgs: ['--log-level=debug', '--workers=8'] }), 'Deployment').spec.template.spec.containers[0].args;
    expect(args.slice(-2)).toEqual(['--log-level=debug', '--workers=8']);
    expect(args.slice(0, RECONCILER_CHART_ARGS.length)).toEqual([...RECONCILER_CHART_ARGS]);
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
    [{ apiServerCidrs: [] }, 'chart/Controller: apiServerCidrs is []; expected at least one CIDR'],
    [{ apiServerCidrs: ['10.0.0.1'] }, 'chart/Controller: apiServerCidrs has "10.0.0.1"; expected a CIDR'],
    [{ dnsPeers: [{ podLabels: { 'k8s-app': 'kube-dns' } }] }, 'a dnsPeers entry needs namespaceLabels and podLabels'],
    [{ dnsPeers: [] }, 'chart/Controller: dnsPeers is []'],
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

