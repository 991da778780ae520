/** The webhooks' view of the cluster: the reconciler's informer caches (upstream reads its controller cache too). */
import { ApiRevision } from '../../core/revision';
import { WorkspaceKindObject } from '../../core/api';
import { Caches } from '../caches';
import { Logger } from '../log';
import { ReconcilerMetrics } from '../metrics';
import { KubeClient } from '../kube/client';
import { PATHS } from '../../core/kube-objects';
import { AdmissionSource } from './admission';
import { compareResourceVersions } from './reservations';
import { KindReservations } from './reserver';

/** How long a kind update waits for the Workspace cache to catch up with the kind's cleared reservations. */
const CATCH_UP_WAIT_MS = 2_000;
const CATCH_UP_POLL_MS = 20;

export function cacheAdmissionSource(
  caches: Caches,
  client: KubeClient,
  log: Logger,
  metrics?: ReconcilerMetrics,
  revision?: ApiRevision,
): AdmissionSource {
  let identity: Promise<string | undefined> | undefined;
  const source: AdmissionSource = {
    revision,
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
    reserve: (request) => reservations.reserve(request),
    async workspacesCaughtUp(resourceVersion: string) {
      const deadline = Date.now() + CATCH_UP_WAIT_MS;
      for (;;) {
        if (compareResourceVersions(caches.workspaces.lastResourceVersion, resourceVersion) >= 0) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
      }
    },
    identity() {
      // Who this process is to the API server (its ServiceAccount), asked once; any authenticated user may ask.
      identity ??= client
        .create<{ status?: { userInfo?: { username?: string } } }>('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        })
        .then((r) => r.status?.userInfo?.username)
        .catch((err: Error) => {
          log.warn('cannot learn the webhook\'s own username (SelfSubjectReview); reservations will only expire, not be cleared', { error: err.message });
          identity = undefined;
          return undefined;
        });
      return identity;
    },
    now: () => Date.now(),
  };
  const reservations = new KindReservations(client, caches, log, () => source.identity(), metrics);
  return source;
}
