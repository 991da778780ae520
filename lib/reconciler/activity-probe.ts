/**
 * How the v2.0.0-beta.0 reconcile reaches a Workspace's Pod for activity probes (docs/upstream-v2-beta.md §4.9.3); the
 * production implementation is kube/activity-prober.ts, tests inject their own.
 */
import * as http from 'node:http';
import { JUPYTER_PROBE_TIMEOUT_MS, JupyterResponse, PodExecResponse, PROBE_OUTPUT_MAX_BYTES } from '../core/activity';

export interface ActivityProber {
  /** GET `url`; a timeout after {@link JUPYTER_PROBE_TIMEOUT_MS} is reported as such, never thrown. */
  jupyter(url: string): Promise<JupyterResponse>;
  /** Runs `script` (stdin) in the Pod's `main` container with the staging shell of beta §4.9.3. */
  podExec(target: { readonly namespace: string; readonly pod: string }, script: string, timeoutSeconds: number): Promise<PodExecResponse>;
}

/** `http://<podIP>:<port><path>`; IPv6 addresses are bracketed (upstream does not, beta quirk 18). */
export function podUrl(podIP: string, port: number, path: string): string {
  const host = podIP.includes(':') ? `[${podIP}]` : podIP;
  return `http://${host}:${port}${path}`;
}

/** The Jupyter probe's request: a plain GET (no authentication), the body read up to 1 MiB; never throws. */
export function jupyterGet(url: string, timeoutMs = JUPYTER_PROBE_TIMEOUT_MS): Promise<JupyterResponse> {
  return new Promise<JupyterResponse>((resolve) => {
    let settled = false;
    const settle = (r: JupyterResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = http.get(url, { agent: false, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= PROBE_OUTPUT_MAX_BYTES) return;
        const part = chunk.subarray(0, PROBE_OUTPUT_MAX_BYTES - size);
        chunks.push(part);
        size += part.length;
        if (size >= PROBE_OUTPUT_MAX_BYTES) res.destroy();
      });
      const done = (): void => settle({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      res.on('end', done);
      res.on('close', done);
      res.on('error', (err) => settle({ kind: 'error', message: `unable to read response body: ${err.message}` }));
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => settle({ kind: 'error', message: err.message }));
  });
}
