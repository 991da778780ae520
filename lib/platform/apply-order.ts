import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { API_GROUP, WORKSPACE_KIND, WORKSPACEKIND_KIND, WorkspaceObject } from '../core/api';
import { ClusterScopedApiObject } from '../constructs/internal';
import { Workspace } from '../constructs/workspace';

/**
 * The stages in which objects must reach a cluster, earliest first. A stage is decided by the object's kind for
 * CRDs, Namespaces, WorkspaceKinds, PersistentVolumeClaims and Workspaces, and otherwise by
 * `ApplyOrder.assignStage()` on the object or one of its scopes (`TENANT` when none).
 */
export enum ApplyStage {
  /** CustomResourceDefinitions and Namespaces: the objects everything else may need. */
  FOUNDATION = 'foundation',
  /** The controller's ServiceAccount, RBAC, Deployment, Service, PodDisruptionBudget and NetworkPolicy. */
  CONTROLLER = 'controller',
  /** A team's ServiceAccounts, RoleBindings, quota and limits; also any object no other rule places. */
  TENANT = 'tenant',
  /** WorkspaceKinds. */
  KINDS = 'kinds',
  /** PersistentVolumeClaims. */
  STORAGE = 'storage',
  /** Workspaces. */
  WORKSPACES = 'workspaces',
}

const ARGO_CD_SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

const STAGE_RANK: Readonly<Record<ApplyStage, number>> = {
  [ApplyStage.FOUNDATION]: 0,
  [ApplyStage.CONTROLLER]: 1,
  [ApplyStage.TENANT]: 2,
  [ApplyStage.KINDS]: 3,
  [ApplyStage.STORAGE]: 4,
  [ApplyStage.WORKSPACES]: 5,
};

const SYNC_WAVES: Readonly<Record<ApplyStage, number>> = {
  [ApplyStage.FOUNDATION]: -1,
  [ApplyStage.CONTROLLER]: 0,
  [ApplyStage.TENANT]: 1,
  [ApplyStage.KINDS]: 2,
  // Argo CD waits for a wave to be healthy and counts a Pending claim as progressing, but a claim of a
  // WaitForFirstConsumer StorageClass stays Pending until the Workspace's Pod uses it: separate waves would never
  // finish. In one wave Argo CD still applies claims first (built-in kinds before custom resources).
  [ApplyStage.STORAGE]: 3,
  [ApplyStage.WORKSPACES]: 3,
};

/** Stages decided by kind, keyed `<api group>/<kind>` (`core` for the core group, as `ApiObject.apiGroup` gives). */
const STAGE_BY_KIND: ReadonlyMap<string, ApplyStage> = new Map([
  ['core/Namespace', ApplyStage.FOUNDATION],
  ['apiextensions.k8s.io/CustomResourceDefinition', ApplyStage.FOUNDATION],
  [`${API_GROUP}/${WORKSPACEKIND_KIND}`, ApplyStage.KINDS],
  ['core/PersistentVolumeClaim', ApplyStage.STORAGE],
  [`${API_GROUP}/${WORKSPACE_KIND}`, ApplyStage.WORKSPACES],
]);

/** Built-in cluster-scoped kinds that may still carry a chart's namespace in their metadata. */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'core/Namespace',
  'core/PersistentVolume',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  `${API_GROUP}/${WORKSPACEKIND_KIND}`,
]);

const STAGE_METADATA_TYPE = 'cdk8s-kubeflow-workspaces:apply-stage';

/** Options of `ApplyOrder.arrange()`. */
export interface ApplyOrderOptions {
  /**
   * Whether to annotate every object with the Argo CD sync wave of its stage (`argocd.argoproj.io/sync-wave`):
   * FOUNDATION -1, CONTROLLER 0, TENANT 1, KINDS 2, STORAGE and WORKSPACES 3.
   * @default false
   */
  readonly argoCdSyncWaves?: boolean;
}

/**
 * Orders the objects of an app so that one pass of `kubectl apply -f dist/`, Argo CD or Flux meets every
 * prerequisite before the object that needs it. Works on any charts and objects, by their apiVersion and kind.
 */
