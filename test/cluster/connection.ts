/**
 * How test files reach the control plane started by jest's globalSetup (test/cluster/global-setup.ts).
 *
 * globalSetup publishes the connection in the environment of the jest process, which the test workers inherit:
 *   KFWS_TEST_CLUSTER       JSON: `{"available":true, ...ClusterConnectionInfo}` or `{"available":false,"reason":"..."}`
 *   KFWS_TEST_CLUSTER_FILE  path of a JSON file with the same content (read when KFWS_TEST_CLUSTER is not set)
 */
import * as fs from 'node:fs';
import {
  ClusterConnectionInfo,
  ControlPlaneMode,
  kubeRequest,
  KubeRequestOptions,
  KubeResponse,
  selectedK8sVersion,
  writeKubeconfig,
} from './control-plane';
import { ExpectedSkip, skipSuite } from './skips';

export const CLUSTER_ENV = 'KFWS_TEST_CLUSTER';
export const CLUSTER_FILE_ENV = 'KFWS_TEST_CLUSTER_FILE';

/** What globalSetup publishes. */
export type PublishedCluster = ({ available: true } & ClusterConnectionInfo) | { available: false; reason: string };

/** A running control plane, as seen from a test file. */
export interface ClusterConnection extends ClusterConnectionInfo {
  /** Writes a kubeconfig for another bearer token (e.g. a ServiceAccount token from TokenRequest); returns its path. */
  kubeconfigFor(token: string, user: string): string;
  /** A request as admin (or with `opts.token`) against the apiserver; `apiPath` starts with `/`. */
  request(apiPath: string, opts?: KubeRequestOptions): Promise<KubeResponse>;
}

/** Reads what globalSetup published; undefined when nothing was published. */
export function readPublishedCluster(): PublishedCluster | undefined {
  let raw = process.env[CLUSTER_ENV];
  const file = process.env[CLUSTER_FILE_ENV];
  if (!raw && file) {
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch (e) {
      return { available: false, reason: `cannot read ${CLUSTER_FILE_ENV}=${file}: ${(e as Error).message}` };
    }
  }
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as PublishedCluster;
  } catch (e) {
    return { available: false, reason: `${CLUSTER_ENV} is not valid JSON: ${(e as Error).message}` };
  }
}

/** The control plane published by globalSetup, or undefined when there is none (binaries missing, not set up). */
export function getClusterConnection(): ClusterConnection | undefined {
  const p = readPublishedCluster();
  if (!p || !p.available) return undefined;
  const info: ClusterConnectionInfo = {
    mode: p.mode,
    server: p.server,
    adminToken: p.adminToken,
    caData: p.caData,
    caFile: p.caFile,
    kubeconfigPath: p.kubeconfigPath,
    version: p.version,
    workDir: p.workDir,
    nodeName: p.nodeName,
  };
  return {
    ...info,
    kubeconfigFor: (token, user) => writeKubeconfig(info.workDir, info.server, info.caData, token, user),
    request: (apiPath, opts = {}) => kubeRequest(info.server + apiPath, { token: info.adminToken, ca: info.caData, ...opts }),
  };
}

/** Why there is no usable control plane for a suite needing `mode`, or undefined when there is one. */
export function clusterUnavailableReason(mode: ControlPlaneMode = ControlPlaneMode.API): string | undefined {
  const p = readPublishedCluster();
  if (!p) {
    return `no control plane was published (${CLUSTER_ENV} is not set): run the cluster suites through the jest project that has test/cluster/global-setup.ts`;
  }
  if (!p.available) return p.reason;
  if (mode === ControlPlaneMode.FULL && p.mode !== ControlPlaneMode.FULL) {
    return `the suite needs a ${ControlPlaneMode.FULL} control plane but the running one is ${p.mode}`;
  }
  return undefined;
}

/**
 * `describe` when a control plane (of at least `mode`; default API) is available, else `describe.skip`
 * with a printed notice. The callback receives the connection.
 */
export function describeCluster(
  name: string,
  fn: (cluster: ClusterConnection) => void,
  mode: ControlPlaneMode = ControlPlaneMode.API,
): void {
  const reason = clusterUnavailableReason(mode);
  const cluster = getClusterConnection();
  if (reason || !cluster) {
    const published = readPublishedCluster();
    const olderApiOnly = mode === ControlPlaneMode.FULL && published?.available === true && published.mode === ControlPlaneMode.API && selectedK8sVersion() !== undefined;
    skipSuite(name, reason ?? 'no control plane', olderApiOnly ? ExpectedSkip.FULL_SUITE_ON_OLDER_API_SERVER : undefined);
    return;
  }
  describe(name, () => fn(cluster));
}
