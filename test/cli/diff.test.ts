// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import * as path from 'path';
import { diffManifests } from '../../lib/cli/check';
import { readManifests } from '../../lib/cli/manifests';
import { Effect, ExitCode, Severity } from '../../lib/cli/types';
import * as workspacePlan from '../../lib/core/workspace-plan';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { GitRepo, lineContaining, runCli, runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';

jest.setTimeout(120_000);

const KIND_FILE = 'manifests/kinds/jupyterlab.yaml';
const WS_FILE = 'manifests/team/workspaces.yaml';

function images(kind: Mutable): Mutable[] {
  return kind.spec.podTemplate.options.imageConfig.values;
}

function pods(kind: Mutable): Mutable[] {
  return kind.spec.podTemplate.options.podConfig.values;
}

function pod(kind: Mutable, id: string): Mutable {
  return pods(kind).find((v: Mutable) => v.id === id);
}

function workspace(edit: (ws: Mutable) => void = () => undefined): Mutable {
  const ws = webhookWorkspace();
  edit(ws);
  return ws;
}

/**
 * A repository whose first commit has the upstream webhook tests' Kind (and, optionally, their Workspace on
 * `jupyterlab_scipy_180` / `tiny_cpu`). Each change is a second commit on a branch from the first, checked with
 * `kfws diff --base HEAD~1 manifests`.
 */
class Fixture {
  readonly repo = new GitRepo();
  private branches = 0;

  constructor(workspaces: Mutable[] = [webhookWorkspace()]) {
    this.repo.write(KIND_FILE, yamlDocuments(webhookKind()));
    if (workspaces.length > 0) this.repo.write(WS_FILE, yamlDocuments(...workspaces));
    this.repo.commit('base');
    this.repo.git('tag', 'base');
  }

  /** Commits the new revision (files written by `change`) and runs the diff in process. */
  diff(change: (repo: GitRepo) => void, ...extraArgs: string[]): { status: number | null; stdout: string; stderr: string } {
    this.repo.git('checkout', '-q', '-B', `change-${++this.branches}`, 'base');
    change(this.repo);
    this.repo.commit('change');
    return runInProcess(['diff', '--base', 'HEAD~1', 'manifests', ...extraArgs], this.repo.dir);
  }

  /** The new revision with the Kind edited. */
  diffKind(edit: (kind: Mutable) => void): { status: number | null; stdout: string; text: string } {
    const kind = webhookKind();
    edit(kind);
    const text = yamlDocuments(kind);
    return { ...this.diff((repo) => repo.write(KIND_FILE, text)), text };
  }
}

type Expectation = string[] | 'accepted';

describe('kfws diff: the WorkspaceKind update scenarios of §6.5, through a git repository', () => {
  const withWorkspace = new Fixture();
  const noWorkspace = new Fixture([]);

  const cases: [string, (k: Mutable) => void, Expectation, Fixture?][] = [
    ['U1 reverse the imageConfig values', (k) => images(k).reverse(), 'accepted'],
    ['U2 reverse the podConfig values', (k) => pods(k).reverse(), 'accepted'],
    ['U3 change the image of the in-use jupyterlab_scipy_180', (k) => (images(k)[0].spec.image = 'new-image:latest'), [
      'imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed',
    ]],
    ['U4 change the resources of the in-use tiny_cpu', (k) => (pod(k, 'tiny_cpu').spec.resources.limits = { cpu: '1.5' }), [
      'podConfig value "tiny_cpu" is in use and cannot be changed',
    ]],
    ['U5 change the image of the unused value[1]', (k) => (images(k)[1].spec.image = 'new-image:latest'), 'accepted'],
    ['U6 change the resources of the unused small_cpu', (k) => (pod(k, 'small_cpu').spec.resources.limits = { cpu: '1.5' }), 'accepted'],
    ['U7 remove the in-use jupyterlab_scipy_180', (k) => images(k).splice(0, 1), [
      'imageConfig value "jupyterlab_scipy_180" is in use and cannot be removed',
    ]],
    ['U8 remove the in-use tiny_cpu', (k) => pods(k).splice(0, 1), ['podConfig value "tiny_cpu" is in use and cannot be removed']],
    ['U9 remove the unused imageConfig redirect_step_1', (k) => images(k).splice(2, 1), 'accepted'],
    ['U10 remove the unused podConfig redirect_step_1', (k) => pods(k).splice(3, 1), 'accepted'],
    ['U11 remove the default imageConfig (no Workspace)', (k) => images(k).splice(1, 1), [
      'spec.podTemplate.options.imageConfig.spawner.default: Invalid value: "jupyterlab_scipy_190": default imageConfig "jupyterlab_scipy_190" not found',
    ], noWorkspace],
    ['U12 remove the default podConfig', (k) => pods(k).splice(0, 1), ['default podConfig "tiny_cpu" not found']],
    ['U13 remove the imageConfig redirect target redirect_step_2', (k) => images(k).splice(3, 1), [
      'target imageConfig "redirect_step_2" does not exist',
    ]],
    ['U14 remove the podConfig redirect target redirect_step_2', (k) => pods(k).splice(4, 1), ['target podConfig "redirect_step_2" does not exist']],
    ['U15 remove a whole imageConfig redirect chain', (k) => images(k).splice(2, 3), 'accepted'],
    ['U16 remove a whole podConfig redirect chain', (k) => pods(k).splice(3, 3), 'accepted'],
    ['U17 imageConfig redirect to itself', (k) => (images(k)[1].redirect = { to: 'jupyterlab_scipy_190' }), [
      'imageConfig redirect cycle detected: [jupyterlab_scipy_190]',
    ]],
    ['U18 podConfig redirect cycle', (k) => {
      pod(k, 'tiny_cpu').redirect = { to: 'small_cpu' };
      pod(k, 'small_cpu').redirect = { to: 'tiny_cpu' };
    }, ['podConfig redirect cycle detected: [']],
    ['U19 imageConfig redirect to a missing id', (k) => (images(k)[1].redirect = { to: 'invalid_image_config' }), [
      'target imageConfig "invalid_image_config" does not exist',
    ]],
    ['U20 podConfig redirect to a missing id', (k) => (pod(k, 'small_cpu').redirect = { to: 'invalid_pod_config' }), [
      'target podConfig "invalid_pod_config" does not exist',
    ]],
    ['U21 imageConfig default to a missing id', (k) => (k.spec.podTemplate.options.imageConfig.spawner.default = 'invalid_image_config'), [
      'default imageConfig "invalid_image_config" not found',
    ]],
    ['U22 podConfig default to a missing id', (k) => (k.spec.podTemplate.options.podConfig.spawner.default = 'invalid_pod_config'), [
      'default podConfig "invalid_pod_config" not found',
    ]],
    ['U23 two ports 8888 in the unused value[1]', (k) => (images(k)[1].spec.ports = [{ id: 'jupyterlab', port: 8888 }, { id: 'my_port', port: 8888 }]), [
      'port 8888 is defined more than once',
    ]],
    ['U24 duplicate Kind port id', (k) => (k.spec.podTemplate.ports[1].id = 'jupyterlab'), ['Duplicate value:', 'jupyterlab']],
    ['U25 Kind port id renamed', (k) => (k.spec.podTemplate.ports[0].id = 'non-existent-port-id'), ['"jupyterlab": missing from spec.podTemplate.ports']],
    ['U26 bad podMetadata label key', (k) => (k.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'some-value' } }), [
      'spec.podTemplate.podMetadata.labels: Invalid value: "!bad-key!"',
    ]],
    ['U27 bad podMetadata annotation key', (k) => (k.spec.podTemplate.podMetadata = { annotations: { '!bad-key!': 'some-value' } }), [
      'spec.podTemplate.podMetadata.annotations: Invalid value: "!bad-key!"',
    ]],
    ['U28 unterminated template action', (k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }'), [
      'failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }"',
    ]],
    ['U29 extra whitespace inside the action', (k) => (k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab"   }}'), 'accepted'],
  ];

  test.each(cases)('%s', (_name, edit, expected, fixture = withWorkspace) => {
    const { status, stdout } = fixture.diffKind(edit);
    if (expected === 'accepted') {
      expect(stdout).not.toContain(': error:');
      expect(status).toBe(ExitCode.OK);
    } else {
      const errors = stdout.split('\n').filter((l) => l.includes(': error: WorkspaceKind jupyterlab (document 1): '));
      for (const s of expected) expect(errors.some((l) => l.includes(s)) ? s : stdout).toBe(s);
      expect(status).toBe(ExitCode.FAILED);
    }
  });

  test('findings point at the changed node in the new revision', () => {
    const { stdout, text } = withWorkspace.diffKind((k) => (images(k)[0].spec.image = 'new-image:latest'));
    expect(stdout.split('\n')[0]).toBe(
      `${KIND_FILE}:${lineContaining(text, '- id: jupyterlab_scipy_180')}: error: WorkspaceKind jupyterlab (document 1): ` +
        'spec.podTemplate.options.imageConfig.values[jupyterlab_scipy_180]: Invalid value: "jupyterlab_scipy_180": imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed',
    );
  });

  test('an unchanged revision passes', () => {
    const { status, stdout } = withWorkspace.diff(() => undefined);
    expect(stdout).toBe('kfws diff: no problems in 2 files (1 Workspace, 1 WorkspaceKind)\n');
    expect(status).toBe(ExitCode.OK);
  });
});

