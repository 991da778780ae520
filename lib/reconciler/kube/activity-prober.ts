/**
 * The activity probes of v2.0.0-beta.0 (docs/upstream-v2-beta.md §4.9.3) as I/O: the Jupyter probe is a plain HTTP GET
 * to the Pod's IP and port (no authentication), the podExec probe runs the Kind's script through the `pods/exec`
 * subresource. What an answer means is decided in lib/core/activity.ts.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { JupyterResponse, podExecShell, PodExecResponse, PROBE_OUTPUT_MAX_BYTES } from '../../core/activity';
import { MAIN_CONTAINER_NAME } from '../../core/render';
import { exitCodeOf } from './activity-transport';
import { ActivityProber, jupyterGet } from '../activity-probe';

/** Collects up to {@link PROBE_OUTPUT_MAX_BYTES}; the rest is dropped. */
class CappedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const room = PROBE_OUTPUT_MAX_BYTES - this.size;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.size += part.length;
    }
    done();
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export class PodActivityProber implements ActivityProber {
  private readonly execClient?: Exec;

  /** Without a KubeConfig only the Jupyter probe works (podExec answers with an error). */
  constructor(kubeConfig?: KubeConfig) {
    this.execClient = kubeConfig ? new Exec(kubeConfig) : undefined;
  }

  jupyter(url: string): Promise<JupyterResponse> {
    return jupyterGet(url);
  }

  podExec(target: { readonly namespace: string; readonly pod: string }, script: string, timeoutSeconds: number): Promise<PodExecResponse> {
    const execClient = this.execClient;
    if (!execClient) return Promise.resolve({ kind: 'error', message: 'exec is not configured' });
    const stdout = new CappedSink();
    const stderr = new CappedSink();
    const command = ['/bin/sh', '-c', podExecShell(randomBytes(16).toString('hex'))];
    return new Promise<PodExecResponse>((resolve) => {
      let settled = false;
      let socket: { close(): void } | undefined;
      const settle = (r: PodExecResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket?.close();
        resolve(r);
      };
      const timer = setTimeout(() => settle({ kind: 'timeout', timeoutSeconds }), timeoutSeconds * 1000);
      execClient
        .exec(target.namespace, target.pod, MAIN_CONTAINER_NAME, command, stdout, stderr, Readable.from([script]), false, (status) => {
          try {
            settle({ kind: 'exit', exitCode: exitCodeOf(status), stdout: stdout.text });
          } catch (err) {
            settle({ kind: 'error', message: (err as Error).message });
          }
        })
        .then((ws) => {
          socket = ws;
          if (settled) ws.close();
          ws.on('close', () => settle({ kind: 'error', message: 'exec stream closed without a status' }));
        })
        .catch((err: unknown) => settle({ kind: 'error', message: (err as Error).message ?? String(err) }));
    });
  }
}
