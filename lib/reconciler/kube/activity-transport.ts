/**
 * The production activity-probe transport: everything goes through the API server, so the reconciler needs no
 * network path to Workspace Pods. Jupyter: the Service proxy subresource (RBAC `services/proxy` get). Exec:
 * pods/exec over WebSocket, through @kubernetes/client-node's Exec. Both are granted per namespace (the culling
 * rules, bound by each tenant); a 403 becomes an ActivityProbeForbiddenError (see `activityProbeError`).
 */
import { Writable } from 'node:stream';
import { Exec, KubeConfig, V1Status } from '@kubernetes/client-node';
import { activityProbeError, ActivityTransport, JupyterTarget } from '../culling';
import { KubeClient } from './client';
import { PATHS } from '../../core/kube-objects';

/** Exit code of a finished exec from its Status (`Success`, or `NonZeroExitCode` with an `ExitCode` cause). */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : NaN;
  if (status.reason === 'NonZeroExitCode' && Number.isInteger(code)) return code;
  throw new Error(`exec failed: ${status.message ?? status.reason ?? 'unknown error'}`);
}

export class ApiServerActivityTransport implements ActivityTransport {
  private readonly execClient: Exec;

  constructor(
    private readonly client: KubeClient,
    kubeConfig: KubeConfig,
  ) {
    this.execClient = new Exec(kubeConfig);
  }

  async jupyterStatus(target: JupyterTarget, timeoutMs: number): Promise<string> {
    try {
      return await this.client.request<string>('GET', PATHS.serviceProxy(target.namespace, target.service, target.port, target.path), {
        raw: true,
        timeoutMs,
      });
    } catch (err) {
      throw activityProbeError(err, target.namespace, 'services/proxy');
    }
  }

  async exec(
    target: { namespace: string; pod: string; container: string; command: readonly string[] },
    timeoutMs: number,
  ): Promise<number> {
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      let socket: { close(): void } | undefined;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket?.close();
        fn();
      };
      const timer = setTimeout(() => settle(() => reject(new Error(`exec timed out after ${timeoutMs} ms`))), timeoutMs);
      this.execClient
        .exec(target.namespace, target.pod, target.container, [...target.command], discard, discard, null, false, (status) => {
          settle(() => {
            try {
              resolve(exitCodeOf(status));
            } catch (err) {
              reject(err);
            }
          });
        })
        .then((ws) => {
          socket = ws;
          if (settled) ws.close();
          ws.on('close', () => settle(() => reject(new Error('exec stream closed without a status'))));
        })
        .catch((err: unknown) => settle(() => reject(activityProbeError(err, target.namespace, 'pods/exec'))));
    });
  }
}
