/**
 * The WorkspaceKind reconcile (docs/upstream-behavior.md §3.2): per-option usage counts in the status and the
 * protection finalizer. The status is written before the finalizer is removed, so that a Kind being deleted is seen
 * with zero Workspaces before it disappears.
 */
import { FINALIZER_WORKSPACEKIND_PROTECTION, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { computeKindStatus, FinalizerChange, kindFinalizerChange, kindStatusEquals } from '../core/kind-status';
import { isConflict, isNotFound } from './kube/client';
import { PATHS } from '../core/kube-objects';
import { ControllerDeps, Outcome } from './workspace-controller';

export class KindController {
  constructor(private readonly deps: ControllerDeps) {}

  async reconcile(name: string): Promise<Outcome> {
    const { caches, client } = this.deps;
    let kind = caches.kinds.get(name);
    if (!kind) return Outcome.DONE;
    const log = this.deps.log.with({ workspaceKind: name });
    const workspaces = caches.workspacesOfKind(name);

    try {
      const status = computeKindStatus(kind, workspaces);
      if (!kindStatusEquals(kind.status, status)) {
        const updated = await client.mergePatch<WorkspaceKindObject>(PATHS.workspaceKindStatus(name), {
          metadata: { uid: kind.metadata.uid },
          status,
        });
        caches.kinds.replaceIfUnchanged(updated, kind.metadata.resourceVersion);
        kind = updated;
      }

      const change = kindFinalizerChange(kind, workspaces.length);
      if (change === FinalizerChange.REMOVE && (await this.usedByAnyWorkspace(name))) {
        // The cache is behind a Workspace just created: its watch event will bring us back.
        log.info('keeping the protection finalizer: a Workspace not yet in the cache uses the Kind');
        return Outcome.REQUEUE;
      }
      if (change) {
        const others = (kind.metadata.finalizers ?? []).filter((f) => f !== FINALIZER_WORKSPACEKIND_PROTECTION);
        const finalizers = change === FinalizerChange.ADD ? [...others, FINALIZER_WORKSPACEKIND_PROTECTION] : others;
        const updated = await client.mergePatch(PATHS.workspaceKind(name), {
          metadata: { resourceVersion: kind.metadata.resourceVersion, finalizers },
        });
        caches.kinds.replaceIfUnchanged(updated, kind.metadata.resourceVersion);
        log.info(`${change === FinalizerChange.ADD ? 'added' : 'removed'} the protection finalizer`, { workspaces: workspaces.length });
      }
    } catch (err) {
      if (isConflict(err)) return Outcome.CONFLICT;
      if (isNotFound(err)) return Outcome.DONE;
      throw err;
    }
    return Outcome.DONE;
  }

  /**
   * A fresh read (not the cache) of whether any Workspace references the Kind: the cache may not hold a Workspace
   * created a moment ago, and removing the finalizer then would let the Kind be deleted under it (quirk 13).
   */
  private async usedByAnyWorkspace(name: string): Promise<boolean> {
    let continueToken: string | undefined;
    do {
      const page = await this.deps.client.get<{ items?: WorkspaceObject[]; metadata?: { continue?: string } }>(PATHS.workspaces, {
        query: { limit: 500, continue: continueToken },
      });
      if ((page.items ?? []).some((ws) => ws.spec?.kind === name)) return true;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return false;
  }
}
