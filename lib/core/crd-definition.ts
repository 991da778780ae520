/**
 * Our definition of the Workspace and WorkspaceKind CustomResourceDefinitions, for each {@link ApiRevision}: the
 * type tree with every field's type, default, enum, pattern, bounds, required flag, list/map markers and CEL rules
 * (with upstream's messages), and the CRDs' names, scope, printer columns and subresources.
 *
 * The field facts are upstream's (kubeflow/notebooks `workspaces/controller/api/v1beta1` at each revision); the
 * descriptions are ours. The Kubernetes types the CRDs embed (Probe, EnvVar, Volume, ...) are referenced by name and
 * resolved from `generated/kubernetes-schemas.json`, which `scripts/kubernetes-schemas` generates from k8s.io/api with
 * controller-tools (the same generator and release upstream used), so they are the schemas Kubernetes itself gives.
 *
 * `scripts/generate-crds.ts` writes the CRD files (`crds/<revision>/`) and the validation schemas
 * (`generated/crd-schemas.json`) from this definition; tests prove both equal to upstream's CRDs and fresh.
 */
import kubernetesSchemas from './generated/kubernetes-schemas.json';
import { API_GROUP, API_VERSION, JsonObject, WORKSPACE_KIND, WORKSPACEKIND_KIND } from './api';
import { ApiRevision } from './revision';

/** An OpenAPI v3 schema node as CRDs spell it (`openAPIV3Schema` and everything below it). */
export interface CrdSchemaNode {
  readonly description?: string;
  readonly type?: string;
  readonly format?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly example?: unknown;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly properties?: Readonly<Record<string, CrdSchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: CrdSchemaNode;
  readonly additionalProperties?: CrdSchemaNode;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
  readonly [keyword: string]: unknown;
}

/** A CEL validation rule (`x-kubernetes-validations` item). */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

/** A field of an object: its schema, and whether the object requires it. */
interface Field {
  readonly schema: CrdSchemaNode;
  readonly required: boolean;
}

type Fields = Record<string, Field | undefined>;

/** Keywords a field may add to its schema (all but the structure, which the helpers below build). */
type Keywords = Omit<CrdSchemaNode, 'type' | 'properties' | 'required' | 'items' | 'additionalProperties' | 'description'>;

// ---------------------------------------------------------------------------------------------------------------
// Schema helpers
// ---------------------------------------------------------------------------------------------------------------

function field(description: string, schema: CrdSchemaNode): Field {
  return { schema: { description, ...schema }, required: false };
}

/** The field, required by its object. */
function req(f: Field): Field {
  return { ...f, required: true };
}

function str(description: string, keywords: Keywords = {}): Field {
  return field(description, { type: 'string', ...keywords });
}

function bool(description: string, keywords: Keywords = {}): Field {
  return field(description, { type: 'boolean', ...keywords });
}

function int32(description: string, keywords: Keywords = {}): Field {
  return field(description, { type: 'integer', format: 'int32', ...keywords });
}

function int64(description: string, keywords: Keywords = {}): Field {
  return field(description, { type: 'integer', format: 'int64', ...keywords });
}

/** An object schema: `required` lists the required fields in name order, as controller-gen writes it. */
function objectSchema(fields: Fields, keywords: Keywords = {}, description?: string): CrdSchemaNode {
  const present = Object.entries(fields).filter((e): e is [string, Field] => e[1] !== undefined);
  const required = present.filter(([, f]) => f.required).map(([name]) => name).sort();
  return {
    ...(description === undefined ? {} : { description }),
    type: 'object',
    properties: Object.fromEntries(present.map(([name, f]) => [name, f.schema])),
    ...(required.length > 0 ? { required } : {}),
    ...keywords,
  };
}

function obj(description: string | undefined, fields: Fields, keywords: Keywords = {}): Field {
  return { schema: objectSchema(fields, keywords, description), required: false };
}

function list(description: string, item: CrdSchemaNode, keywords: Keywords = {}): Field {
  return field(description, { type: 'array', items: item, ...keywords });
}

/** A list keyed by `keys` (`x-kubernetes-list-type: map`). */
function listMap(description: string, keys: string[], item: CrdSchemaNode, keywords: Keywords = {}): Field {
  return list(description, item, { ...keywords, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });
}

/** A map of strings to strings. */
function stringMap(description: string, keywords: Keywords = {}): Field {
  return field(description, { type: 'object', additionalProperties: { type: 'string' }, ...keywords });
}

