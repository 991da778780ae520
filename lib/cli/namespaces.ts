/**
 * The namespace of a Workspace written without one. kubectl applies it into its context's namespace (`-n`), Argo CD
 * into the Application's `destination.namespace`, Flux into the Kustomization's `targetNamespace`: `alice` next to
 * `team/alice` is the same Workspace once applied into `team`. With `--namespace NS` kfws gives such Workspaces
 * that namespace, as the applier will; without it, a namespace-less Workspace that shares its name with a
 * namespaced one (in the change or its base) is refused, since kfws cannot know whether they are one object.
 */

import { WORKSPACE_KIND } from '../core/api';
import { ViolationType } from '../core/validation';
import { ruleFindings } from './check';
import { identityOf, ManifestObject, ManifestSet } from './manifests';
import { describeObject, Finding, FindingCategory } from './types';

function namespaceLess(obj: ManifestObject): boolean {
  return obj.ref.kind === WORKSPACE_KIND && obj.ref.namespace === undefined;
}

/** `set` with every namespace-less Workspace in namespace `namespace` (its `metadata.namespace` set, as applied). */
export function withDefaultNamespace(set: ManifestSet, namespace: string): ManifestSet {
  const objects = set.objects.map((obj) => {
    if (!namespaceLess(obj)) return obj;
    const metadata = obj.value.metadata as Record<string, unknown>;
    const value = { ...obj.value, metadata: { ...metadata, namespace } };
    const ref = { ...obj.ref, namespace };
    return { ...obj, value, ref, identity: identityOf(ref) };
  });
  return { ...set, objects };
}

/**
 * Namespace-less Workspaces of `next` or `base` whose name a namespaced Workspace of either also has, reported at
 * the object of `next` (the change's), naming the other's file. Both in `base` only: not this change's problem.
 */
export function namespaceCollisions(next: ManifestSet, base?: ManifestSet): Finding[] {
  const all = [...next.objects.map((obj) => ({ obj, head: true })), ...(base?.objects ?? []).map((obj) => ({ obj, head: false }))];
  const namespaced = new Map<string, { obj: ManifestObject; head: boolean }[]>();
  for (const entry of all) {
    if (entry.obj.ref.kind !== WORKSPACE_KIND || namespaceLess(entry.obj) || entry.obj.ref.name === '') continue;
    const list = namespaced.get(entry.obj.ref.name);
    if (list) list.push(entry);
    else namespaced.set(entry.obj.ref.name, [entry]);
  }
  const out: Finding[] = [];
  const reported = new Set<ManifestObject>();
  const report = (at: ManifestObject, other: ManifestObject, namespace: string): void => {
    if (reported.has(at)) return;
    reported.add(at);
    const where = `${other.file.display} (document ${other.document})`;
    const detail = namespaceLess(at)
      ? `no namespace: applied into the applier's default namespace, this is ${describeObject(other.ref)} of ${where} when that namespace is "${namespace}"`
      : `${describeObject(at.ref)} is the Workspace without a namespace of ${where} when the applier's default namespace is "${namespace}"`;
    const hint =
      'kfws cannot know the namespace the applier gives it, so it cannot tell one object from two: give that namespace ' +
      'with --namespace NS (kubectl -n, Argo CD destination.namespace, Flux targetNamespace), or write the namespace in the manifest';
    out.push(...ruleFindings(at, [{ field: 'metadata.namespace', type: ViolationType.REQUIRED, detail }], FindingCategory.DUPLICATE, () => hint));
  };
  // Each object of the change is reported once, and each name of the base walked once: linear in the objects.
  const baseNames = new Set<string>();
  for (const { obj, head } of all) {
    if (!namespaceLess(obj)) continue;
    const others = namespaced.get(obj.ref.name) ?? [];
    if (head) {
      if (others.length > 0) report(obj, others[0].obj, others[0].obj.ref.namespace as string);
    } else if (!baseNames.has(obj.ref.name)) {
      baseNames.add(obj.ref.name);
      for (const other of others) if (other.head) report(other.obj, obj, other.obj.ref.namespace as string);
    }
  }
  return out;
}
