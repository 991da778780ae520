/**
 * A real OCI registry on this machine: the CNCF Distribution server (Debian's `docker-registry` package), on an
 * ephemeral port of 127.0.0.1 over plain HTTP, its storage in a temp folder. Images go in and out with skopeo, as a
 * release pushes and a cluster pulls them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoggedChild } from '../e2e/helpers';
import { onPath, ROOT } from './runc';

export const DOCKER_REGISTRY = process.env.DOCKER_REGISTRY || 'docker-registry';

/** skopeo needs a signature policy even for these copies: this one accepts any image (test images only). */
const POLICY = '{"default":[{"type":"insecureAcceptAnything"}]}\n';

/** The environment of the tools: no proxy (the registry is on 127.0.0.1). */
function toolEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?_proxy|all_proxy|no_proxy)$/i.test(k)) delete env[k];
  return env;
}

/** Why a local registry cannot be used here, or undefined when it can. */
export function registryUnavailable(): string | undefined {
  if (!onPath(DOCKER_REGISTRY)) return `${DOCKER_REGISTRY} not found (Debian: apt-get install docker-registry, the CNCF Distribution server; or set DOCKER_REGISTRY)`;
  if (!onPath('skopeo')) return 'skopeo not found (Debian: apt-get install skopeo; `npm run build:image` installs it when run as root)';
  return undefined;
}

export class LocalRegistry {
  /** Starts the server with a config of its own (address 127.0.0.1:0) and waits until it says where it listens. */
  static async start(): Promise<LocalRegistry> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-registry-'));
    const config = path.join(dir, 'config.yml');
    fs.writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${path.join(dir, 'storage')}`,
        'http:',
        '  addr: 127.0.0.1:0',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'policy.json'), POLICY);
    const server = new LoggedChild(spawn(DOCKER_REGISTRY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'], env: toolEnv() }));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const port = server.lines.map((l) => /msg="listening on 127\.0\.0\.1:(\d+)"/.exec(l)?.[1]).find(Boolean);
      if (port) return new LocalRegistry(dir, server, Number(port));
      if (!server.running || Date.now() > deadline) {
        server.child.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`${DOCKER_REGISTRY} did not start listening (exit ${JSON.stringify(server.exit)}):\n${server.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private constructor(
    readonly dir: string,
    readonly server: LoggedChild,
    readonly port: number,
  ) {}

  /** `127.0.0.1:<port>`, the host part of image references in this registry. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  private skopeo(args: readonly string[]): string {
    return execFileSync('skopeo', ['--policy', path.join(this.dir, 'policy.json'), ...args], { encoding: 'utf8', env: toolEnv(), stdio: 'pipe' });
  }

  /**
   * Pushes build/image with scripts/push-image.sh, as the release does (by digest, then the version tag) to
   * `<host>/<repository>`; the reference it prints, `<host>/<repository>:<version>@<digest>`.
   */
  pushBuiltImage(repository: string): string {
    return execFileSync('bash', [path.join(ROOT, 'scripts', 'push-image.sh'), '--insecure', `${this.host}/${repository}`], {
      cwd: ROOT,
      encoding: 'utf8',
      env: toolEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  /** `skopeo copy` of `<host>/<repository>@<digest>` into a new OCI layout `<dest>` under `tag`. */
  pullByDigest(repository: string, digest: string, dest: string, tag: string): void {
    this.skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${this.host}/${repository}@${digest}`, `oci:${dest}:${tag}`]);
  }

  /** The manifest the registry serves for `reference` (a tag or digest) and the digest it names it by. */
  manifest(repository: string, reference: string): Promise<{ status: number; digest: string | undefined; bodyDigest: string }> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: this.port,
          path: `/v2/${repository}/manifests/${reference}`,
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
        },
        (res) => {
          const hash = createHash('sha256');
          res.on('data', (c: Buffer) => hash.update(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, digest: res.headers['docker-content-digest'] as string | undefined, bodyDigest: `sha256:${hash.digest('hex')}` }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('registry request timed out')));
    });
  }

  async stop(): Promise<void> {
    if (this.server.running) {
      this.server.child.kill('SIGTERM');
      const timer = setTimeout(() => this.server.child.kill('SIGKILL'), 10_000);
      await this.server.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The manifest digest `<layout>:<tag>` names (index.json of an OCI image layout). */
export function layoutDigest(layout: string, tag: string): string {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const found = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (found.length !== 1) throw new Error(`${layout}: ${found.length} manifests tagged ${tag}, expected 1`);
  return found[0].digest;
}