describe('kfws diff: Workspace and deletion rules', () => {
  const fixture = new Fixture();

  test("a Workspace's kind cannot change", () => {
    const other = webhookKind();
    other.metadata.name = 'other';
    const moved = workspace((ws) => (ws.spec.kind = 'other'));
    const { status, stdout } = fixture.diff((repo) => {
      repo.write('manifests/kinds/other.yaml', yamlDocuments(other));
      repo.write(WS_FILE, yamlDocuments(moved));
    });
    expect(stdout).toContain(`${WS_FILE}:${lineContaining(yamlDocuments(moved), 'kind: other')}: error: Workspace default/webhook-workspace (document 1): spec.kind: Invalid value: "other": Workspace 'kind' is immutable`);
    expect(status).toBe(ExitCode.FAILED);
  });

  test('a Workspace option changed to one its kind does not have', () => {
    const { status, stdout } = fixture.diff((repo) => repo.write(WS_FILE, yamlDocuments(workspace((ws) => (ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_200')))));
    expect(stdout).toContain(
      'spec.podTemplate.options.imageConfig: Invalid value: "jupyterlab_scipy_200": imageConfig with id "jupyterlab_scipy_200" not found in workspace kind "jupyterlab"',
    );
    expect(status).toBe(ExitCode.FAILED);
  });

  test("a Workspace's changed pod labels are checked", () => {
    const labelled = workspace((ws) => (ws.spec.podTemplate.podMetadata = { labels: { 'team/a/b': 'x' } }));
    const { status, stdout } = fixture.diff((repo) => repo.write(WS_FILE, yamlDocuments(labelled)));
    expect(stdout).toContain(
      `${WS_FILE}:${lineContaining(yamlDocuments(labelled), 'labels:')}: error: Workspace default/webhook-workspace (document 1): spec.podTemplate.podMetadata.labels: Invalid value: "team/a/b": `,
    );
    expect(status).toBe(ExitCode.FAILED);
  });

  test('immutable WorkspaceKind fields: service account name and home mount path', () => {
    const { status, stdout } = fixture.diffKind((k) => {
      k.spec.podTemplate.serviceAccount.name = 'another-account';
      k.spec.podTemplate.volumeMounts.home = '/home/other';
    });
    expect(stdout).toContain('spec.podTemplate.serviceAccount.name: Invalid value: "another-account": ServiceAccount \'name\' is immutable');
    expect(stdout).toContain('spec.podTemplate.volumeMounts.home: Invalid value: "/home/other": mount path of \'home\' is immutable');
    expect(status).toBe(ExitCode.FAILED);
  });

  test('a removed WorkspaceKind still used by a Workspace of the base', () => {
    const { status, stdout } = fixture.diff((repo) => repo.remove(KIND_FILE));
    expect(stdout).toContain(
      `HEAD~1:${KIND_FILE}:1: error: WorkspaceKind jupyterlab (document 1): status.workspaces: Conflict: 1: ` +
        'Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab": WorkspaceKind is used by 1 workspace(s)',
    );
    expect(status).toBe(ExitCode.FAILED);
  });

  test('removing a WorkspaceKind together with its Workspaces is still refused while they exist', () => {
    const { status, stdout } = fixture.diff((repo) => repo.remove('manifests'));
    expect(stdout).toContain('WorkspaceKind is used by 1 workspace(s)');
    // The PATH reviewed is gone: said so (exit 2), with what the deletion does.
    expect(stdout).toContain('cannot read manifests: no such file or folder in the working tree, though HEAD~1 has it');
    expect(status).toBe(ExitCode.UNREADABLE);
  });

  test('removing an unused WorkspaceKind is fine', () => {
    const other = webhookKind();
    other.metadata.name = 'other';
    const repo = new GitRepo();
    repo.write('manifests/kinds.yaml', yamlDocuments(webhookKind(), other));
    repo.commit('base');
    repo.write('manifests/kinds.yaml', yamlDocuments(webhookKind()));
    repo.commit('remove other');
    const result = runInProcess(['diff', '--base', 'HEAD~1', 'manifests'], repo.dir);
    expect(result.stdout).toBe('kfws diff: no problems in 1 file (0 Workspaces, 1 WorkspaceKind)\n');
  });

  test('"in use" counts Workspaces of the new revision', () => {
    const { status, stdout } = fixture.diff((repo) => {
      const kind = webhookKind();
      images(kind)[1].spec.image = 'new-image:latest';
      repo.write(KIND_FILE, yamlDocuments(kind));
      repo.write(WS_FILE, yamlDocuments(webhookWorkspace(), workspace((ws) => {
        ws.metadata.name = 'newcomer';
        ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
      })));
    });
    expect(stdout).toContain('imageConfig value "jupyterlab_scipy_190" is in use and cannot be changed');
    expect(status).toBe(ExitCode.FAILED);
  });

  test('"in use" counts Workspaces of the base revision, even when the change deletes them', () => {
    const { status, stdout } = fixture.diff((repo) => {
      const kind = webhookKind();
      images(kind).splice(0, 1);
      repo.write(KIND_FILE, yamlDocuments(kind));
      repo.remove(WS_FILE);
    });
    expect(stdout).toContain('imageConfig value "jupyterlab_scipy_180" is in use and cannot be removed');
    expect(status).toBe(ExitCode.FAILED);
  });
});

describe('kfws diff: what the change does to Workspaces', () => {
  const running = workspace((ws) => {
    ws.metadata.name = 'running';
    ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
  });
  const paused = workspace((ws) => {
    ws.metadata.name = 'paused';
    ws.spec.paused = true;
    ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
  });
  const deferred = workspace((ws) => {
    ws.metadata.name = 'deferred';
    ws.spec.paused = true;
    ws.spec.deferUpdates = true;
    ws.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
  });
  const fixture = new Fixture([running, paused, deferred]);
  const impacts = (stdout: string) => stdout.split('What this change does to Workspaces:\n')[1]?.split('\n\n')[0].split('\n') ?? [];

  test('a new redirect: pending restart for running Workspaces, followed at once by paused ones', () => {
    const { status, stdout } = fixture.diffKind((k) => (images(k)[1].redirect = { to: 'redirect_step_3' }));
    expect(impacts(stdout)).toEqual([
      `  ${WS_FILE}:1: Workspace default/running: pending restart: imageConfig jupyterlab_scipy_190 → redirect_step_3; applied when the Workspace is paused`,
      `  ${WS_FILE}:${lineContaining(yamlDocuments(running, paused, deferred), 'apiVersion', 'name: running')}: Workspace default/paused: paused: the reconciler switches it to the redirect target (imageConfig jupyterlab_scipy_190 → redirect_step_3)`,
      `  ${WS_FILE}:${lineContaining(yamlDocuments(running, paused, deferred), 'apiVersion', 'name: paused')}: Workspace default/deferred: pending restart: imageConfig jupyterlab_scipy_190 → redirect_step_3; held back by deferUpdates`,
    ]);
    expect(status).toBe(ExitCode.OK);
  });

  test('a changed Kind field restarts running Pods; pausing and unpausing', () => {
    const { stdout } = fixture.diff((repo) => {
      const kind = webhookKind();
      kind.spec.podTemplate.extraEnv[0].value = '/custom{{ httpPathPrefix "jupyterlab" }}';
      repo.write(KIND_FILE, yamlDocuments(kind));
      repo.write(WS_FILE, yamlDocuments(running, { ...paused, spec: { ...paused.spec, paused: false } }, deferred));
    });
    expect(impacts(stdout).map((l) => l.replace(/:\d+:/, ':N:'))).toEqual([
      `  ${WS_FILE}:N: Workspace default/running: its Pod is replaced: the Pod template changes (spec.containers[main].env[NB_PREFIX].value)`,
      `  ${WS_FILE}:N: Workspace default/paused: unpaused: its Pod is started`,
    ]);
  });

  test('created, deleted, and a Workspace whose kind disappears; a refused Workspace has no effects', () => {
    const { stdout } = fixture.diff((repo) => {
      repo.remove(KIND_FILE);
      repo.write(WS_FILE, yamlDocuments(running, workspace((ws) => (ws.metadata.name = 'fresh'))));
    });
    // `fresh` is new and its kind is nowhere: the webhook refuses its create (a finding), so it is never created.
    expect(stdout).toMatch(/Workspace default\/fresh \(document 2\): spec\.kind: .*workspace kind "jupyterlab" not found/);
    expect(impacts(stdout).map((l) => l.replace(/:\d+:/, ':N:'))).toEqual([
      `  HEAD~1:${WS_FILE}:N: Workspace default/paused: deleted, with its StatefulSet, Service and Pod; its volumes stay`,
      `  HEAD~1:${WS_FILE}:N: Workspace default/deferred: deleted, with its StatefulSet, Service and Pod; its volumes stay`,
      `  ${WS_FILE}:N: Workspace default/running: goes to state Error: Workspace references unknown WorkspaceKind: jupyterlab`,
    ]);
  });

  test('redirects: the whole chain, also when a paused Workspace is switched to the target', () => {
    const { stdout } = fixture.diff((repo) => {
      const onChain = (ws: Mutable): Mutable => ({ ...ws, spec: { ...ws.spec, podTemplate: { ...ws.spec.podTemplate, options: { ...ws.spec.podTemplate.options, imageConfig: 'redirect_step_1' } } } });
      repo.write(WS_FILE, yamlDocuments(onChain(running), onChain(paused), onChain(deferred)));
    });
    const chain = 'imageConfig redirect_step_1 → redirect_step_2 → redirect_step_3';
    expect(impacts(stdout).map((l) => l.replace(/:\d+:/, ':N:'))).toEqual([
      `  ${WS_FILE}:N: Workspace default/running: its Pod is replaced: the Pod template changes (spec.containers[main].image, spec.containers[main].ports[http-8888], spec.containers[main].ports[http-1234], spec.containers[main].env[NB_PREFIX].value)`,
      `  ${WS_FILE}:N: Workspace default/running: pending restart: ${chain}; applied when the Workspace is paused`,
      `  ${WS_FILE}:N: Workspace default/paused: paused: the reconciler switches it to the redirect target (${chain})`,
      `  ${WS_FILE}:N: Workspace default/deferred: pending restart: ${chain}; held back by deferUpdates`,
    ]);
  });

  test('as data, in process', () => {
    const dir = tempDir();
    writeFile(dir, 'base/all.yaml', yamlDocuments(webhookKind(), running));
    writeFile(dir, 'next/all.yaml', yamlDocuments(webhookKind(), { ...running, spec: { ...running.spec, paused: true } }));
    const report = diffManifests(readManifests(['base'], { cwd: dir }), readManifests(['next'], { cwd: dir }));
    expect(report.findings).toEqual([]);
    expect(report.impacts).toEqual([
      {
        file: 'next/all.yaml',
        document: 2,
        line: lineContaining(yamlDocuments(webhookKind(), running), 'apiVersion', 'kind: WorkspaceKind', '---'),
        workspace: { kind: 'Workspace', namespace: 'default', name: 'running' },
        effect: Effect.PAUSED,
        message: 'paused: its Pod is stopped',
      },
    ]);
  });
});

describe('kfws diff: objects the planner cannot read, and planner bugs', () => {
  afterEach(() => jest.restoreAllMocks());

  /** `kfws diff --base base next` on two folders of objects. */
  function diffFolders(base: unknown[], next: unknown[], ...extraArgs: string[]) {
    const dir = tempDir();
    writeFile(dir, 'base/all.yaml', yamlDocuments(...base));
    writeFile(dir, 'next/all.yaml', yamlDocuments(...next));
    return { dir, ...runInProcess(['diff', '--base-dir', 'base', 'next', '--format', 'json', ...extraArgs], dir) };
  }

  const paused = workspace((ws) => (ws.spec.paused = true));
  const malformed = workspace((ws) => delete ws.spec.podTemplate);
  const brokenKind = (): Mutable => {
    const kind = webhookKind();
    delete kind.spec.podTemplate.options.imageConfig;
    return kind;
  };

  test('a Workspace that fails validation has findings and no effects; the others still have theirs', () => {
    const other = workspace((ws) => (ws.metadata.name = 'other'));
    const result = diffFolders([webhookKind(), webhookWorkspace(), other], [webhookKind(), malformed, { ...other, spec: { ...other.spec, paused: true } }]);
    const json = JSON.parse(result.stdout);
    expect(json.findings.map((f: Mutable) => f.object.name)).toEqual(expect.arrayContaining(['webhook-workspace']));
    expect(json.impacts.map((i: Mutable) => `${i.workspace.name}: ${i.effect}`)).toEqual([`other: ${Effect.PAUSED}`, `other: ${Effect.REDIRECTED}`]);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('a WorkspaceKind that fails validation: findings, and no effects for its Workspaces', () => {
    const result = diffFolders([webhookKind(), webhookWorkspace()], [brokenKind(), paused]);
    const json = JSON.parse(result.stdout);
    expect(json.findings.length).toBeGreaterThan(0);
    expect(json.findings.every((f: Mutable) => f.object.kind === 'WorkspaceKind')).toBe(true);
    expect(json.impacts).toEqual([]);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('malformed objects of the base revision and of --kinds are not planned (and not reported)', () => {
    const base = diffFolders([webhookKind(), malformed], [webhookKind(), paused]);
    expect(base.stderr).toBe('');
    expect(JSON.parse(base.stdout).findings).toEqual([]);
    expect(base.status).toBe(ExitCode.OK);

    const dir = tempDir();
    writeFile(dir, 'platform/kind.yaml', yamlDocuments(brokenKind()));
    writeFile(dir, 'base/ws.yaml', yamlDocuments(webhookWorkspace()));
    writeFile(dir, 'next/ws.yaml', yamlDocuments(paused));
    const reference = runInProcess(['diff', '--base-dir', 'base', 'next', '--kinds', 'platform', '--format', 'json'], dir);
    expect(reference.stderr).toBe('');
    expect(JSON.parse(reference.stdout).impacts).toEqual([]);
  });

  test('an error of the planner on valid objects is a bug: exit 3, not skipped', () => {
    jest.spyOn(workspacePlan, 'planWorkspace').mockImplementation(() => {
      throw new TypeError('planner bug');
    });
    const result = diffFolders([webhookKind(), webhookWorkspace()], [webhookKind(), paused]);
    expect(result.stderr).toMatch(/^kfws: internal error: TypeError: planner bug/);
    expect(result.status).toBe(ExitCode.INTERNAL);
  });
});

describe('kfws diff: bases, paths and formats', () => {
  test('--base-dir: the base is a folder', () => {
    const dir = tempDir();
    writeFile(dir, 'old/kind.yaml', yamlDocuments(webhookKind()));
    writeFile(dir, 'old/ws.yaml', yamlDocuments(webhookWorkspace()));
    const kind = webhookKind();
    pods(kind).splice(0, 1);
    writeFile(dir, 'new/kind.yaml', yamlDocuments(kind));
    writeFile(dir, 'new/ws.yaml', yamlDocuments(webhookWorkspace()));
    const result = runInProcess(['diff', '--base-dir', 'old', 'new'], dir);
    expect(result.stdout).toContain('new/kind.yaml');
    expect(result.stdout).toContain('podConfig value "tiny_cpu" is in use and cannot be removed');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('the real executable: exit status, github annotations on the new and on the base revision', () => {
    const fixture = new Fixture();
    fixture.diff((repo) => {
      const kind = webhookKind();
      images(kind)[0].spec.image = 'new-image:latest';
      repo.write(KIND_FILE, yamlDocuments(kind));
      repo.remove(WS_FILE);
    });
    const ok = runCli(['diff', '--base', 'HEAD', 'manifests'], fixture.repo.dir);
    expect(ok.stdout).toBe('kfws diff: no problems in 1 file (0 Workspaces, 1 WorkspaceKind)\n');
    expect(ok.status).toBe(ExitCode.OK);
    const failed = runCli(['diff', '--base', 'base', 'manifests', '--format', 'github'], fixture.repo.dir, { GITHUB_WORKSPACE: fixture.repo.dir });
    expect(failed.stdout.split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^::error file=${KIND_FILE},line=\\d+,title=kfws%3A WorkspaceKind jupyterlab::.*is in use and cannot be changed%0Aused by Workspace default/webhook-workspace\\. To change it: `),
      ),
      expect.stringMatching(new RegExp(`^::notice file=${WS_FILE},line=1,title=kfws diff%3A Workspace default/webhook-workspace::deleted`)),
      'kfws diff: 1 error in 1 file (0 Workspaces, 1 WorkspaceKind)',
      '',
    ]);
    expect(failed.status).toBe(ExitCode.FAILED);
  });

  test('problems of the base revision are warnings', () => {
    const repo = new GitRepo();
    repo.write('manifests/kind.yaml', yamlDocuments(webhookKind()));
    repo.write('manifests/broken.yaml', 'a: [');
    repo.commit('base');
    repo.remove('manifests/broken.yaml');
    repo.commit('fix');
    const result = runInProcess(['diff', '--base', 'HEAD~1', 'manifests', '--format', 'json'], repo.dir);
    const json = JSON.parse(result.stdout);
    expect(json.findings).toEqual([
      expect.objectContaining({ severity: Severity.WARNING, file: 'HEAD~1:manifests/broken.yaml', line: 1, message: expect.stringMatching(/^base revision: not valid YAML: /) }),
    ]);
    expect(result.status).toBe(ExitCode.OK);
  });

  test('paths below the repository root and from a subfolder', () => {
    const fixture = new Fixture();
    fixture.diff(() => undefined);
    const result = runInProcess(['diff', '--base', 'HEAD~1', 'team'], path.join(fixture.repo.dir, 'manifests'));
    expect(result.stdout).toBe('kfws diff: no problems in 1 file (1 Workspace, 0 WorkspaceKinds)\n');
  });

  test('an unknown revision, a base outside any repository, a path outside the repository: exit 2', () => {
    const fixture = new Fixture();
    const unknown = runInProcess(['diff', '--base', 'no-such-branch', 'manifests'], fixture.repo.dir);
    expect(unknown).toEqual({
      status: ExitCode.UNREADABLE,
      stdout: '',
      stderr:
        'kfws: unknown revision "no-such-branch" (branches: "main"); in a shallow CI checkout, fetch the base first ' +
        '(git fetch origin BRANCH, or actions/checkout with fetch-depth: 0)\n',
    });
    const outside = tempDir();
    const noRepo = runInProcess(['diff', '--base', 'main', '.'], outside);
    expect(noRepo.stderr).toBe(`kfws: --base "main": ${outside} is not in a git repository (for a folder, use --base-dir)\n`);
    expect(noRepo.status).toBe(ExitCode.UNREADABLE);
    const elsewhere = runInProcess(['diff', '--base', 'HEAD', outside], fixture.repo.dir);
    expect(elsewhere.stderr).toBe(`kfws: ${outside} is outside the repository ${fixture.repo.dir}\n`);
    expect(elsewhere.status).toBe(ExitCode.UNREADABLE);
    expect(runInProcess(['diff', 'manifests'], fixture.repo.dir).status).toBe(ExitCode.UNREADABLE);
  });
});