export class ApplyOrder {
  /** Annotation with which Argo CD orders a sync: lower waves are applied, and must be healthy, before higher ones. */
  public static readonly ARGO_CD_SYNC_WAVE_ANNOTATION = ARGO_CD_SYNC_WAVE_ANNOTATION;

  /**
   * Sets the stage of the objects under `scope` whose kind does not decide it (the nearest assignment wins).
   */
  public static assignStage(scope: IConstruct, stage: ApplyStage): void {
    scope.node.addMetadata(STAGE_METADATA_TYPE, stage);
  }

  /** The stage of an object: by its kind, else the nearest `assignStage()`, else `TENANT`. */
  public static stageOf(apiObject: ApiObject): ApplyStage {
    const byKind = STAGE_BY_KIND.get(`${apiObject.apiGroup}/${apiObject.kind}`);
    if (byKind) {
      return byKind;
    }
    for (let scope: IConstruct | undefined = apiObject; scope; scope = scope.node.scope) {
      const assigned = scope.node.metadata.filter(entry => entry.type === STAGE_METADATA_TYPE).pop();
      if (assigned) {
        return assigned.data as ApplyStage;
      }
    }
    return ApplyStage.TENANT;
  }

  /** The Argo CD sync wave of a stage. */
  public static syncWaveOf(stage: ApplyStage): number {
    return SYNC_WAVES[stage];
  }

  /**
   * File-name prefixes that sort charts in apply order and stay put when other charts are added, removed or reordered
   * (`WorkspacesApp` with `ChartFileNames.APPLY_STAGE` uses them). A chart's prefix is ten times the rank of the latest
   * stage among its own objects (FOUNDATION 00, CONTROLLER 10, TENANT 20, KINDS 30, STORAGE 40, WORKSPACES 50), raised
   * to one more than the prefix of every chart it depends on. All prefixes have the same width (two digits unless a
   * chain of dependencies needs more).
   *
   * @param charts the charts, each after the charts it depends on (as `App.charts` lists them)
   * @returns the prefix of each chart, in the order of `charts`
   */
  public static chartFilePrefixes(charts: Chart[]): string[] {
    const keys = new Map<Chart, number>();
    for (const chart of charts) {
      let key = 0;
      for (const node of chart.node.findAll()) {
        if (node instanceof ApiObject && chartOf(node) === chart) {
          key = Math.max(key, STAGE_RANK[ApplyOrder.stageOf(node)] * 10);
        }
      }
      for (const dependency of chart.node.dependencies) {
        const other = chartOf(dependency);
        if (other && other !== chart) {
          const otherKey = keys.get(other);
          if (otherKey === undefined) {
            throw new Error(`chart ${chart.node.path} depends on chart ${other.node.path}, which is not listed before it; expected the charts in dependency order (App.charts)`);
          }
          key = Math.max(key, otherKey + 1);
        }
      }
      keys.set(chart, key);
    }
    const width = Math.max(2, ...[...keys.values()].map(key => String(key).length));
    return charts.map(chart => String(keys.get(chart)).padStart(width, '0'));
  }

  /**
   * Adds the dependencies that order the app's charts (cdk8s's `App` then prefixes the files `0000-`, `0001-`, ...;
   * `WorkspacesApp` with `ChartFileNames.APPLY_STAGE` by stage) and the objects inside each chart, and optionally the
   * Argo CD sync waves. Call it once, after every object is defined and before `app.synth()`.
   *
   * - A chart comes after every chart holding a CRD, Namespace, WorkspaceKind or PersistentVolumeClaim that one of
   *   its objects needs (the CRD of its kind, the Namespace it lives in, the kind and claims a Workspace names).
   * - A chart also comes after every chart whose stages all precede its own (CONTROLLER, TENANT, KINDS, STORAGE,
   *   WORKSPACES; CRDs and Namespaces are placed by need), when that does not contradict a need.
   * - Inside a chart, each object comes after the objects of that chart it needs.
   *
   * @throws if two charts each need something of the other; split them so that needs point one way.
   */
  public static arrange(app: App, options: ApplyOrderOptions = {}): void {
    const objects = app.node.findAll().filter((node): node is ApiObject => node instanceof ApiObject);
    const catalog = new ObjectCatalog(objects);
    const charts = new ChartGraph(app);

    for (const object of objects) {
      for (const { needed, reason } of catalog.needsOf(object)) {
        const from = Chart.of(object);
        const to = Chart.of(needed);
        if (from === to) {
          object.addDependency(needed);
        } else {
          charts.require(from, to, `${object.node.path} needs ${needed.node.path} (${reason})`);
        }
      }
    }
    charts.preferStageOrder(objects);
    charts.addDependencies();

    if (options.argoCdSyncWaves) {
      for (const object of objects) {
        object.metadata.addAnnotation(ARGO_CD_SYNC_WAVE_ANNOTATION, String(SYNC_WAVES[ApplyOrder.stageOf(object)]));
      }
    }
  }

