import { Chart, Testing } from 'cdk8s';
import {
  BuiltInRole,
  InstallMode,
  MemberKind,
  PlatformNames,
  PodSecurityLevel,
  WorkspacesInstallChart,
  WorkspacesTenant,
  WorkspacesTenantProps,
} from '../../lib/platform';
import { identities, Manifest, only, synthChart, synthObjects } from './helpers';

function tenantObjects(props: WorkspacesTenantProps, configure?: (tenant: WorkspacesTenant) => void): Manifest[] {
  const chart = new Chart(Testing.app(), 'tenants');
  const tenant = new WorkspacesTenant(chart, 'TeamMl', props);
  configure?.(tenant);
  return synthChart(chart);
}

describe('WorkspacesTenant', () => {
  test('synthesizes a complete team namespace (snapshot)', () => {
    const objects = tenantObjects({
      namespace: 'team-ml',
      namespaceLabels: { 'istio-injection': 'enabled' },
      members: [
        { kind: MemberKind.GROUP, name: 'ml-engineers' },
        { kind: MemberKind.USER, name: 'lead@example.com', role: BuiltInRole.ADMIN },
        { kind: MemberKind.USER, name: 'auditor@example.com', role: BuiltInRole.VIEW },
      ],
      resourceQuota: { requestsCpu: '32', requestsMemory: '128Gi', requestsStorage: '1Ti', persistentVolumeClaims: 40, workspaces: 20,
        additionalLimits: { 'requests.nvidia.com/gpu': '4' } },
      limitRange: { defaultRequest: { cpu: '100m', memory: '256Mi' }, defaultLimit: { cpu: '2', memory: '4Gi' }, max: { memory: '64Gi' } },
    });
    expect(objects).toMatchSnapshot();
  });

  test('by default: a baseline namespace, the default-editor account without token, the controller\'s writer and culling bindings, nothing else', () => {
    const objects = tenantObjects({ namespace: 'team-ml' });
    expect(identities(objects)).toEqual([
      'Namespace/team-ml',
      'ServiceAccount/default-editor',
      `RoleBinding/${PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE}`,
      `RoleBinding/${PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE}`,
    ]);
    const labels = only(objects, 'Namespace').metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(only(objects, 'ServiceAccount')).toMatchObject({ metadata: { namespace: 'team-ml' }, automountServiceAccountToken: false });
  });

  test('enforces the Pod Security level it is given', () => {
    const labels = only(tenantObjects({ namespace: 'team-ml', podSecurity: PodSecurityLevel.RESTRICTED }), 'Namespace').metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(labels['pod-security.kubernetes.io/warn']).toBe('restricted');
  });

  test('leaves an existing namespace and its platform-made accounts alone', () => {
    const objects = tenantObjects({ namespace: 'kubeflow-user-alice', createNamespace: false, workspaceServiceAccounts: [], allowCulling: false });
    expect(identities(objects)).toEqual([`RoleBinding/${PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE}`]);
  });

  test('lets the controller write the Workspaces\' StatefulSets and Services in this namespace only (full install)', () => {
    const app = Testing.app();
    const install = new WorkspacesInstallChart(app, 'install', { controller: { namespace: 'platform-notebooks' } });
    new WorkspacesTenant(new Chart(app, 'tenants'), 'TeamMl', { namespace: 'team-ml', controllerNamespace: install.controller!.namespace, allowCulling: false });
    const objects = synthObjects(app);
    const binding = only(objects, 'RoleBinding', PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE);
    expect(binding.metadata.namespace).toBe('team-ml');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: PlatformNames.CONTROLLER, namespace: 'platform-notebooks' }]);
    const role = only(objects, 'ClusterRole', binding.roleRef.name);
    // stated, not taken from lib/core/contract/permissions.ts: the reconciler creates and patches these two, nothing more
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['services'], verbs: ['create', 'patch'] },
      { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['create', 'patch'] },
    ]);
    expect(objects.filter(o => o.kind === 'ClusterRoleBinding' && o.roleRef.name === PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE)).toEqual([]);
  });

  describe('the controller\'s culling probes (full install)', () => {
    test('are allowed in the tenant namespace only: a RoleBinding, never a ClusterRoleBinding, of the controller\'s ServiceAccount', () => {
      const objects = tenantObjects({ namespace: 'team-ml' });
      const binding = only(objects, 'RoleBinding', PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE);
      expect(binding.metadata.namespace).toBe('team-ml');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: PlatformNames.CONTROLLER, namespace: PlatformNames.DEFAULT_CONTROLLER_NAMESPACE }]);
      expect(objects.filter(o => o.kind === 'ClusterRoleBinding')).toEqual([]);
    });

    test('bind the ServiceAccount and the ClusterRole that the install chart creates, in the controller namespace it was given', () => {
      const app = Testing.app();
      const install = new WorkspacesInstallChart(app, 'install', { controller: { namespace: 'platform-notebooks' } });
      new WorkspacesTenant(new Chart(app, 'tenants'), 'TeamMl', { namespace: 'team-ml', controllerNamespace: install.controller!.namespace });
      const objects = synthObjects(app);
      const binding = only(objects, 'RoleBinding', PlatformNames.CONTROLLER_CULLING_CLUSTER_ROLE);
      const account = only(objects, 'ServiceAccount', PlatformNames.CONTROLLER);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
      expect(account.metadata.namespace).toBe('platform-notebooks');
      const role = only(objects, 'ClusterRole', binding.roleRef.name);
      expect(role.rules.flatMap((r: Manifest) => r.resources).sort()).toEqual(['pods/exec', 'services/proxy']);
    });

    test('can be left out: the namespace\'s Workspaces are then never culled', () => {
      const objects = tenantObjects({ namespace: 'team-ml', allowCulling: false });
      expect(identities(objects)).toEqual(['Namespace/team-ml', 'ServiceAccount/default-editor', `RoleBinding/${PlatformNames.CONTROLLER_WRITER_CLUSTER_ROLE}`]);
    });

    test('are the platform\'s business when it runs the controller', () => {
      const objects = tenantObjects({ namespace: 'team-ml', mode: InstallMode.CONTROLLER_PROVIDED });
      expect(identities(objects)).toEqual(['Namespace/team-ml', 'ServiceAccount/default-editor']);
    });
  });

  test('binds each role\'s members in one RoleBinding, subjects de-duplicated and sorted', () => {
    const objects = tenantObjects({ namespace: 'team-ml' }, tenant => {
      tenant.addMember({ kind: MemberKind.USER, name: 'zoe' });
      tenant.addMember({ kind: MemberKind.GROUP, name: 'ml' });
      tenant.addMember({ kind: MemberKind.USER, name: 'zoe' });
      tenant.addMember({ kind: MemberKind.USER, name: 'adam', role: BuiltInRole.VIEW });
    });
    const edit = only(objects, 'RoleBinding', 'workspaces-members-edit');
    expect(edit.metadata.namespace).toBe('team-ml');
    expect(edit.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' });
    expect(edit.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ml' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'zoe' },
    ]);
    expect(only(objects, 'RoleBinding', 'workspaces-members-view').roleRef.name).toBe('view');
  });

  test('with the full install, lets every member read the kinds cluster-wide', () => {
    const objects = tenantObjects({ namespace: 'team-ml', members: [{ kind: MemberKind.GROUP, name: 'ml' }] }, tenant =>
      tenant.addMember({ kind: MemberKind.USER, name: 'adam', role: BuiltInRole.VIEW }));
    const binding = only(objects, 'ClusterRoleBinding');
    expect(binding.metadata).toMatchObject({ name: `${PlatformNames.KIND_READER_CLUSTER_ROLE}-team-ml` });
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PlatformNames.KIND_READER_CLUSTER_ROLE });
    expect(binding.subjects.map((s: Manifest) => `${s.kind}/${s.name}`)).toEqual(['Group/ml', 'User/adam']);
  });

  test('with the controller provided by the platform, binds nothing cluster-wide', () => {
    const objects = tenantObjects({ namespace: 'team-ml', mode: InstallMode.CONTROLLER_PROVIDED, members: [{ kind: MemberKind.GROUP, name: 'ml' }] });
    expect(objects.filter(o => o.kind.startsWith('Cluster'))).toEqual([]);
    expect(only(objects, 'RoleBinding').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ml' }]);
  });

  test('creates the ServiceAccounts the kinds name', () => {
    const objects = tenantObjects({ namespace: 'team-ml', workspaceServiceAccounts: ['notebook', 'vscode'], automountServiceAccountToken: true },
      tenant => tenant.addWorkspaceServiceAccount('rstudio'));
    const accounts = objects.filter(o => o.kind === 'ServiceAccount');
    expect(accounts.map(o => o.metadata.name)).toEqual(['notebook', 'vscode', 'rstudio']);
    expect(accounts.every(o => o.automountServiceAccountToken === true)).toBe(true);
  });

  test('writes quota and limits as Kubernetes expects them', () => {
    const objects = tenantObjects({
      namespace: 'team-ml',
      resourceQuota: { limitsMemory: '64Gi', workspaces: 0 },
      limitRange: { max: { cpu: '4' } },
    });
    expect(only(objects, 'ResourceQuota').spec).toEqual({ hard: { 'count/workspaces.kubeflow.org': '0', 'limits.memory': '64Gi' } });
    // the default limit and request the API server would fill in, written out: the stored item equals the written one
    expect(only(objects, 'LimitRange').spec).toEqual({ limits: [{ type: 'Container', max: { cpu: '4' }, default: { cpu: '4' }, defaultRequest: { cpu: '4' } }] });
  });

  test('writes quantities of quota and limits in the form the API server stores them', () => {
    const objects = tenantObjects({
      namespace: 'team-ml',
      resourceQuota: { requestsCpu: '16000m', requestsMemory: '0.5Gi' },
      limitRange: { defaultRequest: { cpu: '0.25' }, max: { cpu: '2000m', memory: '1024Mi' } },
    });
    expect(only(objects, 'ResourceQuota').spec).toEqual({ hard: { 'requests.cpu': '16', 'requests.memory': '512Mi' } });
    expect(only(objects, 'LimitRange').spec.limits).toEqual([{
      type: 'Container',
      defaultRequest: { cpu: '250m', memory: '1Gi' },
      default: { cpu: '2', memory: '1Gi' },
      max: { cpu: '2', memory: '1Gi' },
    }]);
  });

  test('refuses a default limit above the max', () => {
    expect(() => tenantObjects({ namespace: 'team-ml', limitRange: { defaultLimit: { cpu: '8' }, max: { cpu: '4' } } }))
      .toThrow('limitRange.defaultLimit.cpu is "8", above limitRange.max.cpu "4"');
  });

  test('refuses two tenants that define the same namespace', () => {
    const chart = new Chart(Testing.app(), 'tenants');
    new WorkspacesTenant(chart, 'A', { namespace: 'team-ml', members: [{ kind: MemberKind.GROUP, name: 'a' }] });
    new WorkspacesTenant(chart, 'B', { namespace: 'team-ml' }).addMember({ kind: MemberKind.GROUP, name: 'b' });
    expect(() => synthChart(chart)).toThrow(/Namespace "team-ml" is defined twice[\s\S]*RoleBinding "workspaces-members-edit" in namespace "team-ml" is defined twice/);
  });

  test.each<[string, WorkspacesTenantProps, string]>([
    ['a malformed namespace', { namespace: 'Team ML' },
      'tenants/TeamMl: namespace is "Team ML"; expected a namespace name (an RFC 1123 label): a lowercase RFC 1123 label must consist of'],
    ['a namespace longer than a label', { namespace: `team-${'m'.repeat(60)}` }, 'must be no more than 63 characters'],
    ['namespace settings for a namespace it does not create', { namespace: 'team-ml', createNamespace: false, podSecurity: PodSecurityLevel.BASELINE },
      'podSecurity and namespaceLabels apply to a namespace this construct creates'],
    ['a malformed account name', { namespace: 'team-ml', workspaceServiceAccounts: ['Default_Editor'] },
      'tenants/TeamMl: workspace ServiceAccount name is "Default_Editor"; expected a ServiceAccount name (an RFC 1123 subdomain): a lowercase RFC 1123 subdomain must consist of'],
    ['an account twice', { namespace: 'team-ml', workspaceServiceAccounts: ['a', 'a'] }, 'ServiceAccount "a" is added twice'],
    ['an empty member name', { namespace: 'team-ml', members: [{ kind: MemberKind.USER, name: ' ' }] }, 'a User member has an empty name'],
    ['a malformed quota', { namespace: 'team-ml', resourceQuota: { requestsCpu: 'eight' } }, 'resourceQuota.requests.cpu is "eight"'],
    ['a negative count', { namespace: 'team-ml', resourceQuota: { workspaces: -1 } }, 'resourceQuota count/workspaces.kubeflow.org is -1'],
    ['an empty quota', { namespace: 'team-ml', resourceQuota: {} }, 'resourceQuota sets no limit'],
    ['a default request above the default limit', { namespace: 'team-ml', limitRange: { defaultRequest: { cpu: '2' }, defaultLimit: { cpu: '1' } } },
      'limitRange.defaultRequest.cpu is "2", above limitRange.defaultLimit.cpu "1"'],
    ['an empty limit range', { namespace: 'team-ml', limitRange: {} }, 'limitRange sets nothing'],
    ['a malformed controller namespace', { namespace: 'team-ml', controllerNamespace: 'kubeflow.workspaces' },
      'tenants/TeamMl: controllerNamespace is "kubeflow.workspaces"; expected a namespace name (an RFC 1123 label): a lowercase RFC 1123 label must consist of'],
    ['culling settings with the controller provided by the platform', { namespace: 'team-ml', mode: InstallMode.CONTROLLER_PROVIDED, allowCulling: true },
      'tenants/TeamMl: allowCulling and controllerNamespace concern the controller of the full install, but mode is InstallMode.CONTROLLER_PROVIDED'],
  ])('rejects %s', (_, props, message) => {
    expect(() => tenantObjects(props)).toThrow(message);
  });
});