/** A Kubernetes type's schema (from `generated/kubernetes-schemas.json`) with this field's description. */
function kube(name: KubernetesDefinition, description?: string): CrdSchemaNode {
  const schema = (kubernetesSchemas as unknown as Record<string, CrdSchemaNode>)[name];
  if (!schema) throw new Error(`generated/kubernetes-schemas.json has no ${name}; run \`npm run import\``);
  const copy = structuredClone(schema) as Record<string, unknown>;
  if (description !== undefined) copy.description = description;
  return copy as CrdSchemaNode;
}

function kubeField(name: KubernetesDefinition, description: string): Field {
  return { schema: kube(name, description), required: false };
}

/** The Kubernetes types the CRDs embed, by their OpenAPI definition names. */
type KubernetesDefinition =
  | 'io.k8s.api.core.v1.Affinity'
  | 'io.k8s.api.core.v1.EnvVar'
  | 'io.k8s.api.core.v1.PodSecurityContext'
  | 'io.k8s.api.core.v1.Probe'
  | 'io.k8s.api.core.v1.ResourceRequirements'
  | 'io.k8s.api.core.v1.SecurityContext'
  | 'io.k8s.api.core.v1.Toleration'
  | 'io.k8s.api.core.v1.Volume'
  | 'io.k8s.api.core.v1.VolumeMount'
  | 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'
  | 'io.k8s.apimachinery.pkg.apis.meta.v1.TypeMeta';