  private constructor() {}
}

interface Need {
  readonly needed: ApiObject;
  readonly reason: string;
}

/** Finds, by kind and name, the objects of an app that other objects need. */
class ObjectCatalog {
  private readonly namespaces = new Map<string, ApiObject>();
  private readonly crds = new Map<string, ApiObject>();
  private readonly clusterScopedCustomKinds = new Set<string>();
  private readonly workspaceKinds = new Map<string, ApiObject>();
  private readonly claims = new Map<string, ApiObject>();

  constructor(objects: readonly ApiObject[]) {
    for (const object of objects) {
      const kindKey = `${object.apiGroup}/${object.kind}`;
      if (kindKey === 'core/Namespace') {
        this.namespaces.set(object.name, object);
      } else if (kindKey === 'apiextensions.k8s.io/CustomResourceDefinition') {
        const spec = object.toJson().spec ?? {};
        const definedKind = `${spec.group}/${spec.names?.kind}`;
        this.crds.set(definedKind, object);
        if (spec.scope === 'Cluster') {
          this.clusterScopedCustomKinds.add(definedKind);
        }
      } else if (kindKey === `${API_GROUP}/${WORKSPACEKIND_KIND}`) {
        this.workspaceKinds.set(object.name, object);
      } else if (kindKey === 'core/PersistentVolumeClaim') {
        this.claims.set(`${object.metadata.namespace ?? ''}/${object.name}`, object);
      }
    }
  }

  /** The objects of the app that `object` needs in the cluster before it can be applied or work. */
  public needsOf(object: ApiObject): Need[] {
    const needs: Need[] = [];
    const add = (needed: ApiObject | undefined, reason: string) => {
      if (needed && needed !== object) {
        needs.push({ needed, reason });
      }
    };
    const kindKey = `${object.apiGroup}/${object.kind}`;
    const namespace = this.isClusterScoped(object, kindKey) ? undefined : object.metadata.namespace;
    if (namespace) {
      add(this.namespaces.get(namespace), `its namespace "${namespace}"`);
    }
    add(this.crds.get(kindKey), `the CRD of ${object.kind}`);
    if (kindKey === `${API_GROUP}/${WORKSPACE_KIND}`) {
      // The construct's manifest is built once and kept; toJson() would resolve the whole object again.
      const owner = object.node.scope;
      const spec = owner instanceof Workspace && owner.apiObject === object
        ? owner._manifest().spec
        : (object.toJson() as WorkspaceObject).spec;
      if (spec) {
        add(this.workspaceKinds.get(spec.kind), `its kind "${spec.kind}"`);
        const { home, data } = spec.podTemplate.volumes;
        for (const claim of [home, ...(data ?? []).map(volume => volume.pvcName)]) {
          if (claim) {
            add(this.claims.get(`${namespace ?? ''}/${claim}`), `its claim "${claim}"`);
          }
        }
      }
    }
    return needs;
  }

  private isClusterScoped(object: ApiObject, kindKey: string): boolean {
    // A property check: cdk8s makes `instanceof` of any ApiObject subclass true for every ApiObject.
    return (object as Partial<ClusterScopedApiObject>).clusterScoped === true
      || CLUSTER_SCOPED_KINDS.has(kindKey) || this.clusterScopedCustomKinds.has(kindKey);
  }
}

