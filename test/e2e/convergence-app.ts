/**
 * The larger app of the convergence suite: the install chart with every controller option, several tenants (quota,
 * limit range, members of each kind and role, extra ServiceAccounts), kinds that use every option field and every
 * spawner/probe/volume variant, and Workspaces across the tenants (paused, deferred updates, pod metadata, new and
 * existing home claims, data volumes with and without readOnly, a shared claim).
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import {
  ActivityProbe,
  AdmissionWebhookMode,
  ApplyOrder,
  BuiltInRole,
  ClaimAccessMode,
  EmptyDirMedium,
  ImagePullPolicy,
  MemberKind,
  PodSecurityLevel,
  RedirectLevel,
  SeccompProfileType,
  SpawnerImage,
  TaintEffect,
  TolerationOperator,
  Workspace,
  WorkspaceClaim,
  WorkspaceKind,
  WorkspacesInstallChart,
  WorkspacesTenant,
  WorkspaceVolume,
} from '../../lib';

export const GENERATED_TENANTS = ['team-a', 'team-b', 'team-c'] as const;

/** A kind using every field of the spec, with options of both types using every option field. */
function fullKind(scope: Chart): WorkspaceKind {
  const kind = new WorkspaceKind(scope, 'Full', {
    name: 'full',
    displayName: 'Everything',
    description: 'A kind that sets every field',
    hidden: false,
    deprecated: false,
    icon: SpawnerImage.fromConfigMap('kind-icons', 'full.svg'),
    logo: SpawnerImage.fromUrl('https://example.com/full-logo.svg'),
    labels: { 'example.com/tier': 'gold' },
    podLabels: { 'example.com/kind': 'full' },
    podAnnotations: { 'example.com/note': 'from the kind' },
    serviceAccountName: 'default-editor',
    culling: { enabled: true, maxInactive: Duration.hours(2), activityProbe: ActivityProbe.exec(['bash', '-c', 'test -f /tmp/active']) },
    probes: {
      startup: { httpGet: { path: '/healthz', port: 'lab' }, periodSeconds: 5, failureThreshold: 30 },
      liveness: { exec: { command: ['true'] }, initialDelaySeconds: 10, timeoutSeconds: 2 },
      readiness: { tcpSocket: { port: 8888 }, successThreshold: 1 },
    },
    homeMountPath: '/home/jovyan',
    extraEnv: [
      { name: 'NB_PREFIX', value: '{{ httpPathPrefix "lab" }}' },
      { name: 'FROM_CONFIG', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: true } } },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'MEMORY_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    ],
    extraVolumes: [
      { name: 'dshm', emptyDir: { medium: EmptyDirMedium.MEMORY, sizeLimit: '1Gi' } },
      { name: 'settings', configMap: { name: 'settings', items: [{ key: 'mode', path: 'mode.txt' }], defaultMode: 0o444, optional: true } },
      { name: 'tokens', secret: { secretName: 'tokens', optional: true } },
      { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      { name: 'shared', persistentVolumeClaim: { claimName: 'shared-cache', readOnly: true } },
      { name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'vault' } } },
    ],
    extraVolumeMounts: [
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'settings', mountPath: '/etc/settings', readOnly: true },
      { name: 'podinfo', mountPath: '/etc/podinfo', subPath: 'labels' },
    ],
    podSecurityContext: {
      fsGroup: 100,
      fsGroupChangePolicy: 'OnRootMismatch',
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 100,
      supplementalGroups: [2000],
      seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
    },
    containerSecurityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
    },
  });
  const lab = kind.addPort({ id: 'lab', displayName: 'JupyterLab' });
  const api = kind.addPort({ id: 'api', displayName: 'API', removePathPrefix: true, requestHeaders: { set: { 'X-Env': 'prod' }, add: { 'X-Extra': '1' }, remove: ['X-Drop'] } });
  const old = kind.addImageConfig({
    id: 'lab_old',
    displayName: 'Lab (old)',
    description: 'The previous image',
    labels: [{ key: 'python', value: '3.10' }],
    hidden: true,
    image: 'example.com/lab:1',
    ports: [{ port: lab, number: 8888 }],
  });
  const current = kind.addImageConfig({
    id: 'lab_current',
    displayName: 'Lab',
    image: 'example.com/lab:2',
    imagePullPolicy: ImagePullPolicy.ALWAYS,
    ports: [{ port: lab, number: 8888 }, { port: api, number: 9000, displayName: 'The API' }],
  });
  old.redirectTo(current, { level: RedirectLevel.WARNING, text: 'Moves to the current image on the next restart' });
  kind.useDefaultImageConfig(current);
  const small = kind.addPodConfig({ id: 'small', displayName: 'Small', resources: { requests: { cpu: '0.5', memory: '1Gi' } } });
  const big = kind.addPodConfig({
    id: 'big',
    displayName: 'Big',
    description: 'More of everything',
    labels: [{ key: 'cpu', value: '4' }],
    hidden: false,
    resources: { requests: { cpu: '4000m', memory: '16Gi' }, limits: { cpu: '4', memory: '16384Mi', 'nvidia.com/gpu': '1' } },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'In', values: ['a100'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } }],
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'example.com/kind': 'full' } } } }],
      },
    },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [
      { key: 'nvidia.com/gpu', operator: TolerationOperator.EXISTS, effect: TaintEffect.NO_SCHEDULE },
      { key: 'spot', operator: TolerationOperator.EQUAL, value: 'true', effect: TaintEffect.NO_EXECUTE, tolerationSeconds: 300 },
    ],
  });
  small.redirectTo(big);
  kind.useDefaultPodConfig(big);
  return kind;
}

