/**
 * `kfws migrate --format typescript`: the migration as a cdk8s app on this library's constructs — `kinds.ts` (the
 * WorkspaceKinds with their ports and options) and `main.ts` (the Workspaces) — that synthesizes byte for byte the
 * YAML of `--format yaml` (./output.ts). Every name of the library's public API the code uses is in `LIBRARY`, once.
 */

import { ImageConfigValue, PodConfigValue, WorkspaceKindObject, WorkspaceKindPort, WorkspaceObject } from '../../core/api';
import { isPlainObject } from '../../core/json';
import { KINDS_CHART_ID, WORKSPACES_CHART_ID } from './output';
import { MigrationPlan } from './plan';

/** The library's public names the generated code uses. */
export const LIBRARY = {
  module: 'cdk8s-kubeflow-workspaces',
  workspaceKind: 'WorkspaceKind',
  workspace: 'Workspace',
  imageConfig: 'ImageConfig',
  podConfig: 'PodConfig',
  spawnerImage: 'SpawnerImage',
  spawnerImageFromUrl: 'fromUrl',
  workspaceVolume: 'WorkspaceVolume',
  existingClaim: 'fromExistingClaim',
  addPort: 'addPort',
  addImageConfig: 'addImageConfig',
  addPodConfig: 'addPodConfig',
  /** Enums for string fields of the kube types, by field. */
  imagePullPolicy: 'ImagePullPolicy',
  emptyDirMedium: 'EmptyDirMedium',
  seccompProfileType: 'SeccompProfileType',
  tolerationOperator: 'TolerationOperator',
  taintEffect: 'TaintEffect',
} as const;

/** Enum members by wire value. */
const ENUMS: Record<string, Record<string, string>> = {
  [LIBRARY.imagePullPolicy]: { Always: 'ALWAYS', IfNotPresent: 'IF_NOT_PRESENT', Never: 'NEVER' },
  [LIBRARY.emptyDirMedium]: { '': 'DEFAULT', Memory: 'MEMORY' },
  [LIBRARY.seccompProfileType]: { RuntimeDefault: 'RUNTIME_DEFAULT', Localhost: 'LOCALHOST', Unconfined: 'UNCONFINED' },
  [LIBRARY.tolerationOperator]: { Exists: 'EXISTS', Equal: 'EQUAL' },
  [LIBRARY.taintEffect]: { NoSchedule: 'NO_SCHEDULE', PreferNoSchedule: 'PREFER_NO_SCHEDULE', NoExecute: 'NO_EXECUTE' },
};

/** Which enum a string at a path holds: the path's last keys, `[]` for list items. */
function enumAt(path: readonly string[]): string | undefined {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'medium' && parent === 'emptyDir') return LIBRARY.emptyDirMedium;
  if (last === 'type' && parent === 'seccompProfile') return LIBRARY.seccompProfileType;
  if (parent === '[]' && path[path.length - 3] === 'tolerations') {
    if (last === 'operator') return LIBRARY.tolerationOperator;
    if (last === 'effect') return LIBRARY.taintEffect;
  }
  if (last === 'imagePullPolicy') return LIBRARY.imagePullPolicy;
  return undefined;
}

class Enums {
  readonly used = new Set<string>();
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENTIFIER.test(k) ? k : JSON.stringify(k);
}

/** A TypeScript literal of a JSON value, indented by `indent`; enum members where the kube types want them. */
function literal(value: unknown, indent: string, enums: Enums, path: readonly string[] = []): string {
  if (typeof value === 'string') {
    const e = enumAt(path);
    const member = e === undefined ? undefined : ENUMS[e][value];
    if (e !== undefined && member !== undefined) {
      enums.used.add(e);
      return `${e}.${member}`;
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v) => `${inner}${literal(v, inner, enums, [...path, '[]'])},\n`).join('')}${indent}]`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner, enums, [...path, k])},\n`).join('')}${indent}}`;
  }
  return JSON.stringify(value);
}

/** Properties `name: value` at `indent`, skipping absent values. */
function props(entries: readonly [string, string | undefined][], indent: string): string {
  return entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${indent}${k}: ${v},\n`).join('');
}

function optional(value: unknown, indent: string, enums: Enums, path: readonly string[] = []): string | undefined {
  return value === undefined ? undefined : literal(value, indent, enums, path);
}

function portVariable(id: string, index: number): string {
  const camel = id.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return `port${index}${camel.charAt(0).toUpperCase()}${camel.slice(1)}`;
}

