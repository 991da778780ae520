/**
 * The package as a user gets it: `npm pack`, then a fresh project with its own package.json and a strict tsconfig
 * (`skipLibCheck: false`) installs the tarball and its peers from the registry, type-checks and synthesizes an app
 * written only against the public API, and runs `kfws` from its node_modules.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  bundledDependencies: string[];
  repository: { url: string };
};
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Packages only the reconciler bundle uses: a consumer must neither install nor load them. */
const BUNDLE_ONLY = ['@kubernetes/client-node', 'prom-client', 'node-forge'];

// `npm_config_yes=false`: `npx kfws` must run the installed bin, never fetch a package of that name.
const ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_yes: 'false' };

/** Runs a command; a failure throws with its output, so the test log says what broke. */
function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: ENV, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

const CONSUMER_APP = `
import { App, Chart, Size } from 'cdk8s';
import {
  ApplyOrder, ImagePullPolicy, InstallMode, MemberKind, SpawnerImage, Workspace, WorkspaceKind, WorkspacesInstallChart,
  WorkspacesTenant, WorkspaceVolume,
} from '${manifest.name}';

const app = new App({ outdir: 'dist' });
new WorkspacesInstallChart(app, 'install', { mode: InstallMode.FULL });
new WorkspacesTenant(new Chart(app, 'tenants'), 'TeamA', {
  namespace: 'team-a',
  mode: InstallMode.FULL,
  members: [{ kind: MemberKind.GROUP, name: 'team-a-engineers' }],
});

const kind = new WorkspaceKind(new Chart(app, 'kinds'), 'Lab', {
  name: 'lab',
  displayName: 'Lab',
  description: 'JupyterLab for team A',
  icon: SpawnerImage.fromUrl('https://example.com/icon.png'),
  logo: SpawnerImage.fromUrl('https://example.com/logo.svg'),
  serviceAccountName: 'default-editor',
});
const http = kind.addPort({ id: 'jupyterlab', displayName: 'JupyterLab' });
kind.addImageConfig({
  id: 'scipy',
  displayName: 'SciPy',
  image: 'ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.9.0',
  imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
  ports: [{ port: http, number: 8888 }],
});
const small = kind.addPodConfig({ id: 'small', displayName: 'Small', resources: { requests: { cpu: '1', memory: '2Gi' } } });

const team = new Chart(app, 'team-a', { namespace: 'team-a' });
for (const name of ['alice', 'bob']) {
  new Workspace(team, name, {
    name,
    kind,
    podConfig: small,
    paused: name === 'bob',
    homeVolume: WorkspaceVolume.newClaim({ name: \`\${name}-home\`, size: Size.gibibytes(20) }),
  });
}
ApplyOrder.arrange(app);
app.synth();
`;

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'commonjs',
    moduleResolution: 'node',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    skipLibCheck: false,
    noUnusedLocals: true,
    noImplicitReturns: true,
    outDir: 'out',
  },
  include: ['main.ts'],
};

/**
 * Gives the stage the checkout's node_modules: links, except real copies of the bundled dependencies and the
 * packages they load from the top level, which npm packs from their path (through a link it would write `../` paths).
 */
function linkNodeModules(stage: string): void {
  const modules = path.join(ROOT, 'node_modules');
  const bundled = new Set<string>();
  const visit = (name: string): void => {
    if (bundled.has(name)) return;
    bundled.add(name);
    const dependencies = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')).dependencies ?? {};
    for (const dependency of Object.keys(dependencies)) {
      if (!fs.existsSync(path.join(modules, name, 'node_modules', dependency)) && fs.existsSync(path.join(modules, dependency))) visit(dependency);
    }
  };
  manifest.bundledDependencies.forEach(visit);
  fs.mkdirSync(path.join(stage, 'node_modules'));
  for (const entry of fs.readdirSync(modules)) {
    if (bundled.has(entry)) {
      fs.cpSync(path.join(modules, entry), path.join(stage, 'node_modules', entry), { recursive: true });
    } else {
      fs.symlinkSync(path.join(modules, entry), path.join(stage, 'node_modules', entry));
    }
  }
}

/**
 * Packs a copy of the checkout, so that `prepack`'s build writes into the copy and never under the feet of other
 * suites that load build/ of the checkout.
 */
