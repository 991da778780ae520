/** Temporary folders and git repositories with manifests, and ways to run kfws on them. */

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { run } from '../../lib/cli/main';
import { ExitCode } from '../../lib/cli/types';

export const ROOT = path.join(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'kfws');

export interface CliResult {
  readonly status: ExitCode | number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const temps: string[] = [];
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A temporary folder, removed after the test file. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-test-'));
  temps.push(dir);
  return dir;
}

/**
 * 1-based number of the first line containing `needle`, after lines containing each of `after` in turn: an oracle
 * for line numbers that does not share code with the YAML-tree walk under test.
 */
export function lineContaining(text: string, needle: string, ...after: string[]): number {
  const lines = text.split('\n');
  let start = 0;
  for (const anchor of [...after, needle]) {
    const index = lines.findIndex((l, i) => i >= start && l.includes(anchor));
    if (index === -1) throw new Error(`no line with ${JSON.stringify(anchor)}`);
    start = index;
  }
  return start + 1;
}

/** Objects as YAML documents, written the way cdk8s writes them. */
export function yamlDocuments(...objects: unknown[]): string {
  // YAML 1.1, as cdk8s writes and kubectl reads it: a string such as `n` or `yes` is quoted.
  return objects.map((o) => stringify(o, { lineWidth: 0, version: '1.1' })).join('---\n');
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** bin/kfws in a child process: the real entry point, exit status and all. */
export function runCli(args: readonly string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI in this process (same code as bin/kfws runs, without process start-up). */
export function runInProcess(args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}): CliResult {
  let stdout = '';
  let stderr = '';
  const status = run(args, { cwd, env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

/** A git repository in a temporary folder. */
export class GitRepo {
  readonly dir = tempDir();

  constructor() {
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=kfws test', '-c', 'user.email=kfws@example.com', ...args], {
      cwd: this.dir,
      encoding: 'utf8',
    });
  }

  write(name: string, text: string): void {
    writeFile(this.dir, name, text);
  }

  remove(name: string): void {
    fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
  }

  /** Stages everything and commits; returns the commit hash. */
  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }
}