function kindFunction(kind: WorkspaceKindObject, enums: Enums): string {
  const spec = kind.spec!;
  const t = spec.podTemplate;
  const i2 = '    ';
  const probes = t.probes
    ? { startup: t.probes.startupProbe, liveness: t.probes.livenessProbe, readiness: t.probes.readinessProbe }
    : undefined;
  const kindProps = props([
    ['name', JSON.stringify(kind.metadata.name)],
    ['displayName', JSON.stringify(spec.spawner.displayName)],
    ['description', JSON.stringify(spec.spawner.description)],
    ['icon', `${LIBRARY.spawnerImage}.${LIBRARY.spawnerImageFromUrl}(${JSON.stringify(spec.spawner.icon.url)})`],
    ['logo', `${LIBRARY.spawnerImage}.${LIBRARY.spawnerImageFromUrl}(${JSON.stringify(spec.spawner.logo.url)})`],
    ['labels', optional(kind.metadata.labels, i2, enums)],
    ['serviceAccountName', optional(t.serviceAccount?.name, i2, enums)],
    ['probes', optional(probes, i2, enums)],
    ['homeMountPath', JSON.stringify(t.volumeMounts.home)],
    ['extraEnv', optional(t.extraEnv, i2, enums, ['extraEnv'])],
    ['extraVolumes', optional(t.extraVolumes, i2, enums, ['extraVolumes'])],
    ['extraVolumeMounts', optional(t.extraVolumeMounts, i2, enums, ['extraVolumeMounts'])],
    ['podSecurityContext', optional(t.securityContext, i2, enums, ['securityContext'])],
    ['containerSecurityContext', optional(t.containerSecurityContext, i2, enums, ['containerSecurityContext'])],
  ], i2);
  const portVars = new Map<string, string>();
  const ports = t.ports.map((p: WorkspaceKindPort, i) => {
    const v = portVariable(p.id, i);
    portVars.set(p.id, v);
    const portProps = props([
      ['id', JSON.stringify(p.id)],
      ['displayName', JSON.stringify(p.defaultDisplayName)],
      ['removePathPrefix', p.httpProxy ? String(p.httpProxy.removePathPrefix ?? false) : undefined],
      ['requestHeaders', optional(p.httpProxy?.requestHeaders, i2, enums)],
    ], i2);
    return `  const ${v} = kind.${LIBRARY.addPort}({\n${portProps}  });\n`;
  });
  const image = (o: ImageConfigValue): string => {
    const ports = o.spec.ports.map((p) => `{ port: ${portVars.get(p.id)}, number: ${p.port} }`).join(', ');
    return `kind.${LIBRARY.addImageConfig}({\n${props([
      ['id', JSON.stringify(o.id)],
      ['displayName', JSON.stringify(o.spawner.displayName)],
      ['image', JSON.stringify(o.spec.image)],
      ['imagePullPolicy', optional(o.spec.imagePullPolicy, '      ', enums, ['imagePullPolicy'])],
      ['ports', `[${ports}]`],
    ], '      ')}    })`;
  };
  const pod = (o: PodConfigValue): string => `kind.${LIBRARY.addPodConfig}({\n${props([
    ['id', JSON.stringify(o.id)],
    ['displayName', JSON.stringify(o.spawner.displayName)],
    ['resources', optional(o.spec.resources, '      ', enums, ['resources'])],
    ['affinity', optional(o.spec.affinity, '      ', enums, ['affinity'])],
    ['nodeSelector', optional(o.spec.nodeSelector, '      ', enums, ['nodeSelector'])],
    ['tolerations', optional(o.spec.tolerations, '      ', enums, ['tolerations'])],
  ], '      ')}    })`;
  const images = t.options.imageConfig.values.map((o) => `    ${JSON.stringify(o.id)}: ${image(o)},\n`).join('');
  const pods = t.options.podConfig.values.map((o) => `    ${JSON.stringify(o.id)}: ${pod(o)},\n`).join('');
  return [
    `function ${functionName(kind.metadata.name as string)}(scope: Construct): MigratedKind {\n`,
    `  const kind = new ${LIBRARY.workspaceKind}(scope, ${JSON.stringify(kind.metadata.name)}, {\n${kindProps}  });\n`,
    ...ports,
    '  // Added in id order: the first option of each list is the default.\n',
    `  const imageConfigs: Record<string, ${LIBRARY.imageConfig}> = {\n${images}  };\n`,
    `  const podConfigs: Record<string, ${LIBRARY.podConfig}> = {\n${pods}  };\n`,
    '  return { kind, imageConfigs, podConfigs };\n',
    '}\n',
  ].join('');
}

function functionName(kindName: string): string {
  return `kind${kindName.split(/[^A-Za-z0-9]+/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`;
}

