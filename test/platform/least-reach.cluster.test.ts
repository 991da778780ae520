/**
 * Least reach of the synthesized install, as the real API server stores and evaluates it (API mode: RBAC is the API
 * server's own authorizer; there is no network plugin, so the NetworkPolicies are checked as stored objects).
 *
 * The install chart (self-managed webhooks, `apiServerCidrs`, `webhookIngressCidrs`, a metrics scraper) and a tenant
 * are synthesized with the constructs, and their Namespaces, ServiceAccount, RBAC and NetworkPolicy are created on the
 * API server, cluster-scoped names given this run's suffix (consistently, roleRefs included) so that the suite shares
 * the control plane with the other suites' installs. The ValidatingWebhookConfiguration is not created: nothing
 * serves it here, and fail-closed it would refuse the other suites' Workspaces.
 *
 * RBAC: the controller's ServiceAccount (a real token) asks the API server what it may do (SelfSubjectRulesReview) in
 * a tenant namespace, in another namespace and in its own; minus what every ServiceAccount gets (a second, unbound
 * ServiceAccount of the same namespace asks the same), the answer must be exactly the reconciler's contract
 * (lib/core/contract/permissions.ts) for that namespace, verb by verb. SubjectAccessReviews then spell out the
 * boundaries that matter: exec, the service proxy and workload writes in tenant namespaces only, reads of Pods and
 * workloads by list/watch only, one Secret by name.
 *
 * NetworkPolicy: the stored policy is evaluated (a small evaluator of the NetworkPolicy semantics this chart uses:
 * ipBlocks, matchLabels selectors, ports) for the connections the controller makes and those an attacker would.
 */
import { BlockList, isIPv4 } from 'node:net';
import { App, Chart, Testing } from 'cdk8s';
import { MemberKind, WorkspacesInstallChart, WorkspacesTenant } from '../../lib/platform';
import {
  CONTROLLER_NAME,
  CONTROLLER_WEBHOOK_SECRET_NAME,
  WEBHOOK_CONFIGURATION_NAME,
} from '../../lib/platform/names';
import {
  PolicyRule,
  RECONCILER_CLUSTER_RULES,
  RECONCILER_CULLING_RULES,
  RECONCILER_HEALTH_PORT,
  RECONCILER_METRICS_PORT,
  RECONCILER_NAMESPACE_RULES,
  RECONCILER_WORKLOAD_WRITE_RULES,
  reconcilerWebhookConfigurationRules,
  reconcilerWebhookSecretRules,
} from '../../lib/core/contract/permissions';
import { WEBHOOK_PORT } from '../../lib/core/contract/webhooks';
import { ClusterConnection, describeCluster } from '../cluster/connection';
import { suffix } from '../reconciler/cluster-helpers';

const TIMEOUT_MS = 90_000;
/** The addresses of this test's (imaginary) cluster. */
const API_SERVER_CIDRS = ['10.0.0.1/32', '172.18.0.2/32'];
const WEBHOOK_CALLER_CIDRS = ['192.168.50.0/24'];
const MONITORING = { 'kubernetes.io/metadata.name': 'monitoring' };
const KUBE_SYSTEM = { 'kubernetes.io/metadata.name': 'kube-system' };
const KUBE_DNS = { 'k8s-app': 'kube-dns' };

type Manifest = Record<string, any>;

/** API path of the collection of a synthesized object's kind. */
function collection(o: Manifest): string {
  const ns = o.metadata.namespace;
  switch (o.kind) {
    case 'Namespace': return '/api/v1/namespaces';
    case 'ServiceAccount': return `/api/v1/namespaces/${ns}/serviceaccounts`;
    case 'ClusterRole': return '/apis/rbac.authorization.k8s.io/v1/clusterroles';
    case 'ClusterRoleBinding': return '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
    case 'Role': return `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`;
    case 'RoleBinding': return `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`;
    case 'NetworkPolicy': return `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`;
    default: throw new Error(`no path for ${o.kind}`);
  }
}

