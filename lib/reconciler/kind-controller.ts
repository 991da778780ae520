/**
 * The WorkspaceKind reconcile (docs/upstream-behavior.md §3.2): per-option usage counts in the status and the
 * protection finalizer. The status is written before the finalizer is removed, so that a Kind being deleted is seen
 * with zero Workspaces before it disappears.
 */
import { FINALIZER_WORKSPACEKIND_PROTECTION, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { assetStatus, computeKindStatus, FinalizerChange, kindFinalizerChange, kindStatusEquals } from '../core/kind-status';
import { WorkspaceKindAssetStatus, WorkspaceKindStatus } from '../core/api';
import { ApiRevision } from '../core/revision';
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
      let status: WorkspaceKindStatus = computeKindStatus(kind, workspaces);
      const beta = this.deps.revision === ApiRevision.V2_0_0_BETA_0;
      if (beta) {
        // docs/upstream-v2-beta.md §4.10: required status fields, from the labelled image-source ConfigMaps only.
        const lookup = (namespace: string, cmName: string) => caches.imageSources?.get(`${namespace}/${cmName}`);
        status = {
          ...status,
          spawnerIcon: assetStatus(kind.spec?.spawner.icon, lookup),
          spawnerLogo: assetStatus(kind.spec?.spawner.logo, lookup),
        };
      }
      if (!kindStatusEquals(kind.status, status)) {
        const updated = await client.mergePatch<WorkspaceKindObject>(PATHS.workspaceKindStatus(name), {
          metadata: { uid: kind.metadata.uid },
          status: beta ? { ...status, spawnerIcon: assetPatch(status.spawnerIcon), spawnerLogo: assetPatch(status.spawnerLogo) } : status,
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

/** An asset status as a merge patch: fields it no longer has are removed (null). */
function assetPatch(asset: WorkspaceKindAssetStatus | undefined): Record<string, unknown> {
  return { sha256: asset?.sha256 ?? null, configMap: asset?.configMap ?? null };
}
