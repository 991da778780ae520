import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildExampleApp } from '../../apps/main';
import { validateManifests } from '../../lib/cli/check';
import { parseManifests, readManifests } from '../../lib/cli/manifests';
import { Applier, ExitCode, FindingCategory } from '../../lib/cli/types';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { lineContaining, ROOT, runCli, runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';
import { ApiRevision } from '../../lib/core/revision';
import { referencePath } from '../reference';

jest.setTimeout(60_000);

const IMAGES = 'spec.podTemplate.options.imageConfig';

function workspace(edit: (ws: Mutable) => void = () => undefined): Mutable {
  const ws = webhookWorkspace();
  edit(ws);
  return ws;
}

function kind(edit: (k: Mutable) => void = () => undefined): Mutable {
  const k = webhookKind();
  edit(k);
  return k;
}

/** `kfws validate` in process on one file holding `objects`: the file's text and the output's lines. */
function validateText(...objects: unknown[]): { status: number | null; lines: string[]; text: string } {
  const dir = tempDir();
  const text = yamlDocuments(...objects);
  writeFile(dir, 'manifests.yaml', text);
  const { status, stdout } = runInProcess(['validate', 'manifests.yaml'], dir);
  return { status, lines: stdout.trimEnd().split('\n'), text };
}

describe('kfws validate, end to end', () => {
  test('the synthesized example app passes', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    buildExampleApp(app);
    app.synth();
    const result = runCli(['validate', outdir], ROOT);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^kfws validate: no problems in \d+ files \([1-9]\d* Workspaces?, [1-9]\d* WorkspaceKinds?\)\n$/);
    expect(result.status).toBe(ExitCode.OK);
  });

  test('an invalid Workspace fails with file, line, document, object, field, value and expectation', () => {
    const dir = tempDir();
    writeFile(dir, 'kinds/jupyterlab.yaml', yamlDocuments(kind()));
    const text = yamlDocuments(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      workspace((ws) => (ws.spec.podTemplate.options.podConfig = 'huge_gpu')),
    );
    writeFile(dir, 'team/workspaces.yaml', text);
    const result = runCli(['validate', '.'], dir);
    expect(result.stdout.split('\n')[0]).toBe(
      `./team/workspaces.yaml:${lineContaining(text, 'podConfig: huge_gpu')}: error: Workspace default/webhook-workspace (document 2): ` +
        'spec.podTemplate.options.podConfig: Invalid value: "huge_gpu": podConfig with id "huge_gpu" not found in workspace kind "jupyterlab"; ' +
        'expected one of its podConfig ids: "big_gpu", "tiny_cpu", "small_cpu", "redirect_step_1", "redirect_step_2", "redirect_step_3"',
    );
    expect(result.stdout).toContain('kfws validate: 1 error in 2 files (1 Workspace, 1 WorkspaceKind)');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('a file that is not YAML is an error naming the file, not a crash', () => {
    const dir = tempDir();
    writeFile(dir, 'broken.yaml', 'apiVersion: v1\nkind: [Workspace\n');
    writeFile(dir, 'binary.yml', '\u0000\u0001\u0002 not: [yaml');
    const result = runCli(['validate', '.'], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\.\/binary\.yml:1: error: not valid YAML: /m);
    // go-yaml's line: the flow sequence that is never closed
    expect(result.stdout).toMatch(/^\.\/broken\.yaml:2: error: not valid YAML: /m);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('unreadable input exits with 2', () => {
    const dir = tempDir();
    writeFile(dir, 'ok.yaml', yamlDocuments(kind()));
    const result = runCli(['validate', 'ok.yaml', 'missing.yaml'], dir);
    expect(result.stdout).toContain('missing.yaml: error: cannot read missing.yaml: no such file or folder');
    expect(result.status).toBe(ExitCode.UNREADABLE);
  });

  test('wrong usage exits with 2 and prints the usage', () => {
    const dir = tempDir();
    for (const args of [[], ['validate'], ['frobnicate', '.'], ['validate', '.', '--format', 'xml'], ['validate', '.', '--base', 'HEAD'], ['validate', '--nope', '.']]) {
      const result = runInProcess(args, dir);
      expect(result.stderr).toContain('Usage: kfws <command>');
      expect(result.status).toBe(ExitCode.UNREADABLE);
    }
    expect(runInProcess(['--help'], dir)).toEqual({ status: ExitCode.OK, stdout: expect.stringContaining('Usage: kfws'), stderr: '' });
  });
});

describe('kfws validate: rules', () => {
  test('objects of other kinds and groups are skipped', () => {
    const result = validateText(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { whatever: true } },
      { apiVersion: 'app.terraform.io/v1alpha2', kind: 'Workspace', metadata: { name: 'tf' }, spec: { organization: 'x' } },
    );
    expect(result.lines).toEqual(['kfws validate: no problems in 1 file (0 Workspaces, 0 WorkspaceKinds)']);
    expect(result.status).toBe(ExitCode.OK);
  });

  test('a Workspace whose kind is nowhere', () => {
    const result = validateText(workspace());
    expect(result.lines[0]).toBe(
      `manifests.yaml:${lineContaining(result.text, 'kind: jupyterlab')}: error: Workspace default/webhook-workspace (document 1): spec.kind: Invalid value: "jupyterlab": workspace kind "jupyterlab" not found`,
    );
  });

  test('--kinds supplies WorkspaceKinds defined elsewhere; their own problems are not reported', () => {
    const dir = tempDir();
    writeFile(dir, 'platform/kind.yaml', yamlDocuments(kind((k) => (k.spec.spawner.displayName = 'x'))));
    writeFile(dir, 'team/ws.yaml', yamlDocuments(workspace()));
    expect(runInProcess(['validate', 'team'], dir).status).toBe(ExitCode.FAILED);
    const result = runInProcess(['validate', 'team', '--kinds', 'platform/kind.yaml'], dir);
    expect(result.stdout).toBe('kfws validate: no problems in 1 file (1 Workspace, 0 WorkspaceKinds)\n');
    expect(result.status).toBe(ExitCode.OK);
  });

  test('WorkspaceKind webhook rules land on the offending node', () => {
    const result = validateText(
      kind((k) => {
        k.spec.podTemplate.options.imageConfig.values[1].redirect = { to: 'jupyterlab_scipy_180' };
        k.spec.podTemplate.options.podConfig.spawner.default = 'nope';
        k.spec.podTemplate.extraEnv[0].value = '{{ httpPathPrefix "jupyterlab" }';
      }),
    );
    const at = (needle: string, ...after: string[]) => `manifests.yaml:${lineContaining(result.text, needle, ...after)}: error: WorkspaceKind jupyterlab (document 1):`;
    expect(result.lines.slice(0, 3)).toEqual([
      `${at('{{ httpPathPrefix')} spec.podTemplate.extraEnv[NB_PREFIX].value: Invalid value: "{{ httpPathPrefix \\"jupyterlab\\" }": failed to parse template "{{ httpPathPrefix \\"jupyterlab\\" }": unexpected "}" in operand`,
      `${at('default: nope')} spec.podTemplate.options.podConfig.spawner.default: Invalid value: "nope": default podConfig "nope" not found`,
      `${at('to: jupyterlab_scipy_190', 'id: jupyterlab_scipy_180')} ${IMAGES}.values[jupyterlab_scipy_180].redirect.to: Invalid value: "jupyterlab_scipy_190": imageConfig redirect cycle detected: [jupyterlab_scipy_180 jupyterlab_scipy_190]`,
    ]);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('a document without a kind is refused: kubectl apply refuses it too ("Object \'Kind\' is missing")', () => {
    const result = validateText(kind(), { not: 'a kubernetes object' });
    expect(result.lines[0]).toBe(`manifests.yaml:${lineContaining(result.text, 'not: a kubernetes object')}: error: document 2 is not an object kubectl can read: Object 'Kind' is missing`);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('schema rules: required, unknown fields, types, patterns', () => {
    const result = validateText(
      workspace((ws) => {
        delete ws.spec.podTemplate.options.imageConfig;
        ws.spec.podTemplate.volumes.home = 'Not_A_Name';
        ws.spec.paused = 'maybe';
        ws.spec.colour = 'blue';
      }),
      kind(),
    );
    const at = (needle: string) => `manifests.yaml:${lineContaining(result.text, needle)}: error: Workspace default/webhook-workspace (document 1):`;
    // in the order of the fields as kubectl holds them (sorted: a Go map keeps no order)
    expect(result.lines.slice(0, 4)).toEqual([
      `${at('colour: blue')} spec.colour: Unknown field: unknown field "spec.colour"`,
      `${at('paused: maybe')} spec.paused: Invalid value: "maybe": spec.paused in body must be of type boolean: "string"`,
      // the field is missing: its parent
      `${at('options:')} spec.podTemplate.options.imageConfig: Required value`,
      `${at('home: Not_A_Name')} spec.podTemplate.volumes.home: Invalid value: "Not_A_Name": spec.podTemplate.volumes.home in body should match '^[a-z0-9][-a-z0-9]*[a-z0-9]$'`,
    ]);
  });

  test('two documents with one identity', () => {
    const result = validateText(kind(), workspace(), workspace());
    const third = result.text.split('---\n').slice(0, 2).join('---\n').split('\n').length;
    expect(result.lines[0]).toBe(
      `manifests.yaml:${third + lineContaining(result.text.split('---\n')[2], 'name: webhook-workspace')}: error: Workspace default/webhook-workspace (document 3): ` +
        'metadata.name: Duplicate value: "webhook-workspace": Workspace also defined in manifests.yaml (document 2)',
    );
  });

  test('a document that is not an object', () => {
    const dir = tempDir();
    const text = `${yamlDocuments(kind())}---\n- a\n- b\n`;
    writeFile(dir, 'list.yaml', text);
    const result = runInProcess(['validate', 'list.yaml'], dir);
    expect(result.stdout).toContain(`list.yaml:${lineContaining(text, '- a')}: error: document 2 is not an object kubectl can read: json: cannot unmarshal array`);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('findings are sorted by file, then document', () => {
    const dir = tempDir();
    writeFile(dir, 'b.yaml', yamlDocuments(workspace((ws) => (ws.metadata.name = 'b1')), workspace((ws) => (ws.metadata.name = 'b2'))));
    writeFile(dir, 'a.yaml', yamlDocuments(workspace((ws) => (ws.metadata.name = 'a1'))));
    const report = validateManifests(readManifests(['.'], { cwd: dir }));
    expect(report.findings.map((f) => `${f.file}#${f.document}`)).toEqual(['./a.yaml#1', './b.yaml#1', './b.yaml#2']);
  });
});

describe('kfws validate: output formats', () => {
  const text = yamlDocuments(
    kind((k) => (k.spec.podTemplate.options.imageConfig.values[1].spec.ports = [{ id: 'jupyterlab', port: 8888 }, { id: 'my_port', port: 8888 }])),
    workspace((ws) => (ws.metadata.name = 'Bad,Name')),
  );
  const portLine = lineContaining(text, 'port: 8888', 'id: jupyterlab_scipy_190', 'id: my_port');
  const nameLine = lineContaining(text, 'name: Bad,Name');

  function fixture(): string {
    const dir = tempDir();
    writeFile(dir, 'm.yaml', text);
    return dir;
  }

  test('json', () => {
    const result = runInProcess(['validate', 'm.yaml', '--format', 'json'], fixture());
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ command: 'validate', exitCode: ExitCode.FAILED, checked: { files: 1, workspaces: 1, workspaceKinds: 1 } });
    expect(json.findings[0]).toEqual({
      severity: 'error',
      category: FindingCategory.RULE,
      file: 'm.yaml',
      document: 1,
      line: portLine,
      object: { kind: 'WorkspaceKind', name: 'jupyterlab' },
      field: `${IMAGES}.values[jupyterlab_scipy_190].spec.ports[my_port].port`,
      type: 'Invalid value',
      value: 8888,
      valueText: '8888',
      expected: 'port 8888 is defined more than once',
      message: `${IMAGES}.values[jupyterlab_scipy_190].spec.ports[my_port].port: Invalid value: 8888: port 8888 is defined more than once`,
    });
    expect(json.findings[1]).toMatchObject({ document: 2, line: nameLine, field: 'metadata.name', value: 'Bad,Name' });
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('github annotations, with paths relative to GITHUB_WORKSPACE and escaped properties', () => {
    const dir = fixture();
    const result = runInProcess(['validate', '.', '--format', 'github'], dir, { GITHUB_WORKSPACE: path.dirname(dir) });
    const lines = result.stdout.trimEnd().split('\n');
    const file = `${path.basename(dir)}/m.yaml`;
    expect(lines[0]).toBe(
      `::error file=${file},line=${portLine},title=kfws%3A WorkspaceKind jupyterlab::${IMAGES}.values[jupyterlab_scipy_190].spec.ports[my_port].port: Invalid value: 8888: port 8888 is defined more than once`,
    );
    expect(lines[1]).toMatch(new RegExp(`^::error file=${file},line=${nameLine},title=kfws%3A Workspace default/Bad%2CName::metadata.name: Invalid value: "Bad,Name": `));
    expect(lines[lines.length - 1]).toBe('kfws validate: 2 errors in 1 file (1 Workspace, 1 WorkspaceKind)');
  });
});

function writeKind(dir: string): string {
  writeFile(dir, 'kind.yaml', yamlDocuments(kind()));
  return dir;
}

describe('reading', () => {
  test('folders recursively as kubectl -R reads them: .yaml, .yml, .json, dot folders and node_modules included; files named explicitly whatever their name', () => {
    const dir = tempDir();
    writeFile(dir, 'a/b/kind.yml', yamlDocuments(kind()));
    writeFile(dir, 'a/notes.txt', 'not yaml at all: [');
    writeFile(dir, 'a/.hidden/x.yaml', 'broken: [');
    writeFile(dir, 'a/node_modules/y.json', JSON.stringify(workspace((ws) => (ws.metadata.name = 'from-json'))));
    writeFile(dir, 'ws.manifest', yamlDocuments(workspace()));
    const set = readManifests(['a', 'ws.manifest', 'a/b/kind.yml'], { cwd: dir });
    expect(set.files.map((f) => f.display)).toEqual(['a/.hidden/x.yaml', 'a/b/kind.yml', 'a/node_modules/y.json', 'ws.manifest']);
    expect(set.findings.map((f) => [f.severity, f.file, f.message.split(':')[0]])).toEqual([
      ['warning', 'a/node_modules/y.json', 'a/node_modules/y.json'],
      ['error', 'a/.hidden/x.yaml', 'not valid YAML'],
    ]);
    expect(set.objects.map((o) => o.ref)).toEqual([
      { kind: 'WorkspaceKind', name: 'jupyterlab' },
      { kind: 'Workspace', namespace: 'default', name: 'from-json' },
      { kind: 'Workspace', namespace: 'default', name: 'webhook-workspace' },
    ]);
    // Flux reads no .json file.
    const flux = readManifests(['a'], { cwd: dir, applier: Applier.FLUX });
    expect(flux.files.map((f) => f.display)).toEqual(['a/.hidden/x.yaml', 'a/b/kind.yml']);
  });

  test('characters JavaScript counts as whitespace but YAML does not stay in values', () => {
    const dir = tempDir();
    // `name: webhook-workspace<NBSP>`: the API server would get (and refuse) the name with the NBSP.
    const text = yamlDocuments(workspace()).replace('name: webhook-workspace\n', 'name: webhook-workspace\u00a0\n');
    writeFile(dir, 'ws.yaml', text);
    const set = readManifests(['ws.yaml'], { cwd: dir });
    expect(set.objects.map((o) => o.ref.name)).toEqual(['webhook-workspace\u00a0']);
    const result = runInProcess(['validate', 'ws.yaml', '--kinds', 'kind.yaml'], writeKind(dir));
    expect(result.stdout).toContain(`ws.yaml:${lineContaining(text, 'webhook-workspace\u00a0')}: error: Workspace default/webhook-workspace\u00a0 (document 1): metadata.name: Invalid value: "webhook-workspace\\u00a0": a lowercase RFC 1123 subdomain`);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('an escape beyond U+10FFFF is a syntax problem (exit 1), not an internal error', () => {
    const dir = tempDir();
    const text = yamlDocuments(workspace((ws) => (ws.metadata.annotations = { note: 'x' }))).replace('note: x', 'note: "\\U00110000"');
    writeFile(dir, 'ws.yaml', text);
    const result = runInProcess(['validate', 'ws.yaml'], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^ws\\.yaml:${lineContaining(text, 'note:')}: error: not valid YAML: .*found invalid Unicode character escape code`, 'm'));
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('nesting too deep for the yaml package is a syntax problem (exit 1), not an internal error', () => {
    const dir = tempDir();
    writeFile(dir, 'deep.yaml', Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + '\n');
    const result = runInProcess(['validate', 'deep.yaml'], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^deep\.yaml:\d+: error: not valid YAML: /m);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('YAML beyond the fast reader goes through the yaml package, with the same result', () => {
    const fixture = fs.readFileSync(referencePath(ApiRevision.FD7A3D8E, 'samples', 'jupyterlab_v1beta1_workspacekind.yaml'), 'utf8');
    const set = parseManifests([{ display: 'k.yaml', annotationPath: 'k.yaml', source: fixture }]);
    expect(set.findings).toEqual([]);
    expect(validateManifests(set).findings).toEqual([]);
    expect(set.objects[0].ref).toEqual({ kind: 'WorkspaceKind', name: 'jupyterlab' });
  });
});
