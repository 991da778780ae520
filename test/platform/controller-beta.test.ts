/** The install chart of a v2.0.0-beta.0 platform: the controller's revision and the beta's RBAC, from the contract. */
import { Testing } from 'cdk8s';
import { ApiRevision, PlatformNames, WorkspacesInstallChart } from '../../lib/platform';
import { parseConfig } from '../../lib/core/contract/flags';
import { only, synthChart } from './helpers';

function chart(props: ConstructorParameters<typeof WorkspacesInstallChart>[2]) {
  return synthChart(new WorkspacesInstallChart(Testing.app(), 'install', props));
}

describe('install chart at v2.0.0-beta.0', () => {
  test('the controller is told the revision through RECONCILER_API_REVISION; fd7a3d8e sets nothing', () => {
    const env = (objects: ReturnType<typeof chart>) => only(objects, 'Deployment').spec.template.spec.containers[0].env;
    const beta = env(chart({ apiRevision: ApiRevision.V2_0_0_BETA_0 }));
    expect(beta).toContainEqual({ name: 'RECONCILER_API_REVISION', value: 'v2.0.0-beta.0' });
    expect(parseConfig([], Object.fromEntries(beta.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]))).apiRevision).toBe('v2.0.0-beta.0');
    expect(env(chart({})).map((e: any) => e.name)).not.toContain('RECONCILER_API_REVISION');
  });

  test('RBAC: watches of the owned objects, writes with the workloads, bind only on the named ClusterRoles', () => {
    const objects = chart({ apiRevision: ApiRevision.V2_0_0_BETA_0, controller: { bindableClusterRoles: ['kubeflow-edit', 'view', 'view'] } });
    const rules = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_CLUSTER_ROLE).rules;
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['list', 'watch'] });
    expect(rules).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['list', 'watch'] });
    expect(rules.some((r: any) => r.verbs.includes('escalate') || r.resources.includes('*'))).toBe(false);
    const writer = only(objects, 'ClusterRole', PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE).rules;
    // bind goes with the workload writes: per tenant namespace by default
    expect(writer).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['kubeflow-edit', 'view'], verbs: ['bind'] });
    expect(writer).toContainEqual({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create', 'delete', 'patch'] });
    // no bindable roles: no bind rule at all
    const none = chart({ apiRevision: ApiRevision.V2_0_0_BETA_0 }).filter((o: any) => o.kind === 'ClusterRole').flatMap((o: any) => o.rules);
    expect(none.some((r: any) => r.verbs.includes('bind'))).toBe(false);
  });

  test('--use-istio adds the VirtualService rules; at fd7a3d8e it is refused at synth', () => {
    const objects = chart({ apiRevision: ApiRevision.V2_0_0_BETA_0, controller: { additionalArgs: ['--use-istio', '--istio-gateway=kubeflow/kubeflow-gateway'] } });
    expect(only(objects, 'ClusterRole', PlatformNames.CONTROLLER_CLUSTER_ROLE).rules).toContainEqual({ apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['list', 'watch'] });
    expect(only(objects, 'ClusterRole', PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE).rules).toContainEqual({ apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['create', 'patch'] });
    expect(() => chart({ controller: { additionalArgs: ['--use-istio'] } })).toThrow(/--use-istio needs --api-revision=v2.0.0-beta.0/);
  });

  test('egress: the Jupyter probe reaches Workspace Pods (by their label, TCP) at the beta only', () => {
    const egress = (objects: ReturnType<typeof chart>) => only(objects, 'NetworkPolicy').spec.egress;
    const podRule = {
      to: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'notebooks.kubeflow.org/workspace-name', operator: 'Exists' }] } }],
      ports: [{ protocol: 'TCP' }],
    };
    expect(egress(chart({ apiRevision: ApiRevision.V2_0_0_BETA_0 }))).toContainEqual(podRule);
    expect(egress(chart({ apiRevision: ApiRevision.V2_0_0_BETA_0 }))).toHaveLength(3);
    expect(egress(chart({}))).toHaveLength(2);
    expect(egress(chart({}))).not.toContainEqual(podRule);
  });
});