function only<T>(condition: boolean, value: () => T): T | undefined {
  return condition ? value() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared facts
// ---------------------------------------------------------------------------------------------------------------

/** A DNS-1123 label of 2–63 characters without the single-character form (fd7a3d8e's object-name rule). */
const NAME_PATTERN = '^[a-z0-9][-a-z0-9]*[a-z0-9]$';
/** A DNS-1123 subdomain (v2.0.0-beta.0's object-name rule), 1–253 characters. */
const SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A DNS-1123 label, 1–63 characters. */
const LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** An absolute path that does not start with `//`. */
const PATH_PATTERN = '^/[^/].*$';
/** A Kubernetes path-segment name: not `.` or `..`, no `/` or `%`. */
const PATH_SEGMENT_PATTERN = '^([^./%][^/%]*|\\.[^./%][^/%]*|\\.[^/%][^/%]+)$';
/** A ConfigMap key. */
const CONFIGMAP_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

const SELF_IMMUTABLE = 'self == oldSelf';
const EXACTLY_ONE_URL_OR_CONFIGMAP: CelRule = {
  rule: '!(has(self.url) && has(self.configMap)) && (has(self.url) || has(self.configMap))',
  message: "must specify exactly one of 'url' or 'configMap'",
};
const LAST_ACTIVITY_TRUE: CelRule = { rule: 'has(self.lastActivity) && self.lastActivity', message: "'lastActivity' must be true" };

function isBeta(revision: ApiRevision): boolean {
  return revision === ApiRevision.V2_0_0_BETA_0;
}

/** An object name field: a DNS label (fd7a3d8e) or subdomain (v2.0.0-beta.0). */
function objectName(revision: ApiRevision, description: string, example: string, keywords: Keywords = {}): Field {
  return isBeta(revision)
    ? str(description, { minLength: 1, maxLength: 253, pattern: SUBDOMAIN_PATTERN, example, ...keywords })
    : str(description, { minLength: 2, maxLength: 63, pattern: NAME_PATTERN, example, ...keywords });
}

function mountPath(description: string, example: string, keywords: Keywords = {}): Field {
  return str(description, { minLength: 2, maxLength: 4096, pattern: PATH_PATTERN, example, ...keywords });
}

/** A port id: two characters or more at fd7a3d8e, one or more at v2.0.0-beta.0. */
function portId(revision: ApiRevision, description: string, example?: string): Field {
  const pattern = isBeta(revision) ? '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$' : '^[a-z0-9][a-z0-9_-]*[a-z0-9]$';
  return str(description, { minLength: 1, maxLength: 32, pattern, ...(example === undefined ? {} : { example }) });
}

function optionId(description: string, example: string): Field {
  return str(description, { minLength: 1, maxLength: 256, example });
}

/** Unix time: seconds at fd7a3d8e, milliseconds at v2.0.0-beta.0. */
function unixTime(revision: ApiRevision, description: string, secondsExample: number): Field {
  const unit = isBeta(revision) ? 'milliseconds' : 'seconds';
  return int64(`${description} (Unix time in ${unit}; 0 when never)`, {
    default: 0,
    example: isBeta(revision) ? secondsExample * 1000 : secondsExample,
  });
}

function podMetadata(description: string): Field {
  return obj(description, {
    annotations: stringMap('Annotations added to the Pod.'),
    labels: stringMap('Labels added to the Pod.'),
  });
}

function labelSelector(description: string): Field {
  return req({ schema: kube('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description), required: false });
}

function rootFields(kind: string, spec: Field, status: Field): Fields {
  const typeMeta = kube('io.k8s.apimachinery.pkg.apis.meta.v1.TypeMeta').properties ?? {};
  return {
    apiVersion: { schema: typeMeta.apiVersion, required: false },
    kind: { schema: typeMeta.kind, required: false },
    metadata: { schema: { type: 'object' }, required: false },
    spec: { ...spec, schema: { ...spec.schema, description: spec.schema.description ?? `The desired state of the ${kind}.` } },
    status,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace
// ---------------------------------------------------------------------------------------------------------------

function workspaceSpec(revision: ApiRevision): Field {
  const beta = isBeta(revision);
  return obj('What the user asks for: the WorkspaceKind, the chosen options, the volumes, and whether it is paused.', {
    deferUpdates: only(!beta, () =>
      bool('Keep the current options when the Workspace is paused instead of following their redirects.', { default: false })),
    displayName: only(beta, () =>
      str('A name for people, shown by user interfaces; the controller ignores it.', { minLength: 1, maxLength: 128, example: 'My Workspace' })),
    kind: req(objectName(revision, 'The name of the WorkspaceKind this Workspace runs; cannot be changed.', 'jupyterlab', {
      'x-kubernetes-validations': [{ rule: SELF_IMMUTABLE, message: "Workspace 'kind' is immutable" }],
    })),
    paused: bool('Stop the Workspace: its Pod is removed, its volumes are kept.', { default: false }),
    podTemplate: req(obj('How the Workspace Pod is built from the WorkspaceKind\'s pod template.', {
      options: req(obj('The options chosen among those the WorkspaceKind offers.', {
        imageConfig: req(optionId('The id of an imageConfig value of the WorkspaceKind.', 'jupyterlab_scipy_190')),
        podConfig: req(optionId('The id of a podConfig value of the WorkspaceKind.', 'big_gpu')),
      })),
      podMetadata: podMetadata('Labels and annotations added to the Workspace Pod.'),
      volumes: req(obj('The volumes mounted into the Workspace Pod.', {
        data: listMap('Existing PersistentVolumeClaims mounted as data volumes, one per mount path.', ['mountPath'], objectSchema({
          mountPath: req(mountPath('Where the claim is mounted in the container.', '/data/my-data')),
          pvcName: req(objectName(revision, 'The name of an existing PersistentVolumeClaim in the Workspace\'s namespace.', 'my-data-pvc')),
          readOnly: bool('Mount the claim read-only.', { default: false }),
        })),
        home: objectName(revision,
          'The name of an existing PersistentVolumeClaim mounted at the WorkspaceKind\'s home path; no home volume when unset.',
          'my-home-pvc'),
        secrets: only(beta, () => listMap('Existing Secrets mounted as volumes, one per mount path.', ['mountPath'], objectSchema({
          defaultMode: int32('The permission bits of the files (decimal; 420 is 0644).', { default: 420, minimum: 0, maximum: 511 }),
          mountPath: req(mountPath('Where the Secret is mounted in the container.', '/secrets/my-secret')),
          secretName: req(str('The name of an existing Secret in the Workspace\'s namespace.', {
            minLength: 1, maxLength: 253, pattern: SUBDOMAIN_PATTERN, example: 'my-secret',
          })),
        }))),
      })),
    })),
  });
}

function redirectChain(): Field {
  return list('The redirect steps from the current option to the desired one.', objectSchema({
    source: req(str('The option redirected from.', { minLength: 1, maxLength: 256 })),
    target: req(str('The option redirected to.', { minLength: 1, maxLength: 256 })),
  }));
}

function optionStatus(description: string): Field {
  return obj(description, {
    desired: str('The option the Workspace will run after its next restart.', { minLength: 1, maxLength: 256 }),
    redirectChain: redirectChain(),
  });
}

function containerNames(description: string): Field {
  return list(description, objectSchema({ name: req(str('The container\'s name.')) }));
}

function workspaceStatus(revision: ApiRevision): Field {
  const beta = isBeta(revision);
  return obj('What the controller observed and decided for the Workspace.', {
    activity: req(obj('When the Workspace was last seen active, as the activity probe reports it.', {
      lastActivity: req(unixTime(revision, 'The last activity the probe reported', 1704067200)),
      lastProbe: only(beta, () => obj('The outcome of the latest probe, successful or not.', {
        endTime: req(int64('When the probe ended (Unix time in milliseconds).', { example: 1710435305000 })),
        message: req(str('What the probe found, for people.', { default: '', example: 'Jupyter probe succeeded' })),
        result: req(str('How the probe ended.', { enum: ['Success', 'Failure', 'Timeout'] })),
        startTime: req(int64('When the probe started (Unix time in milliseconds).', { example: 1710435303000 })),
      })),
      lastUpdate: req(unixTime(revision, beta ? 'When the last successful probe ended' : 'When activity was last checked', 1704067200)),
      rules: only(beta, () => obj('Where the WorkspaceKind\'s activity rules stand for this Workspace.', {
        pauseWorkspace: obj('Present while a rule that pauses the Workspace matches it.', {
          eligibleAfter: req(int64('From when the Workspace may be paused for inactivity (Unix time in milliseconds; 0 when unknown).', {
            default: 0, example: 1707667200000,
          })),
        }),
      })),
    })),
    lastRunningTime: only(beta, () => req(unixTime(revision, 'When the Workspace last entered the Running state', 1704060000))),
    pauseTime: req(unixTime(revision, 'When the Workspace was paused', 1704067200)),
    pendingRestart: req(bool('The running Pod does not use the options the Workspace will run after a restart (a redirect is pending).', { default: false })),
    podTemplateOptions: req(obj('Where the chosen options stand: the option each redirects to, and how.', {
      imageConfig: req(optionStatus('The imageConfig option.')),
      podConfig: req(optionStatus('The podConfig option.')),
    })),
    podTemplatePod: req(obj('The Pod that runs the Workspace, when there is one.', {
      containers: containerNames('The Pod\'s containers.'),
      initContainers: containerNames('The Pod\'s init containers.'),
      name: req(str('The Pod\'s name.')),
      nodeName: only(beta, () => req(str('The node the Pod is scheduled on (empty while unscheduled).'))),
      serviceAccountName: only(beta, () => str('The ServiceAccount the Pod runs as (the controller creates one per Workspace).', { example: 'ws-my-workspace' })),
    })),
    state: req(str('The Workspace\'s state.', {
      default: 'Unknown', enum: ['Running', 'Terminating', 'Paused', 'Pending', 'Error', 'Unknown'],
    })),
    stateMessage: req(str('Why the Workspace is in its state, for people.', { default: '' })),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// WorkspaceKind
// ---------------------------------------------------------------------------------------------------------------

function optionSpawner(description: string): Field {
  return req(obj(description, {
    description: str('What the option offers.', { minLength: 2, maxLength: 1024 }),
    displayName: req(str('The option\'s name for people.', { minLength: 2, maxLength: 128 })),
    hidden: bool('Leave the option out of the spawner\'s list (Workspaces may still use it).', { default: false }),
    labels: listMap('Labels of the option, for user interfaces and filter rules.', ['key'], objectSchema({
      key: req(str('The label\'s key.', { minLength: 2, maxLength: 64 })),
      value: req(str('The label\'s value.', { minLength: 1, maxLength: 64 })),
    }), { maxItems: 32 }),
  }));
}

function optionRedirect(): Field {
  return obj('Move Workspaces using this option to another one.', {
    message: obj('A message user interfaces show about the redirect.', {
      level: req(str('How important the message is.', { enum: ['Info', 'Warning', 'Danger'], example: 'Info' })),
      text: req(str('The message.', { minLength: 2, maxLength: 1024, example: 'This update will increase the version of JupyterLab to v1.7.1' })),
    }),
    to: req(optionId('The id of the option to move to.', 'jupyterlab_scipy_190')),
  });
}

function optionList(description: string, valueDescription: string, idExample: string, spec: Field): Field {
  return req(obj(description, {
    spawner: req(obj('How the spawner offers these options.', {
      default: req(optionId('The id of the option selected by default.', 'jupyterlab_scipy_190')),
    })),
    values: req(listMap(valueDescription, ['id'], objectSchema({
      id: req(optionId('The option\'s id, unique in the list.', idExample)),
      redirect: optionRedirect(),
      spawner: optionSpawner('How the spawner shows the option.'),
      spec,
    }), { minItems: 1 })),
  }));
}

function imageConfigSpec(revision: ApiRevision): Field {
  return req(obj('The container image the option runs.', {
    image: req(str('The container image.', { minLength: 2 })),
    imagePullPolicy: str('When the kubelet pulls the image.', { default: 'IfNotPresent', enum: ['Always', 'IfNotPresent', 'Never'] }),
    ports: req(listMap('The ports the image listens on, by pod-template port id.', ['id'], objectSchema({
      displayName: str('The port\'s name for people, instead of the port definition\'s default.', { minLength: 2, maxLength: 64 }),
      id: req(portId(revision, 'The id of a port of the pod template (not a container or Service port name).', 'jupyterlab')),
      port: req(int32('The port number the container listens on.', { minimum: 1, maximum: 65535, example: 8888 })),
    }), { minItems: 1 })),
  }));
}

function podConfigSpec(): Field {
  return req(obj('The scheduling and resources the option gives the Pod.', {
    affinity: kubeField('io.k8s.api.core.v1.Affinity', 'The Pod\'s affinity.'),
    nodeSelector: stringMap('The Pod\'s node selector.'),
    resources: kubeField('io.k8s.api.core.v1.ResourceRequirements', 'The resources of the Workspace container.'),
    tolerations: list('The Pod\'s tolerations.', kube('io.k8s.api.core.v1.Toleration')),
  }));
}

function culling(): Field {
  return obj('Culling settings of inactive Workspaces.', {
    activityProbe: req(obj('How activity is detected.', {
      exec: obj('A command run in the Workspace container; exit code 0 means active.', {
        command: req(list('The command and its arguments.', { type: 'string' }, { minItems: 1, example: ['bash', '-c', 'exit 0'] })),
      }),
      jupyter: obj('Ask the Jupyter server for its last activity.', {
        lastActivity: req(bool('Use the Jupyter server\'s last activity (must be true).', { example: true })),
      }, { 'x-kubernetes-validations': [LAST_ACTIVITY_TRUE] }),
    }, {
      'x-kubernetes-validations': [{
        rule: '!(has(self.exec) && has(self.jupyter)) && (has(self.exec) || has(self.jupyter))',
        message: "must specify exactly one of 'exec' or 'jupyter'",
      }],
    })),
    enabled: bool('Cull inactive Workspaces.', { default: true }),
    maxInactiveSeconds: int32('How long a Workspace may stay inactive before it is paused.', { default: 86400, minimum: 60 }),
  });
}

function activityProbe(revision: ApiRevision): Field {
  return obj('How the controller probes a running Workspace for activity.', {
    jupyter: obj('Ask the Jupyter server of a port for its last activity.', {
      lastActivity: req(bool('Use the Jupyter server\'s last activity (must be true).', { example: true })),
      portId: req(portId(revision, 'The id of the pod-template port the Jupyter server listens on.')),
    }, { 'x-kubernetes-validations': [LAST_ACTIVITY_TRUE] }),
    minProbeIntervalSeconds: int32('The shortest time between two probes of a Workspace.', { default: 300, minimum: 1, maximum: 31536000 }),
    podExec: obj('A script run in the Workspace container that reports activity.', {
      script: req(str('The script, starting with a shebang line.', { minLength: 1, maxLength: 2048 })),
      timeoutSeconds: int32('How long the script may run.', { default: 60, minimum: 1 }),
    }),
    probeIntervalSeconds: int32('The time between two successful probes of a Workspace.', { default: 3600, minimum: 1, maximum: 31536000 }),
  }, {
    'x-kubernetes-validations': [
      {
        rule: '!(has(self.podExec) && has(self.jupyter)) && (has(self.podExec) || has(self.jupyter))',
        message: "must specify exactly one of 'podExec' or 'jupyter'",
      },
      {
        rule: 'self.minProbeIntervalSeconds <= self.probeIntervalSeconds',
        message: 'minProbeIntervalSeconds must be less than or equal to probeIntervalSeconds',
      },
    ],
  });
}

function serviceAccount(revision: ApiRevision): Field {
  if (!isBeta(revision)) {
    return req(obj('The ServiceAccount of Workspace Pods.', {
      name: req(str('The name of an existing ServiceAccount in each Workspace\'s namespace; cannot be changed.', {
        example: 'default-editor',
        'x-kubernetes-validations': [{ rule: SELF_IMMUTABLE, message: "ServiceAccount 'name' is immutable" }],
      })),
    }));
  }
  return obj('The permissions of the ServiceAccount the controller creates for each Workspace.', {
    clusterRoles: listMap('ClusterRoles bound to each Workspace\'s ServiceAccount in its namespace.', ['name'], objectSchema({
      name: req(str('The ClusterRole\'s name.', { minLength: 1, maxLength: 253, pattern: PATH_SEGMENT_PATTERN, example: 'kubeflow-edit' })),
    }, {}, 'A ClusterRole to bind.'), { example: [{ name: 'kubeflow-edit' }] }),
  });
}

function podTemplate(revision: ApiRevision): Field {
  const beta = isBeta(revision);
  const rstudioPrefix = beta ? "{{ httpPathPrefix 'rstudio' }}" : '{{ .PathPrefix }}';
  return req(obj('The template of Workspace Pods, and the options users choose from.', {
    activityProbe: only(beta, () => activityProbe(revision)),
    containerSecurityContext: kubeField('io.k8s.api.core.v1.SecurityContext', 'The security context of the Workspace container.'),
    culling: only(!beta, culling),
    extraEnv: listMap('Environment variables of the Workspace container; values may use Go templates.', ['name'],
      kube('io.k8s.api.core.v1.EnvVar'), beta ? { example: { NB_PREFIX: "{{ httpPathPrefix 'jupyterlab' }}" } } : {}),
    extraVolumeMounts: listMap('Volume mounts added to the Workspace container.', ['mountPath'], kube('io.k8s.api.core.v1.VolumeMount')),
    extraVolumes: listMap('Volumes added to the Workspace Pod.', ['name'], kube('io.k8s.api.core.v1.Volume')),
    options: req(obj('The options users choose from; their values build the Pod.', {
      imageConfig: optionList('Image options.', 'The image options offered.', 'jupyterlab_scipy_190', imageConfigSpec(revision)),
      podConfig: optionList('Pod options.', 'The pod options offered.', 'big_gpu', podConfigSpec()),
    })),
    podMetadata: podMetadata('Labels and annotations added to Workspace Pods (may change).'),
    ports: req(listMap('The ports Workspaces expose, referenced by id from the image options.', ['id'], objectSchema({
      defaultDisplayName: req(str('The port\'s name for people, unless an image option names it.', { minLength: 2, maxLength: 64, example: 'JupyterLab' })),
      httpProxy: obj('How HTTP requests reach the port (may change).', {
        removePathPrefix: bool('Strip the Workspace\'s path prefix from requests.', { default: false }),
        requestHeaders: obj('Request header changes; values may use Go templates.', {
          add: stringMap('Values appended to headers.', { example: { 'My-Header': 'value-to-append' } }),
          remove: list('Headers removed.', { type: 'string' }, { example: ['Header-To-Remove'] }),
          set: stringMap('Headers set, replacing their values.', { example: { 'X-RStudio-Root-Path': rstudioPrefix } }),
        }),
      }),
      id: req(portId(revision, 'The port\'s id, referenced by image options.', 'jupyterlab')),
      protocol: req(str('The protocol served on the port.', { enum: ['HTTP'], example: 'HTTP' })),
    }), { minItems: 1 })),
    probes: obj('Container probes of the Workspace container (may change).', {
      livenessProbe: kubeField('io.k8s.api.core.v1.Probe', 'The liveness probe.'),
      readinessProbe: kubeField('io.k8s.api.core.v1.Probe', 'The readiness probe.'),
      startupProbe: kubeField('io.k8s.api.core.v1.Probe', 'The startup probe.'),
    }),
    securityContext: kubeField('io.k8s.api.core.v1.PodSecurityContext', 'The security context of Workspace Pods.'),
    serviceAccount: serviceAccount(revision),
    volumeMounts: req(obj('Where volumes are mounted.', {
      home: req(mountPath('Where the home volume is mounted; cannot be changed.', '/home/jovyan', {
        'x-kubernetes-validations': [{ rule: SELF_IMMUTABLE, message: "mount path of 'home' is immutable" }],
      })),
    })),
  }));
}

function spawnerAsset(revision: ApiRevision, description: string): Field {
  const configMap = isBeta(revision)
    ? obj('A ConfigMap key holding the image (read only from ConfigMaps labelled notebooks.kubeflow.org/image-source=true).', {
      key: req(str('The key holding the image.', { minLength: 1, maxLength: 253, pattern: CONFIGMAP_KEY_PATTERN, example: 'jupyterlab-logo.svg' })),
      mediaType: req(str('The image\'s media type.', { enum: ['image/svg+xml'], example: 'image/svg+xml' })),
      name: req(str('The ConfigMap\'s name.', { minLength: 1, maxLength: 253, pattern: SUBDOMAIN_PATTERN, example: 'my-logos' })),
      namespace: req(str('The ConfigMap\'s namespace.', { minLength: 1, maxLength: 63, pattern: LABEL_PATTERN, example: 'kubeflow' })),
    })
    : obj('A ConfigMap key holding the image.', {
      key: req(str('The key holding the image.', { example: 'apple-touch-icon-152x152.png' })),
      name: req(str('The ConfigMap\'s name.', { example: 'my-logos' })),
    });
  return req(obj(description, {
    configMap,
    url: str('The image\'s URL.', { example: 'https://jupyter.org/assets/favicons/apple-touch-icon-152x152.png' }),
  }, { 'x-kubernetes-validations': [EXACTLY_ONE_URL_OR_CONFIGMAP] }));
}

function spawner(revision: ApiRevision): Field {
  return req(obj('How the spawner user interface presents the WorkspaceKind.', {
    deprecated: bool('Mark the WorkspaceKind as deprecated.', { default: false }),
    deprecationMessage: str('Shown when the WorkspaceKind is deprecated.', {
      minLength: 2, maxLength: 256, example: 'This WorkspaceKind will be removed on 20XX-XX-XX, please use another WorkspaceKind.',
    }),
    description: req(str('What the WorkspaceKind offers.', { minLength: 2, maxLength: 4096, example: 'A Workspace which runs JupyterLab in a Pod' })),
    displayName: req(str('The WorkspaceKind\'s name for people.', { minLength: 2, maxLength: 128, example: 'JupyterLab Notebook' })),
    hidden: bool('Leave the WorkspaceKind out of the spawner\'s list (Workspaces may still use it).', { default: false }),
    icon: spawnerAsset(revision, 'A small icon of the WorkspaceKind: a URL or a ConfigMap key, exactly one.'),
    logo: spawnerAsset(revision, 'A square logo of the WorkspaceKind: a URL or a ConfigMap key, exactly one.'),
  }));
}

function selectorMatch(description: string, selectorDescription: string): Field {
  return obj(description, { selector: labelSelector(selectorDescription) });
}

function activityRules(): Field {
  return list('Rules that act on inactive Workspaces; the first rule that matches a Workspace applies.', objectSchema({
    config: req(obj('When the rule acts.', {
      minRunningSeconds: int32('How long a Workspace must have been running before the rule acts.', { default: 0, minimum: 0 }),
      secondsSinceActive: req(int32('How long a Workspace must have been inactive before the rule acts.', { minimum: 16 })),
    })),
    effect: req(obj('What the rule does.', {
      pauseWorkspace: bool('Pause the Workspace (needs an activity probe).'),
    }, { 'x-kubernetes-validations': [{ rule: 'has(self.pauseWorkspace)', message: 'must specify at least one effect' }] })),
    match: obj('Which Workspaces the rule applies to; all of them when empty.', {
      matchNamespace: selectorMatch('Workspaces in namespaces whose labels match.', 'A selector of namespace labels.'),
      matchPodConfig: selectorMatch('Workspaces whose podConfig option\'s labels match.', 'A selector of podConfig option labels.'),
    }),
  }, {}, 'A rule for inactive Workspaces.'), { 'x-kubernetes-list-type': 'atomic' });
}

function filterRules(): Field {
  const selector = 'A label selector.';
  return list('Rules for clients that list WorkspaceKinds and options (the controller only stores them).', objectSchema({
    effect: req(obj('What happens to the items matched.', {
      api: obj('What the backend API does with the items.', {
        deny: bool('Refuse Workspaces that use the items.'),
        denyMessage: obj('Why the items are refused.', {
          text: req(str('The message.', { minLength: 2, maxLength: 1024 })),
        }),
        hide: bool('Leave the items out of API responses.'),
      }, {
        'x-kubernetes-validations': [{
          rule: '!has(self.denyMessage) || (has(self.deny) && self.deny)',
          message: "'denyMessage' may only be set when 'deny' is true",
        }],
      }),
      ui: obj('What user interfaces do with the items.', {
        hide: req(bool('Hide the items.')),
      }),
    }, { 'x-kubernetes-validations': [{ rule: 'has(self.ui) || has(self.api)', message: "must specify at least one of 'ui' or 'api'" }] })),
    match: req(list('Conditions that must all hold.', objectSchema({
      matchImageConfig: selectorMatch('Image options whose labels match.', selector),
      matchNamespace: selectorMatch('Requests for namespaces whose labels match.', selector),
      matchPodConfig: selectorMatch('Pod options whose labels match.', selector),
    }, {
      'x-kubernetes-validations': [{
        rule: '(has(self.matchNamespace) ? 1 : 0) + (has(self.matchImageConfig) ? 1 : 0) + (has(self.matchPodConfig) ? 1 : 0) == 1',
        message: "must specify exactly one of 'matchNamespace', 'matchImageConfig', or 'matchPodConfig'",
      }],
    }, 'One condition: exactly one selector.'), { minItems: 1, 'x-kubernetes-list-type': 'atomic' })),
    scope: req(str('The kind of item the rule applies to.', { enum: ['WORKSPACE_KIND', 'POD_CONFIG', 'IMAGE_CONFIG'] })),
  }, {}, 'A rule for clients.'), { 'x-kubernetes-list-type': 'atomic' });
}

function workspaceKindSpec(revision: ApiRevision): Field {
  const beta = isBeta(revision);
  return obj('What a platform team offers: the spawner presentation, the Pod template and its options.', {
    activityRules: only(beta, activityRules),
    filterRules: only(beta, filterRules),
    podTemplate: podTemplate(revision),
    spawner: spawner(revision),
  });
}

function optionUsage(description: string): Field {
  return req(listMap(description, ['id'], objectSchema({
    id: req(optionId('The option\'s id.', 'big_gpu')),
    workspaces: req(int32('How many Workspaces use the option.', { example: 3 })),
  })));
}

function assetStatus(description: string): Field {
  return req(obj(description, {
    configMap: obj('Why the ConfigMap could not be read, when it could not.', {
      errorMessage: str('The error.'),
      errorType: str('The kind of error.', { enum: ['NotFound', 'KeyNotFound', 'Other'] }),
    }),
    sha256: str('The SHA-256 of the image read from the ConfigMap.'),
  }));
}

function workspaceKindStatus(revision: ApiRevision): Field {
  const beta = isBeta(revision);
  return obj('What the controller observed about the WorkspaceKind.', {
    podTemplateOptions: req(obj('How many Workspaces use each option.', {
      imageConfig: optionUsage('Per image option.'),
      podConfig: optionUsage('Per pod option.'),
    })),
    spawnerIcon: only(beta, () => assetStatus('The state of the spawner icon.')),
    spawnerLogo: only(beta, () => assetStatus('The state of the spawner logo.')),
    workspaces: req(int32('How many Workspaces use the WorkspaceKind.', { default: 0 })),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The CRDs
// ---------------------------------------------------------------------------------------------------------------

interface CrdShape {
  readonly kind: string;
  readonly plural: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly shortName: string;
  readonly description: string;
  readonly spec: Field;
  readonly status: Field;
  readonly printerColumns: JsonObject[];
}

function crdManifest(revision: ApiRevision, shape: CrdShape): JsonObject {
  const schema = objectSchema(rootFields(shape.kind, shape.spec, shape.status), {}, shape.description);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${shape.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: {
        kind: shape.kind,
        listKind: `${shape.kind}List`,
        plural: shape.plural,
        ...(isBeta(revision) ? { shortNames: [shape.shortName] } : {}),
        singular: shape.kind.toLowerCase(),
      },
      scope: shape.scope,
      versions: [{
        additionalPrinterColumns: shape.printerColumns,
        name: API_VERSION.slice(API_VERSION.indexOf('/') + 1),
        schema: { openAPIV3Schema: schema as JsonObject },
        served: true,
        storage: true,
        subresources: { status: {} },
      }],
    },
  };
}

/** The WorkspaceKind CRD of a revision, as a JSON object (fresh on every call). */
export function workspaceKindCrd(revision: ApiRevision): JsonObject {
  return crdManifest(revision, {
    kind: WORKSPACEKIND_KIND,
    plural: 'workspacekinds',
    scope: 'Cluster',
    shortName: 'wsk',
    description: 'A WorkspaceKind is a template for Workspaces: how the spawner presents it, the Pod it runs and the image and pod options users choose from.',
    spec: workspaceKindSpec(revision),
    status: workspaceKindStatus(revision),
    printerColumns: [
      { name: 'Workspaces', type: 'integer', jsonPath: '.status.workspaces', description: 'The number of Workspaces using this WorkspaceKind' },
      { name: 'Deprecated', type: 'boolean', jsonPath: '.spec.spawner.deprecated', description: 'If this WorkspaceKind is deprecated' },
      { name: 'Hidden', type: 'boolean', jsonPath: '.spec.spawner.hidden', description: 'If this WorkspaceKind is hidden from the spawner UI' },
    ],
  });
}

/** The Workspace CRD of a revision, as a JSON object (fresh on every call). */
export function workspaceCrd(revision: ApiRevision): JsonObject {
  return crdManifest(revision, {
    kind: WORKSPACE_KIND,
    plural: 'workspaces',
    scope: 'Namespaced',
    shortName: 'ws',
    description: 'A Workspace is one user\'s environment: a Pod built from a WorkspaceKind with the options and volumes it chooses.',
    spec: workspaceSpec(revision),
    status: workspaceStatus(revision),
    printerColumns: [
      { name: 'State', type: 'string', jsonPath: '.status.state', description: 'The current state of the Workspace' },
    ],
  });
}
