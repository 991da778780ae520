/** The webhooks' view of the cluster: the reconciler's informer caches (upstream reads its controller cache too). */
import { WorkspaceKindObject } from '../../core/api';
import { Caches } from '../caches';
import { KubeClient } from '../kube/client';
import { PATHS } from '../../core/kube-objects';
import { AdmissionSource } from './admission';

export function cacheAdmissionSource(caches: Caches, client: KubeClient): AdmissionSource {
  return {
    get synced() {
      return caches.workspaces.hasSynced && caches.kinds.hasSynced;
    },
    async kind(name: string) {
      const cached = caches.kinds.get(name);
      if (cached) return cached;
      // A Kind created a moment ago may not have reached the watch yet: ask before answering "not found".
      const list = await client.get<{ items: WorkspaceKindObject[] }>(PATHS.workspaceKinds, { query: { fieldSelector: `metadata.name=${name}` } });
      return list.items[0];
    },
    workspacesOfKind: (name: string) => caches.workspacesOfKind(name),
  };
}
