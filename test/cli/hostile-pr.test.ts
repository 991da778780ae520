/**
 * Hostile pull requests (issue #18): each class of file-set and identity attack as a real git base commit and a PR
 * commit in a temporary repository, reviewed with `kfws diff --base main manifests` as a GitOps CI job runs it. The
 * change each PR hides is forbidden (an image option in use changed, a WorkspaceKind in use removed, an immutable
 * field changed): `kfws diff` must exit non-zero with a message naming the file. Benign input next to it passes.
 */

import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../lib/cli/main';
import { escapeData, escapeProperty, formatReport, markdownText } from '../../lib/cli/report';
import { Command, Effect, ExitCode, FindingCategory, OutputFormat, Severity } from '../../lib/cli/types';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { CliResult, GitRepo, runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';

const FORBIDDEN_IMAGE = 'attacker/image:latest';
const IN_USE = 'imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed';

function workspace(name = 'alice', edit: (ws: Mutable) => void = () => undefined): Mutable {
  const ws = webhookWorkspace();
  ws.metadata.name = name;
  edit(ws);
  return ws;
}

/** The sample kind with its in-use image option changed: what every hostile PR below tries to merge. */
function changedKind(): Mutable {
  const kind = webhookKind();
  kind.spec.podTemplate.options.imageConfig.values[0].spec.image = FORBIDDEN_IMAGE;
  return kind;
}

/** main: manifests/kind.yaml and manifests/ws.yaml (a Workspace on jupyterlab_scipy_180); then branch `pr`. */
function repository(setup: (repo: GitRepo) => void = () => undefined): GitRepo {
  const repo = new GitRepo();
  repo.write('manifests/kind.yaml', yamlDocuments(webhookKind()));
  repo.write('manifests/ws.yaml', yamlDocuments(workspace()));
  setup(repo);
  repo.commit('base');
  repo.git('checkout', '-q', '-b', 'pr');
  return repo;
}

function diff(repo: GitRepo, ...options: string[]): CliResult {
  return runInProcess(['diff', '--base', 'main', ...options, 'manifests'], repo.dir);
}

/** The PR is refused: non-zero exit, and `file` named on an error line. */
function expectRefused(result: CliResult, file: string, ...substrings: string[]): void {
  expect(result.stderr).toBe('');
  expect(result.status === ExitCode.FAILED || result.status === ExitCode.UNREADABLE).toBe(true);
  const errorLines = result.stdout.split('\n').filter((l) => l.includes(': error:'));
  expect(errorLines.some((l) => l.includes(file)) ? file : errorLines).toBe(file);
  for (const s of substrings) expect(result.stdout).toContain(s);
}

/** `kfws` with standard input `stdin`. */
function runWithStdin(args: string[], cwd: string, stdin: string): CliResult {
  let stdout = '';
  let stderr = '';
  const status = run(args, {
    cwd,
    env: {},
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: (limit) => Buffer.from(stdin).subarray(0, limit + 1),
  });
  return { status, stdout, stderr };
}

describe('files kubectl applies and kfws used to skip', () => {
  test('a .json manifest: the changed kind moved to kind.json is read (refused)', () => {
    const repo = repository();
    repo.remove('manifests/kind.yaml');
    repo.write('manifests/kind.json', JSON.stringify(changedKind(), null, 2));
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/kind.json', IN_USE);
  });

  test.each(['.hidden', 'node_modules', '.config/deep'])('a folder named %s is read (refused)', (folder) => {
    const repo = repository();
    repo.remove('manifests/kind.yaml');
    repo.write(`manifests/${folder}/kind.yaml`, yamlDocuments(changedKind()));
    repo.commit('pr');
    expectRefused(diff(repo), `manifests/${folder}/kind.yaml`, IN_USE);
  });

  test('a .jsonnet file, which Argo CD evaluates, is refused', () => {
    const repo = repository();
    repo.write('manifests/kind.jsonnet', '{ apiVersion: "kubeflow.org/v1beta1" }\n');
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/kind.jsonnet', 'Argo CD evaluates it');
    expect(diff(repo).status).toBe(ExitCode.UNREADABLE);
  });
});

describe('YAML that kubectl reads otherwise than a YAML library would', () => {
  /** The base kind's YAML with the line `image: <the in-use image>` replaced by `lines(indent, image)`. */
  function kindText(lines: (indent: string, image: string) => string): string {
    const image = webhookKind().spec.podTemplate.options.imageConfig.values[0].spec.image as string;
    const text = yamlDocuments(webhookKind());
    const match = new RegExp(`^( *)image: ${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(text)!;
    return text.slice(0, match.index) + lines(match[1], image) + text.slice(match.index + match[0].length);
  }

  /** A PR that rewrites manifests/kind.yaml as `text`. */
  function prWithKind(text: string): GitRepo {
    const repo = repository();
    repo.write('manifests/kind.yaml', text);
    repo.commit('pr');
    return repo;
  }

  /** A ConfigMap document, ahead of what kubectl drops. */
  const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  namespace: default\ndata:\n  a: b\n';

  test.each([
    ['a merge key after the explicit key (go-yaml lets the merge win)', (i: string, image: string) => `${i}image: ${image}\n${i}<<: {image: "${FORBIDDEN_IMAGE}"}`],
    ['a U+2028 inside a comment (go-yaml ends the comment there)', (i: string, image: string) => `${i}image: ${image} # pinned\u2028${i}image: ${FORBIDDEN_IMAGE}`],
    ['!!binary (go-yaml decodes it)', (i: string) => `${i}image: !!binary ${Buffer.from(FORBIDDEN_IMAGE).toString('base64')}`],
  ])('%s: the changed image is seen (refused)', (_, lines) => {
    expectRefused(diff(prWithKind(kindText(lines))), 'manifests/kind.yaml', IN_USE);
  });

  test.each([
    ['an anchor name with a dot', kindText((i, image) => `${i}image: &pinned.image ${image}`)],
    ['a %YAML 1.2 directive', `%YAML 1.2\n---\n${yamlDocuments(webhookKind())}`],
  ])('%s: kubectl cannot read the file, so the sync would break (refused)', (_, text) => {
    const result = diff(prWithKind(text));
    expectRefused(result, 'manifests/kind.yaml', 'not valid YAML');
  });

  test.each([
    ['after a ... end marker', `${CONFIG_MAP}...\n${yamlDocuments(webhookKind())}`],
    ['after a --- ended by a bare CR', `${CONFIG_MAP}---\r${yamlDocuments(webhookKind())}`],
  ])('the unchanged kind %s is dropped by kubectl: the kind in use is gone (refused)', (_, text) => {
    expectRefused(diff(prWithKind(text)), 'main:manifests/kind.yaml', 'WorkspaceKind is used by 1 workspace(s)');
  });

  test('a ConfigMap with items applies the changed kind after the unchanged one (refused)', () => {
    const repo = repository();
    repo.write('manifests/zz-notes.yaml', yamlDocuments({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', namespace: 'default' }, items: [changedKind()] }));
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/zz-notes.yaml');
  });

  test('items of a WorkspaceKindList without kind and apiVersion are WorkspaceKinds to kubectl (refused)', () => {
    const { kind: _kind, apiVersion: _apiVersion, ...item } = changedKind();
    const text = yamlDocuments({ apiVersion: 'kubeflow.org/v1beta1', kind: 'WorkspaceKindList', items: [item] });
    expectRefused(diff(prWithKind(text)), 'manifests/kind.yaml', IN_USE);
  });

  test('kind: workspace (another case) is refused with its line, never read as a deletion', () => {
    const repo = repository();
    repo.write('manifests/ws.yaml', yamlDocuments(workspace()).replace('kind: Workspace', 'kind: workspace'));
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/ws.yaml', 'kind "workspace" is not "Workspace"');
  });
});

describe('kustomize folders: refused with the command that reviews the build', () => {
  test.each([['manifests/kustomization.yaml', 'manifests'], ['manifests/overlay/kustomization.yml', 'manifests/overlay'], ['manifests/Kustomization', 'manifests']])(
    '%s',
    (file, folder) => {
      const repo = repository();
      repo.write(file, 'resources: [kind.yaml]\npatches:\n- path: patch.yaml\n');
      repo.write(path.posix.join(folder, 'patch.yaml'), `apiVersion: kubeflow.org/v1beta1\nkind: WorkspaceKind\nmetadata: {name: jupyterlab}\n`);
      repo.commit('pr');
      const result = diff(repo);
      expectRefused(result, folder, 'a kustomize folder', `kustomize build ${folder} | kfws diff --base-dir /tmp/kfws-base.yaml -`, 'git worktree add --detach /tmp/kfws-base main');
      expect(result.status).toBe(ExitCode.UNREADABLE);
    },
  );

  test('the command it names works: the build on standard input, the base built the same way', () => {
    const dir = tempDir();
    writeFile(dir, 'base.yaml', yamlDocuments(webhookKind(), workspace()));
    const refused = runWithStdin(['diff', '--base-dir', 'base.yaml', '-'], dir, yamlDocuments(changedKind(), workspace()));
    expectRefused(refused, '<stdin>', IN_USE);
    const same = runWithStdin(['diff', '--base-dir', 'base.yaml', '-'], dir, yamlDocuments(webhookKind(), workspace()));
    expect(same.stdout).toBe('kfws diff: no problems in 1 file (1 Workspace, 1 WorkspaceKind)\n');
    expect(same.status).toBe(ExitCode.OK);
    // Standard input has no git revision.
    expect(runWithStdin(['diff', '--base', 'main', '-'], dir, '').stderr).toContain('standard input has no git revision');
  });
});

describe('symbolic links and submodules, at the base and at the head', () => {
  test('a link leaving the reviewed PATH is refused, naming it', () => {
    const repo = repository();
    repo.write('elsewhere/kind.yaml', yamlDocuments(changedKind()));
    repo.remove('manifests/kind.yaml');
    fs.symlinkSync('../elsewhere/kind.yaml', path.join(repo.dir, 'manifests/kind.yaml'));
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/kind.yaml', 'symbolic link to a file outside the PATH given: refused');
  });

  test('a link of the base is read as at the head: unchanged content does not look new (changed content refused)', () => {
    const repo = repository((r) => {
      r.remove('manifests/kind.yaml');
      r.write('manifests/data/kind.txt', yamlDocuments(webhookKind()));
      fs.symlinkSync('data/kind.txt', path.join(r.dir, 'manifests/kind.yaml'));
    });
    expect(diff(repo).stdout).toBe('kfws diff: no problems in 2 files (1 Workspace, 1 WorkspaceKind)\n');
    repo.write('manifests/data/kind.txt', yamlDocuments(changedKind()));
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/kind.yaml', IN_USE);
  });

  test('a link of the base leaving the PATH is refused at the base too', () => {
    const repo = repository((r) => {
      r.remove('manifests/kind.yaml');
      r.write('shared/kind.yaml', yamlDocuments(webhookKind()));
      fs.symlinkSync('../shared/kind.yaml', path.join(r.dir, 'manifests/kind.yaml'));
    });
    const result = diff(repo);
    expectRefused(result, 'main:manifests/kind.yaml', 'symbolic link to a path outside the PATH given: refused');
  });

  test('a submodule added by the PR is refused, naming it', () => {
    const repo = repository();
    const commit = repo.git('rev-parse', 'main').trim();
    repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},manifests/vendor`);
    repo.git('commit', '-q', '-m', 'pr');
    const result = diff(repo);
    expectRefused(result, 'manifests/vendor', 'a git submodule');
    expect(result.status).toBe(ExitCode.UNREADABLE);
  });

  test('a submodule of the base is refused too (its content cannot be compared)', () => {
    const repo = repository();
    repo.git('checkout', '-q', 'main');
    const commit = repo.git('rev-parse', 'main').trim();
    repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},manifests/vendor`);
    repo.git('commit', '-q', '-m', 'submodule');
    repo.git('checkout', '-q', '-B', 'pr2');
    repo.git('rm', '-q', '--cached', 'manifests/vendor');
    repo.git('commit', '-q', '-m', 'drop it');
    expectRefused(diff(repo), 'main:manifests/vendor', 'a git submodule');
  });
});

describe('--applier: the file set of each applier', () => {
  test('argocd without --recurse: a kind moved into a sub-folder is gone (refused while in use); with --recurse it is there', () => {
    const repo = repository();
    repo.remove('manifests/kind.yaml');
    repo.write('manifests/kinds/kind.yaml', yamlDocuments(webhookKind()));
    repo.commit('pr');
    expectRefused(diff(repo, '--applier', 'argocd'), 'main:manifests/kind.yaml', 'WorkspaceKind is used by 1 workspace(s)');
    expect(diff(repo, '--applier', 'argocd', '--recurse').status).toBe(ExitCode.OK);
    expect(diff(repo, '--applier', 'kubectl').status).toBe(ExitCode.OK);
  });

  test('argocd --exclude: a kind renamed into the excluded files is gone (refused); --include keeps it', () => {
    const repo = repository();
    repo.git('mv', 'manifests/kind.yaml', 'manifests/legacy-kind.yaml');
    repo.commit('pr');
    expect(diff(repo, '--applier', 'argocd', '--include', '*.yaml').status).toBe(ExitCode.OK);
    expectRefused(diff(repo, '--applier', 'argocd', '--exclude', '{legacy-*,old/*}'), 'main:manifests/kind.yaml', 'WorkspaceKind is used by 1 workspace(s)');
  });

  test('flux: a kind moved to .json is gone for Flux (refused); the default warns that Flux skips .json', () => {
    const repo = repository();
    repo.remove('manifests/kind.yaml');
    repo.write('manifests/kind.json', JSON.stringify(webhookKind()));
    repo.commit('pr');
    expectRefused(diff(repo, '--applier', 'flux'), 'main:manifests/kind.yaml', 'WorkspaceKind is used by 1 workspace(s)');
    const all = diff(repo);
    expect(all.stdout).toContain('manifests/kind.json: warning: manifests/kind.json: a .json manifest: kubectl and Argo CD apply it, Flux does not read .json files');
    expect(all.status).toBe(ExitCode.OK);
    expect(runInProcess(['diff', '--base', 'main', '--recurse', 'manifests'], repo.dir).stderr).toContain('--recurse is a setting of Argo CD directory applications');
  });
});

describe('a Workspace without a namespace', () => {
  /** main: kind and team/alice; the PR writes alice without a namespace, on another kind (an immutable field). */
  function moved(): GitRepo {
    const repo = repository((r) => r.write('manifests/ws.yaml', yamlDocuments(workspace('alice', (ws) => (ws.metadata.namespace = 'team')))));
    repo.remove('manifests/ws.yaml');
    const other = webhookKind();
    other.metadata.name = 'other';
    repo.write('manifests/other.yaml', yamlDocuments(other));
    repo.write('manifests/alice.yaml', yamlDocuments(workspace('alice', (ws) => {
      delete ws.metadata.namespace;
      ws.spec.kind = 'other';
    })));
    repo.commit('pr');
    return repo;
  }

  test('next to the same name in a namespace: refused, naming both files', () => {
    const result = diff(moved());
    expectRefused(result, 'manifests/alice.yaml', 'Workspace team/alice of main:manifests/ws.yaml', '--namespace NS');
  });

  test('with --namespace team it is team/alice: its kind cannot change, and kfws says what to do', () => {
    const result = diff(moved(), '--namespace', 'team');
    expectRefused(result, 'manifests/alice.yaml', "Workspace 'kind' is immutable", 'create the Workspace under a new name');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('alone, it is one object in both revisions (accepted)', () => {
    const repo = repository((r) => r.write('manifests/ws.yaml', yamlDocuments(workspace('alice', (ws) => delete ws.metadata.namespace))));
    repo.commit('pr');
    expect(diff(repo).status).toBe(ExitCode.OK);
  });
});

describe('--kinds and a kind of the same name in the PR', () => {
  test('another spec: refused, naming both; the same spec: one kind', () => {
    const repo = repository((r) => r.write('platform/kind.yaml', yamlDocuments(webhookKind())));
    repo.write('manifests/kind.yaml', yamlDocuments(changedKind()));
    repo.commit('pr');
    const result = diff(repo, '--kinds', 'platform');
    expectRefused(result, 'manifests/kind.yaml', 'WorkspaceKind also given with --kinds in platform/kind.yaml');
    repo.write('platform/kind.yaml', yamlDocuments(changedKind()));
    const validate = runInProcess(['validate', '--kinds', 'platform', 'manifests'], repo.dir);
    expect(validate.status).toBe(ExitCode.OK);
  });
});

describe('bounded input', () => {
  test('more than --max-total-size is refused before reading, naming the limit and the flag', () => {
    const repo = repository();
    for (let i = 0; i < 4; i++) repo.write(`manifests/ws-${i}.yaml`, yamlDocuments(workspace(`w${i}`)).repeat(1));
    repo.commit('pr');
    const result = diff(repo, '--max-total-size', '2Ki');
    expect(result.stdout).toMatch(/cannot read manifests: \d+ bytes in 6 files, more than the limit of 2048 \(--max-total-size\); nothing was checked/);
    expect(result.stdout).toContain('main:manifests');
    expect(result.status).toBe(ExitCode.UNREADABLE);
    expect(diff(repo, '--max-total-size', 'lots').stderr).toContain('--max-total-size must be a size in bytes');
  });
});

describe('what users hit on the way', () => {
  test('--base naming a branch that does not exist lists those that do', () => {
    const repo = repository();
    const result = runInProcess(['diff', '--base', 'master', 'manifests'], repo.dir);
    expect(result.stderr).toContain('unknown revision "master" (branches: "main", "pr")');
    expect(result.status).toBe(ExitCode.UNREADABLE);
  });

  test('a PATH the base does not have says so (a warning); one the head does not have is an error', () => {
    const repo = repository();
    repo.write('apps/ws.yaml', yamlDocuments(webhookKind()));
    repo.commit('pr');
    const added = runInProcess(['diff', '--base', 'main', 'apps'], repo.dir);
    expect(added.stdout).toContain('apps: warning: apps does not exist at main: everything under it is judged as new');
    expect(added.status).toBe(ExitCode.OK);
    repo.remove('manifests');
    repo.commit('gone');
    const gone = diff(repo);
    expect(gone.stdout).toContain('manifests: error: cannot read manifests: no such file or folder in the working tree, though main has it');
    expect(gone.status).toBe(ExitCode.UNREADABLE);
  });

  test("an immutable field of a WorkspaceKind says what to do", () => {
    const repo = repository();
    const kind = webhookKind();
    kind.spec.podTemplate.serviceAccount.name = 'another-account';
    repo.write('manifests/kind.yaml', yamlDocuments(kind));
    repo.commit('pr');
    expectRefused(diff(repo), 'manifests/kind.yaml', "ServiceAccount 'name' is immutable", 'add a WorkspaceKind under a new name with the new value');
  });

  test('validate of a folder without manifests exits 2 with a message', () => {
    const dir = tempDir();
    writeFile(dir, 'empty/README.md', '# nothing\n');
    const result = runInProcess(['validate', 'empty'], dir);
    expect(result.stdout).toContain('no manifests in empty');
    expect(result.status).toBe(ExitCode.UNREADABLE);
    expect(runWithStdin(['validate', '-'], dir, '').status).toBe(ExitCode.UNREADABLE);
  });
});

describe('benign standard input still passes', () => {
  const anchors = [
    '# the platform kind, then two Workspaces sharing options through an anchor',
    yamlDocuments(webhookKind()).trimEnd(),
    '---',
    'apiVersion: kubeflow.org/v1beta1',
    'kind: Workspace',
    'metadata: {name: a, namespace: default}  # trailing comment',
    'spec:',
    '  kind: jupyterlab',
    '  podTemplate:',
    '    podMetadata:',
    '      labels: &labels {team: data}',
    '      annotations: *labels',
    '    volumes: {}',
    '    options: &options {imageConfig: jupyterlab_scipy_180, podConfig: tiny_cpu}',
    '---',
    'apiVersion: kubeflow.org/v1beta1',
    'kind: Workspace',
    'metadata: {name: b, namespace: default}',
    'spec:',
    '  kind: jupyterlab',
    '  podTemplate: {volumes: {}, options: {imageConfig: jupyterlab_scipy_180, podConfig: tiny_cpu}}',
    '',
  ].join('\n');

  test('anchors, aliases, comments and many documents', () => {
    const result = runWithStdin(['validate', '-'], tempDir(), anchors);
    expect(result.stdout).toBe('kfws validate: no problems in 1 file (2 Workspaces, 1 WorkspaceKind)\n');
    expect(result.status).toBe(ExitCode.OK);
  });

  test('a proper kind: List, and JSON', () => {
    const list = yamlDocuments({ apiVersion: 'v1', kind: 'List', items: [webhookKind(), workspace('a'), workspace('b')] });
    expect(runWithStdin(['validate', '-'], tempDir(), list).stdout).toBe('kfws validate: no problems in 1 file (2 Workspaces, 1 WorkspaceKind)\n');
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [webhookKind(), workspace('a')] });
    expect(runWithStdin(['validate', '-'], tempDir(), json).status).toBe(ExitCode.OK);
  });

  test('a benign PR with a .json manifest passes (a warning about Flux only)', () => {
    const repo = repository();
    repo.write('manifests/bob.json', JSON.stringify(workspace('bob')));
    repo.commit('pr');
    const result = diff(repo);
    expect(result.stdout).toContain('Workspace default/bob: created: its Pod is started');
    expect(result.status).toBe(ExitCode.OK);
  });
});

describe('output for pull requests', () => {
  test('--format markdown: counts of Workspaces that restart, pause and break; options changed; what to do', () => {
    const repo = repository((r) => r.write('manifests/ws.yaml', yamlDocuments(workspace('alice'), workspace('carol'))));
    const kind = webhookKind();
    kind.spec.podTemplate.options.imageConfig.values[2].spec.image = 'new/image:2';
    repo.write('manifests/kind.yaml', yamlDocuments(kind));
    repo.write(
      'manifests/ws.yaml',
      yamlDocuments(
        workspace('alice', (ws) => (ws.spec.paused = true)),
        workspace('carol', (ws) => (ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190')),
        workspace('bob|@team'),
      ),
    );
    repo.commit('pr');
    const result = diff(repo, '--format', 'markdown');
    expect(result.status).toBe(ExitCode.FAILED);
    const md = result.stdout;
    expect(md).toContain('### kfws diff: this change cannot be merged as it is');
    expect(md).toContain('| pause (the Pod is stopped) | 1 |');
    expect(md).toContain('| restart now (the Pod is replaced) | 1 |');
    expect(md).toContain('| break: refused by the API server (see the errors) | 1 |');
    expect(md).toContain('| jupyterlab | imageConfig redirect\\_step\\_1 | spec changed | 0 | 0 | manifests/kind.yaml:');
    expect(md).toContain('#### What to do');
    // Names from the PR cannot break the table or mention anyone.
    expect(md).toContain('bob\\|&#64;team');
    expect(md).not.toContain('@team');
  });

  test('--format github escapes control and bidi characters, %, line breaks, and : , in properties', () => {
    expect(escapeData('a%b\r\nc\u202ed\u2066e\u200ff\u0085g\u0007')).toBe('a%25b%0D%0Ac\\u202ed\\u2066e\\u200ff\\x85g\\x07');
    expect(escapeProperty('x::y,z\u202e.yaml')).toBe('x%3A%3Ay%2Cz\\u202e.yaml');
    expect(markdownText('<b>*x*</b> `y` [z](u) #1\u202e')).toBe('&lt;b&gt;\\*x\\*&lt;/b&gt; \\`y\\` \\[z\\](u) &#35;1\\\\u202e');
    const report = {
      command: Command.VALIDATE,
      findings: [{ severity: Severity.ERROR, category: FindingCategory.RULE, file: 'evil\u202e,:lmth.yaml', line: 3, message: 'bad\n::error::forged\u2067' }],
      impacts: [],
      checked: { files: 1, workspaces: 0, workspaceKinds: 0 },
    };
    const out = formatReport(report, OutputFormat.GITHUB);
    expect(out.split('\n')[0]).toBe('::error file=evil\\u202e%2C%3Almth.yaml,line=3,title=kfws::bad%0A::error::forged\\u2067');
    expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069\r]/);
    expect(Effect.RESTARTED).toBe('restarted');
  });
});
