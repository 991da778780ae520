/**
 * Cluster access from @kubernetes/client-node's KubeConfig: kubeconfig files (`--kubeconfig`, `$KUBECONFIG`,
 * `~/.kube/config`) or the in-cluster ServiceAccount, with every auth method the client supports (tokens, client
 * certificates, exec plugins, OIDC, rotating token files).
 */
import * as https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterAccess } from './client';

/** Loads the configuration: the given file, else the client's defaults (KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(file?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) {
    kc.loadFromFile(file);
  } else {
    kc.loadFromDefault();
  }
  if (context) {
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error('no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG or run in a Pod');
  }
  return kc;
}

/** Auth headers are re-derived at most this often: the client re-reads rotated token files itself. */
const HEADER_CACHE_MS = 10_000;

export async function clusterAccessFromKubeConfig(kc: KubeConfig): Promise<ClusterAccess> {
  const cluster = kc.getCurrentCluster()!;
  const probe: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(probe);
  const tls = {
    ca: probe.ca as Buffer | undefined,
    cert: probe.cert as Buffer | undefined,
    key: probe.key as Buffer | undefined,
    rejectUnauthorized: probe.rejectUnauthorized,
    servername: probe.servername ?? undefined,
  };
  let cached: { at: number; headers: Record<string, string> } | undefined;
  return {
    server: cluster.server,
    tls,
    async headers() {
      if (cached && Date.now() - cached.at < HEADER_CACHE_MS) {
        return cached.headers;
      }
      const opts: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      }
      if (opts.auth) {
        headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      }
      cached = { at: Date.now(), headers };
      return headers;
    },
  };
}
