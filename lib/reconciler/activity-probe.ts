/**
 * How the v2.0.0-beta.0 reconcile reaches a Workspace's Pod for activity probes (upstream-v2-beta §4.9.3); the
 * production implementation is kube/activity-prober.ts, tests inject their own.
 */
import { JupyterResponse, PodExecResponse } from '../core/activity';

export interface ActivityProber {
  /** GET `url`; a timeout after {@link JUPYTER_PROBE_TIMEOUT_MS} is reported as such, never thrown. */
  jupyter(url: string): Promise<JupyterResponse>;
  /** Runs `script` (stdin) in the Pod's `main` container with the staging shell of beta §4.9.3. */
  podExec(target: { readonly namespace: string; readonly pod: string }, script: string, timeoutSeconds: number): Promise<PodExecResponse>;
}

/** `http://<podIP>:<port><path>`; IPv6 addresses are bracketed (upstream does not, beta Appendix A #18). */
export function podUrl(podIP: string, port: number, path: string): string {
  const host = podIP.includes(':') ? `[${podIP}]` : podIP;
  return `http://${host}:${port}${path}`;
}

