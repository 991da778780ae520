/** Helpers the benchmarks share for the reconciler processes they start. */
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** Peak resident set size of a process (Linux, VmHWM), in MiB. */
export function peakMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** SIGTERM to a child that is still running, and its exit. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