/** A kind with only what is required: every defaultable field left to the API server. */
function minimalKind(scope: Chart): WorkspaceKind {
  const kind = new WorkspaceKind(scope, 'Minimal', {
    name: 'minimal',
    displayName: 'Minimal',
    description: 'Only the required fields',
    icon: SpawnerImage.fromUrl('https://example.com/icon.svg'),
    logo: SpawnerImage.fromUrl('https://example.com/logo.svg'),
    serviceAccountName: 'default-editor',
  });
  const port = kind.addPort({ id: 'http', displayName: 'HTTP' });
  kind.addImageConfig({ id: 'img', displayName: 'Image', image: 'example.com/minimal:1', ports: [{ port, number: 8080 }] });
  kind.addPodConfig({ id: 'pod', displayName: 'Pod' });
  return kind;
}

/** A deprecated, hidden kind with a Jupyter probe. */
function deprecatedKind(scope: Chart): WorkspaceKind {
  const kind = new WorkspaceKind(scope, 'Deprecated', {
    name: 'legacy',
    displayName: 'Legacy',
    description: 'Kept for old Workspaces',
    hidden: true,
    deprecated: true,
    deprecationMessage: 'Use "full" instead',
    icon: SpawnerImage.fromUrl('https://example.com/legacy.svg'),
    logo: SpawnerImage.fromConfigMap('kind-icons', 'legacy-logo.svg'),
    serviceAccountName: 'default-editor',
    culling: { maxInactive: Duration.minutes(30), activityProbe: ActivityProbe.jupyter() },
  });
  const port = kind.addPort({ id: 'notebook', displayName: 'Notebook' });
  kind.addImageConfig({ id: 'nb', displayName: 'Notebook', image: 'example.com/nb:7', imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT, ports: [{ port, number: 8888 }] });
  kind.addPodConfig({ id: 'tiny', displayName: 'Tiny', resources: { requests: { cpu: '100m', memory: '0.25Gi' } } });
  return kind;
}