const APPLIED_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'NetworkPolicy']);

/** `verb group/resource[/name]`, one per verb, resource and name of each rule: comparable across rule layouts. */
function grants(rules: readonly { apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; verbs: string[] }[]): string[] {
  const out = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const name of rule.resourceNames?.length ? rule.resourceNames : ['*']) {
          for (const verb of rule.verbs) out.add(`${verb} ${group || 'core'}/${resource}${name === '*' ? '' : `/${name}`}`);
        }
      }
    }
  }
  return [...out].sort();
}

/** A connection's other end, as a NetworkPolicy sees it: an address, and for a Pod its own and its namespace's labels. */
interface Peer {
  readonly ip: string;
  readonly namespace?: string;
  readonly namespaceLabels?: Record<string, string>;
  readonly podLabels?: Record<string, string>;
}

function matchLabels(selector: any, labels: Record<string, string> | undefined): boolean {
  if (selector.matchExpressions) throw new Error(`the evaluator does not know matchExpressions: ${JSON.stringify(selector)}`);
  return labels !== undefined && Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function peerMatches(rulePeer: any, peer: Peer, policyNamespace: string): boolean {
  if (rulePeer.ipBlock) {
    const blocks = new BlockList();
    const [net, prefix] = rulePeer.ipBlock.cidr.split('/');
    blocks.addSubnet(net, Number(prefix), isIPv4(net) ? 'ipv4' : 'ipv6');
    const excepted = new BlockList();
    for (const cidr of rulePeer.ipBlock.except ?? []) {
      const [n, p] = cidr.split('/');
      excepted.addSubnet(n, Number(p), isIPv4(n) ? 'ipv4' : 'ipv6');
    }
    const family = isIPv4(peer.ip) ? 'ipv4' : 'ipv6';
    return blocks.check(peer.ip, family) && !excepted.check(peer.ip, family);
  }
  if (peer.podLabels === undefined) return false; // selectors select Pods only
  const namespaceOk = rulePeer.namespaceSelector ? matchLabels(rulePeer.namespaceSelector, peer.namespaceLabels) : peer.namespace === policyNamespace;
  const podOk = rulePeer.podSelector ? matchLabels(rulePeer.podSelector, peer.podLabels) : true;
  return namespaceOk && podOk;
}

/** Whether the policy's `ingress` or `egress` rules admit a connection with `peer` on `port`/`protocol`. */
function admits(policy: Manifest, direction: 'ingress' | 'egress', peer: Peer, port: number, protocol: 'TCP' | 'UDP'): boolean {
  const side = direction === 'ingress' ? 'from' : 'to';
  return (policy.spec[direction] ?? []).some((rule: any) =>
    (rule[side] === undefined || rule[side].some((p: any) => peerMatches(p, peer, policy.metadata.namespace)))
    && (rule.ports === undefined || rule.ports.some((p: any) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port))));
}