/** The charts of an app and the order between them: the dependencies they have, and the ones to add. */
class ChartGraph {
  private readonly charts: Chart[];
  /** Every ordering edge, existing or to add: chart → charts it comes after. */
  private readonly after = new Map<Chart, Set<Chart>>();
  /** The edges to add, in the order they were found. */
  private readonly added: { from: Chart; to: Chart }[] = [];

  constructor(app: App) {
    this.charts = app.node.findAll().filter((node): node is Chart => node instanceof Chart);
    for (const chart of this.charts) {
      this.after.set(chart, new Set());
    }
    // The order cdk8s will derive anyway: from dependencies between constructs of different charts, and nested
    // charts (a parent chart comes after its children).
    for (const node of app.node.findAll()) {
      const from = chartOf(node);
      for (const dependency of node.node.dependencies) {
        const to = chartOf(dependency);
        if (from && to && from !== to) {
          this.after.get(from)!.add(to);
        }
      }
      const parent = node.node.scope && chartOf(node.node.scope);
      if (node instanceof Chart && parent) {
        this.after.get(parent)!.add(node);
      }
    }
  }

  /** Records that `from` must come after `to`; throws if `to` already comes after `from`. */
  public require(from: Chart, to: Chart, reason: string): void {
    if (this.reaches(from, to)) {
      return;
    }
    if (this.reaches(to, from)) {
      throw new Error(`cannot order chart ${from.node.path} after chart ${to.node.path}: ${reason}, but ${to.node.path} must already come after ${from.node.path}; expected needs between charts to point one way (move the needed objects into a chart of their own)`);
    }
    this.link(from, to);
  }

  /** Orders each chart after the charts whose stages all precede its own, where that contradicts nothing. */
  public preferStageOrder(objects: readonly ApiObject[]): void {
    const ranges = new Map<Chart, { min: number; max: number }>();
    for (const object of objects) {
      const rank = STAGE_RANK[ApplyOrder.stageOf(object)];
      if (rank === STAGE_RANK[ApplyStage.FOUNDATION]) {
        continue;
      }
      const chart = Chart.of(object);
      const range = ranges.get(chart);
      ranges.set(chart, range ? { min: Math.min(range.min, rank), max: Math.max(range.max, rank) } : { min: rank, max: rank });
    }
    const ranged = this.charts.filter(chart => ranges.has(chart));
    for (const from of ranged) {
      // Nearest stages first, so that farther ones are mostly reached through them and need no edge of their own.
      const earlier = ranged
        .filter(to => ranges.get(to)!.max < ranges.get(from)!.min)
        .sort((a, b) => ranges.get(b)!.max - ranges.get(a)!.max);
      for (const to of earlier) {
        if (!this.reaches(from, to) && !this.reaches(to, from)) {
          this.link(from, to);
        }
      }
    }
  }

  /** Adds the recorded edges as chart dependencies, leaving out those that other edges already imply. */
  public addDependencies(): void {
    for (const edge of this.added) {
      this.after.get(edge.from)!.delete(edge.to);
      if (!this.reaches(edge.from, edge.to)) {
        this.after.get(edge.from)!.add(edge.to);
        edge.from.addDependency(edge.to);
      }
    }
  }

  private link(from: Chart, to: Chart): void {
    this.after.get(from)!.add(to);
    this.added.push({ from, to });
  }

  /** Whether `from` comes (transitively) after `to`. */
  private reaches(from: Chart, to: Chart): boolean {
    const seen = new Set<Chart>();
    const pending = [from];
    while (pending.length > 0) {
      const chart = pending.pop()!;
      for (const next of this.after.get(chart) ?? []) {
        if (next === to) {
          return true;
        }
        if (!seen.has(next)) {
          seen.add(next);
          pending.push(next);
        }
      }
    }
    return false;
  }
}

function chartOf(node: IConstruct): Chart | undefined {
  for (let scope: IConstruct | undefined = node; scope; scope = scope.node.scope) {
    if (scope instanceof Chart) {
      return scope;
    }
  }
  return undefined;
}