function kindsModule(plan: MigrationPlan): string {
  const enums = new Enums();
  const functions = plan.kinds.map((k) => kindFunction(k, enums));
  const names = [LIBRARY.imageConfig, LIBRARY.podConfig, LIBRARY.spawnerImage, LIBRARY.workspaceKind, ...enums.used].sort();
  return [
    '// Generated by `kfws migrate` from Kubeflow v1 Notebooks: the WorkspaceKinds they need.\n',
    `import { Construct } from 'constructs';\n`,
    `import { ${names.join(', ')} } from '${LIBRARY.module}';\n\n`,
    '/** A migrated WorkspaceKind and its options by id. */\n',
    'export interface MigratedKind {\n',
    `  readonly kind: ${LIBRARY.workspaceKind};\n`,
    `  readonly imageConfigs: Readonly<Record<string, ${LIBRARY.imageConfig}>>;\n`,
    `  readonly podConfigs: Readonly<Record<string, ${LIBRARY.podConfig}>>;\n`,
    '}\n\n',
    '/** Defines every migrated WorkspaceKind in `scope`, by name. */\n',
    'export function defineKinds(scope: Construct): Record<string, MigratedKind> {\n',
    '  return {\n',
    ...plan.kinds.map((k) => `    ${JSON.stringify(k.metadata.name)}: ${functionName(k.metadata.name as string)}(scope),\n`),
    '  };\n',
    '}\n',
    ...functions.map((f) => `\n${f}`),
  ].join('');
}

function workspaceStatement(ws: WorkspaceObject, enums: Enums): string {
  const spec = ws.spec!;
  const t = spec.podTemplate;
  const kindRef = `kinds[${JSON.stringify(spec.kind)}]`;
  const i = '  ';
  const id = `${ws.metadata.namespace ?? ''}.${ws.metadata.name}`;
  const data = t.volumes.data?.map((d) =>
    `{ volume: ${LIBRARY.workspaceVolume}.${LIBRARY.existingClaim}(${JSON.stringify(d.pvcName)}), mountPath: ${JSON.stringify(d.mountPath)}, readOnly: ${d.readOnly === true} }`);
  return `new ${LIBRARY.workspace}(workspaces, ${JSON.stringify(id)}, {\n${props([
    ['name', JSON.stringify(ws.metadata.name)],
    ['namespace', ws.metadata.namespace === undefined ? undefined : JSON.stringify(ws.metadata.namespace)],
    ['labels', optional(ws.metadata.labels, i, enums)],
    ['annotations', optional(ws.metadata.annotations, i, enums)],
    ['kind', `${kindRef}.kind`],
    ['imageConfig', `${kindRef}.imageConfigs[${JSON.stringify(t.options.imageConfig)}]`],
    ['podConfig', `${kindRef}.podConfigs[${JSON.stringify(t.options.podConfig)}]`],
    ['paused', spec.paused ? 'true' : undefined],
    ['podLabels', optional(t.podMetadata?.labels, i, enums)],
    ['podAnnotations', optional(t.podMetadata?.annotations, i, enums)],
    ['homeVolume', t.volumes.home === undefined ? undefined : `${LIBRARY.workspaceVolume}.${LIBRARY.existingClaim}(${JSON.stringify(t.volumes.home)})`],
    ['dataVolumes', data === undefined ? undefined : `[\n${data.map((d) => `    ${d},\n`).join('')}  ]`],
  ], i)}});\n`;
}

function mainModule(plan: MigrationPlan): string {
  const enums = new Enums();
  const statements = plan.workspaces.map((ws) => workspaceStatement(ws, enums));
  const volumes = plan.workspaces.some((ws) => ws.spec!.podTemplate.volumes.home !== undefined || ws.spec!.podTemplate.volumes.data !== undefined);
  const names = [LIBRARY.workspace, ...(volumes ? [LIBRARY.workspaceVolume] : [])].sort();
  return [
    '// Generated by `kfws migrate` from Kubeflow v1 Notebooks: one Workspace per Notebook. Run `cdk8s synth`.\n',
    `import { App, Chart } from 'cdk8s';\n`,
    `import { ${names.join(', ')} } from '${LIBRARY.module}';\n`,
    `import { defineKinds } from './kinds';\n\n`,
    'const app = new App();\n',
    `const kindsChart = new Chart(app, ${JSON.stringify(KINDS_CHART_ID)});\n`,
    'const kinds = defineKinds(kindsChart);\n',
    `const workspaces = new Chart(app, ${JSON.stringify(WORKSPACES_CHART_ID)});\n`,
    '// The kinds are applied first: the admission webhook checks Workspaces against them.\n',
    'workspaces.addDependency(kindsChart);\n\n',
    ...statements,
    '\napp.synth();\n',
  ].join('');
}

/** File name → content of `--format typescript`. */
export function typescriptFiles(plan: MigrationPlan): Record<string, string> {
  return { 'kinds.ts': kindsModule(plan), 'main.ts': mainModule(plan) };
}