/** Builds the generated app into `app` (the caller synthesizes it). */
export function buildGeneratedApp(app: App): void {
  new WorkspacesInstallChart(app, 'install', {
    labels: { 'example.com/owner': 'platform' },
    controller: {
      replicas: 3,
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      imagePullSecrets: ['registry-credentials'],
      additionalArgs: ['--log-level=debug'],
      resources: { requests: { cpu: '0.1', memory: '0.125Gi' }, limits: { cpu: '1000m', memory: '512Mi' } },
      nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: TolerationOperator.EXISTS, effect: TaintEffect.NO_SCHEDULE }],
      metricsScraperNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      apiServerCidrs: ['10.0.0.1/32', '10.0.0.2/32'],
      // no Pods serve a registered webhook on the suite's control planes (the webhook objects converge in a case of
      // their own)
      webhook: AdmissionWebhookMode.DISABLED,
    },
  });

  const tenants = new Chart(app, 'tenants');
  new WorkspacesTenant(tenants, 'TeamA', {
    namespace: 'team-a',
    members: [
      { kind: MemberKind.GROUP, name: 'team-a-editors' },
      { kind: MemberKind.USER, name: 'ann@example.com', role: BuiltInRole.ADMIN },
      { kind: MemberKind.USER, name: 'victor@example.com', role: BuiltInRole.VIEW },
    ],
    resourceQuota: {
      requestsCpu: '16000m',
      requestsMemory: '64Gi',
      limitsCpu: '32',
      limitsMemory: '131072Mi',
      requestsStorage: '1Ti',
      persistentVolumeClaims: 40,
      workspaces: 10,
      additionalLimits: { 'requests.nvidia.com/gpu': '4' },
    },
    limitRange: {
      defaultRequest: { cpu: '0.25', memory: '512Mi' },
      defaultLimit: { cpu: '1', memory: '2Gi' },
      max: { cpu: '8', memory: '32Gi' },
    },
  });
  new WorkspacesTenant(tenants, 'TeamB', {
    namespace: 'team-b',
    podSecurity: PodSecurityLevel.BASELINE,
    namespaceLabels: { 'example.com/cost-center': 'b' },
    workspaceServiceAccounts: ['default-editor', 'gpu-runner'],
    automountServiceAccountToken: true,
    members: [{ kind: MemberKind.GROUP, name: 'team-b', role: BuiltInRole.EDIT }],
    // partial: the API server fills in the rest of the default limit and request
    limitRange: { max: { cpu: '4', memory: '8Gi' }, defaultLimit: { cpu: '1' } },
  });
  new WorkspacesTenant(tenants, 'TeamC', { namespace: 'team-c', allowCulling: false });

  const kindsChart = new Chart(app, 'kinds');
  const full = fullKind(kindsChart);
  const minimal = minimalKind(kindsChart);
  const legacy = deprecatedKind(kindsChart);

  const teamA = new Chart(app, 'team-a', { namespace: 'team-a' });
  const shared = new WorkspaceClaim(teamA, 'SharedCache', {
    name: 'shared-cache',
    size: Size.gibibytes(50),
    storageClassName: 'standard',
    accessModes: [ClaimAccessMode.READ_WRITE_MANY],
    labels: { 'example.com/shared': 'true' },
  });
  new Workspace(teamA, 'Ann', {
    name: 'ann',
    kind: full,
    labels: { 'example.com/owner': 'ann' },
    podLabels: { 'example.com/user': 'ann' },
    podAnnotations: { 'example.com/note': 'from the Workspace' },
    homeVolume: WorkspaceVolume.newClaim({ name: 'ann-home', size: Size.mebibytes(1536) }),
    dataVolumes: [
      { volume: WorkspaceVolume.fromClaim(shared), mountPath: '/data/shared', readOnly: true },
      { volume: WorkspaceVolume.newClaim({ name: 'ann-scratch', accessModes: [ClaimAccessMode.READ_WRITE_ONCE] }), mountPath: '/data/scratch' },
    ],
  });
  new Workspace(teamA, 'Ben', {
    name: 'ben',
    kind: full,
    imageConfig: full.imageConfigs[0],
    podConfig: full.podConfigs[0],
    paused: true,
    deferUpdates: true,
    homeVolume: WorkspaceVolume.fromExistingClaim('ben-home'),
    dataVolumes: [{ volume: WorkspaceVolume.fromClaim(shared), mountPath: '/data/shared', readOnly: false }],
  });
  new Workspace(teamA, 'Cleo', { name: 'cleo', kind: minimal, paused: true });

  const teamB = new Chart(app, 'team-b', { namespace: 'team-b' });
  for (let i = 0; i < 4; i++) {
    new Workspace(teamB, `User${i}`, {
      name: `user-${i}`,
      kind: i % 2 === 0 ? full : legacy,
      paused: i === 3,
      homeVolume: WorkspaceVolume.newClaim({ name: `user-${i}-home`, size: Size.gibibytes(5 + i) }),
      dataVolumes: i === 0 ? [{ volume: WorkspaceVolume.fromExistingClaim('datasets'), mountPath: '/data/datasets' }] : [],
    });
  }

  const teamC = new Chart(app, 'team-c', { namespace: 'team-c' });
  // a kind of another app (by name): its options by id
  const imported = WorkspaceKind.fromName(teamC, 'ImportedMinimal', minimal.name);
  new Workspace(teamC, 'Dora', { name: 'dora', kind: imported, imageConfig: imported.imageConfig('img'), podConfig: imported.podConfig('pod') });
  new Workspace(teamC, 'Eve', { name: 'eve', kind: legacy, paused: true, homeVolume: WorkspaceVolume.newClaim({ name: 'eve-home', size: Size.tebibytes(1) }) });

  ApplyOrder.arrange(app);
}