describeCluster('least reach of the synthesized install: the controller\'s RBAC and NetworkPolicy on the real API server', (cluster: ClusterConnection) => {
  const id = suffix();
  const controllerNs = `kfws-reach-${id}`;
  const defaultsNs = `kfws-reach-defaults-${id}`;
  const tenantNs = `reach-team-${id}`;
  const otherNs = `reach-other-${id}`;
  const created: string[] = [];
  let objects: Manifest[] = [];
  let controllerPodLabels: Record<string, string> = {};
  let defaultObjects: Manifest[] = [];
  let controllerToken = '';
  let baselineToken = '';

  /** The install (as configured here or with defaults) and a tenant, synthesized; cluster-scoped names suffixed. */
  function synth(): void {
    const app = new App();
    new WorkspacesInstallChart(app, 'install', {
      controller: {
        namespace: controllerNs,
        apiServerCidrs: API_SERVER_CIDRS,
        webhookIngressCidrs: WEBHOOK_CALLER_CIDRS,
        metricsScraperNamespaceLabels: MONITORING,
      },
    });
    new WorkspacesTenant(new Chart(app, 'tenant'), 'Tenant', {
      namespace: tenantNs,
      controllerNamespace: controllerNs,
      members: [{ kind: MemberKind.GROUP, name: `${tenantNs}-editors` }],
    });
    const all = app.charts.flatMap((c) => Testing.synth(c));
    controllerPodLabels = all.find((o) => o.kind === 'Deployment' && o.metadata.name === CONTROLLER_NAME)!.spec.template.metadata.labels;
    const renamed = new Map<string, string>();
    for (const o of all) {
      if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') {
        renamed.set(`${o.kind}/${o.metadata.name}`, `${o.metadata.name}-${id}`);
      }
    }
    const rename = (kind: string, name: string) => renamed.get(`${kind}/${name}`) ?? name;
    const bound = new Set<string>();
    const kept = all.filter((o) => APPLIED_KINDS.has(o.kind)).map((o) => {
      const copy = JSON.parse(JSON.stringify(o));
      copy.metadata.name = rename(o.kind, o.metadata.name);
      if (copy.roleRef) {
        copy.roleRef.name = rename(copy.roleRef.kind, copy.roleRef.name);
        if (copy.roleRef.kind === 'ClusterRole') bound.add(copy.roleRef.name);
      }
      return copy;
    });
    // ClusterRoles nothing binds (the roles for people, aggregated into the built-in ones) are not the controller's.
    objects = kept.filter((o) => o.kind !== 'ClusterRole' || bound.has(o.metadata.name));

    const defaults = new App();
    new WorkspacesInstallChart(defaults, 'install', { controller: { namespace: defaultsNs } });
    defaultObjects = Testing.synth(defaults.charts[0]).filter((o) => o.kind === 'Namespace' || o.kind === 'NetworkPolicy');
  }

  async function create(o: Manifest): Promise<void> {
    const r = await cluster.request(collection(o), { method: 'POST', body: o });
    if (r.status !== 201) throw new Error(`creating ${o.kind} ${o.metadata.name}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    created.push(`${collection(o)}/${o.metadata.name}`);
  }

  async function token(ns: string, name: string): Promise<string> {
    const r = await cluster.request(`/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    if (r.status !== 201) throw new Error(`TokenRequest ${ns}/${name}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    return r.json.status.token;
  }

  /** What the holder of `bearer` may do in `namespace`, as the API server says (cluster-wide grants included). */
  async function rulesOf(bearer: string, namespace: string): Promise<string[]> {
    const r = await cluster.request('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      method: 'POST',
      token: bearer,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
    });
    if (r.status !== 201) throw new Error(`SelfSubjectRulesReview: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    expect(r.json.status.incomplete).toBe(false);
    return grants(r.json.status.resourceRules);
  }

  /** The controller's own grants in `namespace`: its rules minus those of an unbound ServiceAccount beside it. */
  async function controllerGrants(namespace: string): Promise<string[]> {
    const everyone = new Set(await rulesOf(baselineToken, namespace));
    return (await rulesOf(controllerToken, namespace)).filter((g) => !everyone.has(g));
  }

  async function allowed(verb: string, group: string, resource: string, namespace?: string, name?: string): Promise<boolean> {
    const [plural, subresource] = resource.split('/');
    const r = await cluster.request('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      token: controllerToken,
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace, verb, group, resource: plural, subresource, name } } },
    });
    if (r.status !== 201) throw new Error(`SelfSubjectAccessReview: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    return r.json.status.allowed === true;
  }

  async function storedPolicy(namespace: string): Promise<Manifest> {
    const r = await cluster.request(`/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${CONTROLLER_NAME}`);
    expect(r.status).toBe(200);
    return r.json;
  }

  beforeAll(async () => {
    synth();
    const order = ['Namespace', 'ServiceAccount', 'ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding', 'NetworkPolicy'];
    const namespaces = [otherNs].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    for (const o of [...namespaces, ...objects, ...defaultObjects].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))) {
      await create(o);
    }
    await create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'unbound', namespace: controllerNs } });
    controllerToken = await token(controllerNs, CONTROLLER_NAME);
    baselineToken = await token(controllerNs, 'unbound');
  }, TIMEOUT_MS);

  afterAll(async () => {
    // Namespaces take their namespaced objects with them; cluster-scoped ones are removed one by one.
    for (const p of created.filter((c) => /\/(clusterroles|clusterrolebindings|namespaces)\//.test(c))) {
      await cluster.request(p, { method: 'DELETE' });
    }
  }, TIMEOUT_MS);

  it('binds the controller\'s cluster-wide ClusterRoles by ClusterRoleBinding, the writes and probes only by tenant RoleBindings', () => {
    const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' && o.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === CONTROLLER_NAME));
    expect(bindings.map((b) => b.roleRef.name).sort()).toEqual([`kubeflow-workspaces-controller-${id}`, `${WEBHOOK_CONFIGURATION_NAME}-${id}`].sort());
    const tenantBindings = objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === tenantNs && o.subjects.some((s: any) => s.name === CONTROLLER_NAME));
    expect(tenantBindings.map((b) => [b.roleRef.kind, b.roleRef.name]).sort()).toEqual([
      ['ClusterRole', `kubeflow-workspaces-controller-culling-${id}`],
      ['ClusterRole', `kubeflow-workspaces-controller-writer-${id}`],
    ]);
  });

  it('the controller may do exactly its contract, namespace by namespace, as the API server evaluates its bindings', async () => {
    const cluster = [...RECONCILER_CLUSTER_RULES, ...reconcilerWebhookConfigurationRules(WEBHOOK_CONFIGURATION_NAME)];
    const expected = (rules: PolicyRule[]) => grants(rules);
    expect(await controllerGrants(tenantNs)).toEqual(expected([...cluster, ...RECONCILER_WORKLOAD_WRITE_RULES, ...RECONCILER_CULLING_RULES]));
    expect(await controllerGrants(otherNs)).toEqual(expected(cluster));
    expect(await controllerGrants('kube-system')).toEqual(expected(cluster));
    expect(await controllerGrants(controllerNs)).toEqual(expected([...cluster, ...RECONCILER_NAMESPACE_RULES, ...reconcilerWebhookSecretRules(CONTROLLER_WEBHOOK_SECRET_NAME)]));
  }, TIMEOUT_MS);

  it('exec, the service proxy and workload writes in the tenant namespace only, never cluster-wide', async () => {
    const tenantOnly: [string, string, string][] = [
      ['create', '', 'pods/exec'], ['get', '', 'pods/exec'], ['get', '', 'services/proxy'],
      ['create', 'apps', 'statefulsets'], ['patch', 'apps', 'statefulsets'], ['create', '', 'services'], ['patch', '', 'services'],
    ];
    for (const [verb, group, resource] of tenantOnly) {
      const where = {
        tenant: await allowed(verb, group, resource, tenantNs),
        other: await allowed(verb, group, resource, otherNs),
        kubeSystem: await allowed(verb, group, resource, 'kube-system'),
        own: await allowed(verb, group, resource, controllerNs),
        allNamespaces: await allowed(verb, group, resource),
      };
      expect([verb, resource, where]).toEqual([verb, resource, { tenant: true, other: false, kubeSystem: false, own: false, allNamespaces: false }]);
    }
    // never, not even in the tenant namespace: deletes (garbage collection does them), attach, port-forward, Pods
    for (const [verb, group, resource] of [['delete', 'apps', 'statefulsets'], ['update', 'apps', 'statefulsets'], ['delete', '', 'services'],
      ['create', '', 'pods/attach'], ['create', '', 'pods/portforward'], ['create', '', 'pods'], ['delete', '', 'pods'], ['get', '', 'pods/log']]) {
      expect([verb, resource, await allowed(verb, group, resource, tenantNs)]).toEqual([verb, resource, false]);
    }
  }, TIMEOUT_MS);

  it('reads Pods, workloads and Events by list/watch only (no get, no Secrets but its own certificate by name)', async () => {
    for (const [group, resource] of [['', 'pods'], ['', 'services'], ['apps', 'statefulsets'], ['', 'events']]) {
      expect([resource, await allowed('list', group, resource), await allowed('watch', group, resource), await allowed('get', group, resource, otherNs)])
        .toEqual([resource, true, true, false]);
    }
    expect(await allowed('get', '', 'secrets', controllerNs, CONTROLLER_WEBHOOK_SECRET_NAME)).toBe(true);
    expect(await allowed('get', '', 'secrets', controllerNs, 'another')).toBe(false);
    expect(await allowed('list', '', 'secrets', controllerNs)).toBe(false);
    expect(await allowed('watch', '', 'secrets', controllerNs)).toBe(false);
    expect(await allowed('get', '', 'secrets', tenantNs, CONTROLLER_WEBHOOK_SECRET_NAME)).toBe(false);
    expect(await allowed('update', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', undefined, WEBHOOK_CONFIGURATION_NAME)).toBe(true);
    expect(await allowed('update', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', undefined, 'someone-elses')).toBe(false);
    for (const [verb, group, resource] of [['list', '', 'configmaps'], ['list', '', 'nodes'], ['impersonate', '', 'serviceaccounts'],
      ['create', 'rbac.authorization.k8s.io', 'rolebindings'], ['bind', 'rbac.authorization.k8s.io', 'clusterroles'], ['escalate', 'rbac.authorization.k8s.io', 'clusterroles'],
      ['delete', 'kubeflow.org', 'workspacekinds'], ['update', 'kubeflow.org', 'workspaces'], ['create', '', 'serviceaccounts/token']]) {
      expect([verb, resource, await allowed(verb, group, resource, tenantNs)]).toEqual([verb, resource, false]);
    }
  }, TIMEOUT_MS);

  describe('the NetworkPolicy as stored', () => {
    const apiServer: Peer = { ip: '10.0.0.1' };
    const otherApiServer: Peer = { ip: '172.18.0.2' };
    const kubeDns: Peer = { ip: '10.244.0.10', namespace: 'kube-system', namespaceLabels: KUBE_SYSTEM, podLabels: KUBE_DNS };
    const workspacePod = (): Peer => ({ ip: '10.244.1.5', namespace: tenantNs, namespaceLabels: { 'kubernetes.io/metadata.name': tenantNs }, podLabels: { 'notebooks.kubeflow.org/workspace-name': 'alice' } });
    const scraper: Peer = { ip: '10.244.2.7', namespace: 'monitoring', namespaceLabels: MONITORING, podLabels: { app: 'prometheus' } };

    it('selects the controller Pods only, and is stored as synthesized', async () => {
      const policy = await storedPolicy(controllerNs);
      const synthesized = objects.find((o) => o.kind === 'NetworkPolicy')!;
      expect(policy.spec).toEqual(synthesized.spec);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(matchLabels(policy.spec.podSelector, controllerPodLabels)).toBe(true);
      expect(matchLabels(policy.spec.podSelector, workspacePod().podLabels)).toBe(false);
    });

    it('egress: the API server endpoints on 443/6443 and the cluster DNS on 53, nothing else (no rule open to every peer or port)', async () => {
      const policy = await storedPolicy(controllerNs);
      for (const rule of policy.spec.egress) {
        expect(rule.to?.length).toBeGreaterThan(0);
        expect(rule.ports?.length).toBeGreaterThan(0);
      }
      const egress = (peer: Peer, port: number, protocol: 'TCP' | 'UDP' = 'TCP') => admits(policy, 'egress', peer, port, protocol);
      expect([egress(apiServer, 443), egress(apiServer, 6443), egress(otherApiServer, 443)]).toEqual([true, true, true]);
      expect([egress(kubeDns, 53, 'UDP'), egress(kubeDns, 53, 'TCP')]).toEqual([true, true]);
      const denied: [string, Peer, number, 'TCP' | 'UDP'][] = [
        ['API server on another port', apiServer, 22, 'TCP'],
        ['an address next to the API server', { ip: '10.0.0.2' }, 443, 'TCP'],
        ['the internet', { ip: '8.8.8.8' }, 443, 'TCP'],
        ['DNS elsewhere', { ip: '8.8.8.8' }, 53, 'UDP'],
        ['another kube-system Pod on 53', { ...kubeDns, podLabels: { 'k8s-app': 'impostor' } }, 53, 'UDP'],
        ['a kube-dns look-alike in a tenant namespace', { ...workspacePod(), podLabels: KUBE_DNS }, 53, 'UDP'],
        ['kube-dns on another port', kubeDns, 443, 'TCP'],
        // the activity probes go through the API server (services/proxy, pods/exec): no direct path to Workspaces
        ['a Workspace Pod\'s Jupyter port', workspacePod(), 8888, 'TCP'],
        ['a Workspace Pod on 443', workspacePod(), 443, 'TCP'],
      ];
      for (const [what, peer, port, protocol] of denied) {
        expect([what, egress(peer, port, protocol)]).toEqual([what, false]);
      }
    });

    it('ingress: the webhook port from webhookIngressCidrs only (not the API server endpoints, not Pods), metrics from the scrapers only, nothing to health', async () => {
      const policy = await storedPolicy(controllerNs);
      const ingress = (peer: Peer, port: number) => admits(policy, 'ingress', peer, port, 'TCP');
      expect([ingress({ ip: '192.168.50.7' }, WEBHOOK_PORT), ingress(scraper, RECONCILER_METRICS_PORT)]).toEqual([true, true]);
      const denied: [string, Peer, number][] = [
        ['the API server endpoint (calls come from webhookIngressCidrs)', apiServer, WEBHOOK_PORT],
        ['a tenant Pod to the webhook', workspacePod(), WEBHOOK_PORT],
        ['a tenant Pod to metrics', workspacePod(), RECONCILER_METRICS_PORT],
        ['a scraper to the webhook', scraper, WEBHOOK_PORT],
        ['a webhook caller to metrics', { ip: '192.168.50.7' }, RECONCILER_METRICS_PORT],
        ['anyone to health (the kubelet is admitted by the node exception)', scraper, RECONCILER_HEALTH_PORT],
      ];
      for (const [what, peer, port] of denied) {
        expect([what, ingress(peer, port)]).toEqual([what, false]);
      }
    });

    it('with the defaults: egress 443/6443 to the private ranges only, the webhook port from any address, metrics closed', async () => {
      const policy = await storedPolicy(defaultsNs);
      const egress = (peer: Peer, port: number) => admits(policy, 'egress', peer, port, 'TCP');
      expect([egress({ ip: '10.96.0.1' }, 443), egress({ ip: '192.168.1.10' }, 6443), egress({ ip: '172.31.0.1' }, 443)]).toEqual([true, true, true]);
      expect([egress({ ip: '8.8.8.8' }, 443), egress({ ip: '172.32.0.1' }, 443), egress({ ip: '10.96.0.1' }, 80)]).toEqual([false, false, false]);
      expect([admits(policy, 'ingress', workspacePod(), WEBHOOK_PORT, 'TCP'), admits(policy, 'ingress', scraper, RECONCILER_METRICS_PORT, 'TCP')]).toEqual([true, false]);
    });
  });
});