function pack(into: string, imageDigest?: string): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-pack-stage-'));
  // What the build needs; its outputs (build/, the .jsii assembly) are made by prepack.
  const sources = [
    'package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.jsii.json', 'lib', 'imports',
    // the manifest reader's Go module and the script that builds it (or copies it from its cache)
    'reader', 'scripts',
    ...manifest.files.filter((f) => !f.startsWith('build') && f !== '.jsii'),
  ];
  for (const entry of new Set(sources)) {
    fs.cpSync(path.join(ROOT, entry), path.join(stage, entry), { recursive: true });
  }
  if (imageDigest) {
    // what scripts/pin-image-digest.mjs does before the release publishes
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify({ ...manifest, reconcilerImageDigest: imageDigest }, null, 2)}\n`);
  }
  linkNodeModules(stage);
  const out = run(NPM, ['pack', '--json', '--pack-destination', into], stage).stdout;
  // `--json` prints the packed files as JSON; prepack's own output may precede it.
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  fs.rmSync(stage, { recursive: true, force: true });
  return path.join(into, info.filename);
}

/** The digest a release records (scripts/pin-image-digest.mjs), as the package is packed in the first suite. */
const RELEASED_IMAGE_DIGEST = `sha256:${'4af6a499'.repeat(8)}`;

describe('the packed package in a fresh project, as a release publishes it (image digest recorded)', () => {
  let work: string;
  let project: string;
  let tarball: string;
  let installed: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-consumer-'));
    tarball = pack(work, RELEASED_IMAGE_DIGEST);
    project = path.join(work, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify(
        {
          name: 'kfws-consumer',
          version: '1.0.0',
          private: true,
          dependencies: { [manifest.name]: `file:${tarball}`, ...manifest.peerDependencies },
          devDependencies: { typescript: manifest.devDependencies.typescript, '@types/node': manifest.devDependencies['@types/node'] },
        },
        null,
        2,
      ),
    );
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG, null, 2));
    fs.writeFileSync(path.join(project, 'main.ts'), CONSUMER_APP);
    run(NPM, ['install'], project);
    installed = path.join(project, 'node_modules', manifest.name);
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled library, the CLI, the CRDs, the docs and the license, the jsii assembly, and no sources, tests or reconciler', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.jsii', 'build/lib/index.js', 'build/lib/index.d.ts', 'bin/kfws', 'build/reader/kfws-reader.wasm.br', 'docs/reconciler.md']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => f.startsWith('crds/')).sort()).toEqual([
      'crds/fd7a3d8e/kubeflow.org_workspacekinds.yaml',
      'crds/fd7a3d8e/kubeflow.org_workspaces.yaml',
      'crds/v2.0.0-beta.0/kubeflow.org_workspacekinds.yaml',
      'crds/v2.0.0-beta.0/kubeflow.org_workspaces.yaml',
    ]);
    // The CRDs are built from the definition and the Kubernetes schemas it embeds.
    expect(files).toContain('build/lib/core/generated/kubernetes-schemas.json');
    expect(files.filter((f) => /^(lib|test|apps|bench|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    // The controller is delivered as an image that carries its own bundle.
    expect(files.filter((f) => f.startsWith('build/lib/reconciler/'))).toEqual([]);
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
  });

  it('has runtime dependencies a consumer loads, and not the Kubernetes client or the metrics library', () => {
    for (const dep of BUNDLE_ONLY) {
      expect(manifest.dependencies[dep]).toBeUndefined();
      expect(fs.existsSync(path.join(project, 'node_modules', dep))).toBe(false);
    }
    const loaded = run(
      process.execPath,
      ['-e', `require(${JSON.stringify(manifest.name)}); require(${JSON.stringify(`${manifest.name}/build/lib/cli`)}); console.log(JSON.stringify(Object.keys(require.cache)))`],
      project,
    ).stdout;
    const packages = new Set(
      (JSON.parse(loaded) as string[]).map((f) => /node_modules[\\/]((@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1]?.replace(/\\/g, '/')).filter(Boolean),
    );
    // Everything the library and kfws load is a dependency, a peer, or the package itself.
    const allowed = new Set([manifest.name, ...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    expect([...packages].filter((p) => !allowed.has(p!))).toEqual([]);
  });

  it('type-checks an app against the public API with a strict tsconfig and skipLibCheck: false', () => {
    run(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], project);
  });

  it('synthesizes a kind, Workspaces with new claims, the install chart and a tenant', () => {
    run(process.execPath, ['out/main.js'], project);
    const dist = path.join(project, 'dist');
    const kinds = fs
      .readdirSync(dist)
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJS() as { kind: string; spec?: any }));
    const count = (kind: string): number => kinds.filter((o) => o.kind === kind).length;
    expect(count('CustomResourceDefinition')).toBe(2);
    expect(count('WorkspaceKind')).toBe(1);
    expect(count('Workspace')).toBe(2);
    expect(count('PersistentVolumeClaim')).toBe(2);
    expect(count('ResourceQuota') + count('RoleBinding')).toBeGreaterThan(0);
    const deployment = kinds.find((o) => o.kind === 'Deployment')!;
    // the released image: the tag for people, the digest the release recorded for the kubelet
    expect(deployment.spec.template.spec.containers[0].image).toBe(`ghcr.io/cdk8s-kubeflow-workspaces/reconciler:${manifest.version}@${RELEASED_IMAGE_DIGEST}`);
  });

  it('pins the reconciler image by another digest when asked', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const result = spawnSync(process.execPath, ['-e', `
      const { App } = require('cdk8s');
      const { WorkspacesInstallChart } = require(${JSON.stringify(manifest.name)});
      const chart = new WorkspacesInstallChart(new App(), 'install', { controller: { imageDigest: ${JSON.stringify(digest)} } });
      console.log(chart.controller.image);
    `], { cwd: project, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`ghcr.io/cdk8s-kubeflow-workspaces/reconciler@${digest}`);
  });

  it('runs `npx kfws validate` and `npx kfws --version` from the installed package', () => {
    const validate = spawnSync('npx', ['kfws', 'validate', 'dist'], { cwd: project, encoding: 'utf8', env: ENV });
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toMatch(/2 Workspaces, 1 WorkspaceKind/);
    expect(validate.status).toBe(0);
    // and it does check: a Workspace on an option its kind does not have is refused
    const bad = path.join(project, 'bad');
    fs.mkdirSync(bad, { recursive: true });
    const dist = path.join(project, 'dist');
    for (const f of fs.readdirSync(dist)) {
      fs.writeFileSync(path.join(bad, f), fs.readFileSync(path.join(dist, f), 'utf8').replace(/podConfig: small\b/, 'podConfig: huge'));
    }
    const refused = spawnSync('npx', ['kfws', 'validate', 'bad'], { cwd: project, encoding: 'utf8', env: ENV });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('huge');
    // docs/gitops.md: `npx kfws --version` and `npx --no -- kfws --version` print kfws's version; after an npx flag
    // without `--`, npm takes --version for itself
    expect(run('npx', ['kfws', '--version'], project).stdout.trim()).toBe(manifest.version);
    expect(run('npx', ['--no', '--', 'kfws', '--version'], project).stdout.trim()).toBe(manifest.version);
    const npmVersion = run(NPM, ['--version'], project).stdout.trim();
    expect(run('npx', ['--no', 'kfws', '--version'], project).stdout.trim()).toBe(npmVersion);
  });

  it('has README and docs links that resolve inside the installed package, or are absolute', () => {
    const broken: string[] = [];
    const docs = ['README.md', ...fs.readdirSync(path.join(installed, 'docs')).map((f) => `docs/${f}`)];
    for (const doc of docs) {
      const text = fs.readFileSync(path.join(installed, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const file = path.join(installed, path.dirname(doc), target.replace(/#.*$/, ''));
        if (!fs.existsSync(file)) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('links to the repository from package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\//);
  });
});

/** Apparent size of a folder's files, in bytes (what the install adds to a project, independent of the file system). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(file);
    else if (entry.isFile()) total += fs.statSync(file).size;
  }
  return total;
}

/** The fenced blocks of one README section, by language. */
function readmeSection(title: string): { sh: string[]; ts: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  const blocks = (lang: string) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
  return { sh: blocks('sh'), ts: blocks('ts') };
}

/**
 * The files `cdk8s init typescript-app` writes, rendered as its init command does, with the versions of the cdk8s-cli
 * this repository installs. Its post-init hook is not run: it would run `cdk8s import k8s`, which downloads a schema
 * from the internet (the README says so), and the template's own tests.
 */
function cdk8sInitTypescriptApp(project: string): void {
  const cliDir = path.dirname(require.resolve('cdk8s-cli/package.json'));
  const cli = JSON.parse(fs.readFileSync(path.join(cliDir, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const versionOf = (name: string): string =>
    (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [cliDir] }), 'utf8')) as { version: string }).version;
  const vars: Record<string, string> = {
    $base: path.basename(project),
    cdk8s_core_version: versionOf('cdk8s'),
    cdk8s_plus_version: versionOf('cdk8s-plus-33'),
    constructs_version: cli.dependencies.constructs.replace('^', ''),
    cdk8s_cli_spec: `^${cli.version}`,
  };
  const template = path.join(cliDir, 'templates', 'typescript-app');
  for (const file of ['package.json', 'cdk8s.yaml', 'tsconfig.json', 'main.ts']) {
    const text = fs.readFileSync(path.join(template, file), 'utf8').replace(/\{\{\s*([$\w]+)\s*\}\}/g, (m, name: string) => {
      if (!(name in vars)) throw new Error(`template variable ${m} of ${file} unknown to this test`);
      return vars[name];
    });
    fs.writeFileSync(path.join(project, file), text);
  }
}

/** Ceiling of what installing the package adds to a fresh cdk8s project (node_modules, apparent size). */
const MAX_ADDED_BYTES = 8 * 1024 * 1024;

describe('the README\'s "Use it in your project", in a fresh cdk8s project', () => {
  let work: string;
  let project: string;
  let added: number;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-readme-'));
    const tarball = pack(work);
    project = path.join(work, 'my-platform');
    fs.mkdirSync(project);
    cdk8sInitTypescriptApp(project);
    run(NPM, ['install'], project);
    const before = folderBytes(path.join(project, 'node_modules'));
    // The README's `npm install cdk8s-kubeflow-workspaces`, from the packed tarball instead of the registry.
    run(NPM, ['install', tarball], project);
    added = folderBytes(path.join(project, 'node_modules')) - before;
    process.stdout.write(`size added to a fresh cdk8s project by installing ${manifest.name}: ${(added / 1024 / 1024).toFixed(2)} MiB\n`);
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('tells the two commands: cdk8s init with the install line, then cdk8s synth', () => {
    const [commands] = readmeSection('Use it in your project').sh;
    expect(commands.trim().split('\n')).toEqual([`npx cdk8s-cli init typescript-app && npm install ${manifest.name}`, 'npx cdk8s synth']);
  });

  it(`adds at most ${MAX_ADDED_BYTES / 1024 / 1024} MiB to the project, as much as the CHANGELOG says (to 0.25 MiB)`, () => {
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(MAX_ADDED_BYTES);
    const quoted = Number(/adds ([\d.]+) MiB to a fresh cdk8s project/.exec(fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'))?.[1]);
    expect(Math.abs(quoted - added / 1024 / 1024)).toBeLessThanOrEqual(0.25);
  });

  it('synthesizes the README\'s main.ts with the template\'s cdk8s.yaml and tsconfig (type-checked by ts-node)', () => {
    const [main] = readmeSection('Use it in your project').ts;
    fs.writeFileSync(path.join(project, 'main.ts'), main);
    run('npx', ['--no', 'cdk8s', 'synth'], project);
    const dist = path.join(project, 'dist');
    expect(fs.readdirSync(dist).sort()).toEqual(['10-install.k8s.yaml', '20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-ml.k8s.yaml']);
    const objects = fs
      .readdirSync(dist)
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJS() as { kind: string; spec?: any }));
    const count = (kind: string): number => objects.filter((o) => o.kind === kind).length;
    expect([count('CustomResourceDefinition'), count('WorkspaceKind'), count('Workspace'), count('PersistentVolumeClaim'), count('Deployment')]).toEqual([2, 1, 1, 1, 1]);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.containers[0].image).toBe(`ghcr.io/cdk8s-kubeflow-workspaces/reconciler:${manifest.version}`);
  });

  it('reviews dist/ with the kfws the package installs, as "Reviewing changes in CI" shows', () => {
    const validate = run('npx', ['--no', 'kfws', 'validate', 'dist/'], project);
    expect(validate.stdout).toMatch(/1 Workspace, 1 WorkspaceKind/);
  });
});

