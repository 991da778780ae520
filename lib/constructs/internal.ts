/**
 * Plumbing shared by the constructs; not part of the public API.
 */
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { IConstruct, IValidation } from 'constructs';
import { API_REVISION_CONTEXT, API_REVISION_VALUES, ApiRevision, DEFAULT_API_REVISION, parseApiRevision } from '../core/revision';
import { formatViolation, Violation } from '../core/validation/violation';

/** An ApiObject for a cluster-scoped kind: never carries the namespace of the chart it lives in. */
export class ClusterScopedApiObject extends ApiObject {
  /** Distinguishes it from namespaced objects in the collision check. */
  public readonly clusterScoped = true;

  public override toJson(): any {
    const json = super.toJson();
    if (json.metadata) {
      delete json.metadata.namespace;
    }
    return json;
  }
}

/** Turns core violations into cdk8s validation messages (cdk8s prefixes each with the construct path). */
export function toValidationMessages(violations: readonly Violation[]): string[] {
  return violations.map(formatViolation);
}

/**
 * A validation that re-runs only when its inputs change (compared by identity).
 *
 * cdk8s validates the whole app once per chart it writes, so with N charts every check would run N+1 times; the
 * constructs' manifests are memoized objects, so an unchanged manifest means an unchanged verdict.
 */
export function memoizedValidation(inputs: () => readonly unknown[], check: () => string[]): IValidation {
  let lastInputs: readonly unknown[] | undefined;
  let lastResult: string[] = [];
  return {
    validate: () => {
      const current = inputs();
      if (!lastInputs || current.length !== lastInputs.length || current.some((value, i) => value !== lastInputs![i])) {
        lastResult = check();
        lastInputs = current;
      }
      return [...lastResult];
    },
  };
}

/** Copy of a string map with its keys in order, or undefined when empty, so output is stable and free of `{}`. */
export function sortedMap(map: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!map) {
    return undefined;
  }
  const keys = Object.keys(map).sort();
  if (keys.length === 0) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    out[key] = map[key];
  }
  return out;
}

/** A deep copy of plain JSON data, so later mutation of user props can't change what was validated. */
export function copyJson<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

interface CollisionRegistry {
  readonly objects: ApiObject[];
  readonly collisions: () => Map<ApiObject, string[]>;
}

const registeredObjects = new WeakMap<IConstruct, CollisionRegistry>();

/**
 * Registers an object for the app-wide collision check: no two registered objects may share an identity (group,
 * kind, namespace, name) — the second would silently replace the first on apply — and, with per-resource output, no
 * two may be written to the same file (cdk8s names those files `<kind>.<name>`, without the namespace, and
 * overwrites). The check is added to the app root once; it runs over the registered objects only, which keeps it
 * cheap for apps with tens of thousands of objects.
 */
export function registerForCollisionCheck(apiObject: ApiObject): void {
  const root = apiObject.node.root;
  let registry = registeredObjects.get(root);
  if (!registry) {
    const list: ApiObject[] = [];
    let checkedLength = -1;
    let found = new Map<ApiObject, string[]>();
    // Names and namespaces are fixed at construction, so the verdict changes only when objects are added.
    const collisions = (): Map<ApiObject, string[]> => {
      if (checkedLength !== list.length) {
        found = findCollisions(root, list);
        checkedLength = list.length;
      }
      return found;
    };
    registry = { objects: list, collisions };
    registeredObjects.set(root, registry);
  }
  registry.objects.push(apiObject);
  // Reported at the construct that defines the object (cdk8s prints its path), not at the app root.
  const { collisions } = registry;
  (apiObject.node.scope ?? apiObject).node.addValidation({ validate: () => [...(collisions().get(apiObject) ?? [])] });
}

/** Registers every ApiObject defined under `scope` so far (see {@link registerForCollisionCheck}). */
export function registerAllForCollisionCheck(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    if (node instanceof ApiObject) {
      registerForCollisionCheck(node);
    }
  }
}

/** The collision errors of each object that collides with an earlier one. */
function findCollisions(root: IConstruct, objects: readonly ApiObject[]): Map<ApiObject, string[]> {
  const errors = new Map<ApiObject, string[]>();
  const report = (node: ApiObject, message: string) => errors.set(node, [...(errors.get(node) ?? []), message]);
  const byIdentity = new Map<string, ApiObject>();
  const byFile = new Map<string, ApiObject>();
  const perResource = root instanceof App
    && (root.yamlOutputType === YamlOutputType.FILE_PER_RESOURCE
      || root.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE);
  for (const node of objects) {
    const namespace = (node as Partial<ClusterScopedApiObject>).clusterScoped ? '' : node.metadata.namespace ?? '';
    const identity = `${node.apiGroup}/${node.kind} ${namespace}/${node.name}`;
    const previous = byIdentity.get(identity);
    if (previous) {
      report(node, `${node.kind} "${node.name}"${namespace ? ` in namespace "${namespace}"` : ''} is defined twice: at ${previous.node.path} and at ${node.node.path}; expected unique names`);
    } else {
      byIdentity.set(identity, node);
    }
    if (perResource) {
      const folder = root.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE ? `${Chart.of(node).node.path}/` : '';
      const file = `${folder}${node.kind}.${node.name}`.replace(/[^0-9a-zA-Z-_./]/g, '');
      const owner = byFile.get(file);
      if (owner && !previous) {
        report(node, `${node.node.path} and ${owner.node.path} would both be written to the file "${file}" by per-resource output (cdk8s names files by kind and name only); expected distinct kind/name pairs, or use YamlOutputType.FILE_PER_CHART`);
      } else if (!owner) {
        byFile.set(file, node);
      }
    }
  }
  return errors;
}

/** The app's API revision (context {@link API_REVISION_CONTEXT}), and a message when the context holds something else. */
export function apiRevisionOf(scope: IConstruct): { readonly revision: ApiRevision; readonly problem?: string } {
  const value: unknown = scope.node.tryGetContext(API_REVISION_CONTEXT);
  if (value === undefined) return { revision: DEFAULT_API_REVISION };
  const revision = parseApiRevision(value);
  if (revision !== undefined) return { revision };
  return {
    revision: DEFAULT_API_REVISION,
    problem: `context ${JSON.stringify(API_REVISION_CONTEXT)}: Unsupported value: ${JSON.stringify(value)}: supported values: ${API_REVISION_VALUES}`,
  };
}

/** A prop the chosen revision does not have: removed at v2.0.0-beta.0, with what replaces it. */
export function removedAtBeta(prop: string, field: string, replacement: string): string {
  return `${prop} (${field}): removed in ${ApiRevision.V2_0_0_BETA_0}: ${replacement}`;
}

/** A prop that only v2.0.0-beta.0 has, used in an app of fd7a3d8e. */
export function onlyAtBeta(prop: string, field: string): string {
  return `${prop} (${field}): only in API revision ${ApiRevision.V2_0_0_BETA_0}, and this app targets ${ApiRevision.FD7A3D8E}; ` +
    `set apiRevision: ApiRevision.V2_0_0_BETA_0 on the WorkspacesApp (or the context ${JSON.stringify(API_REVISION_CONTEXT)})`;
}
