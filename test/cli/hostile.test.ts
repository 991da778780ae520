/**
 * `kfws` on content written by someone who wants a forbidden change merged: one describe per class of attack of
 * issue #10, each with the input that must be refused and the ordinary input next to it that must still pass.
 */

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { parseManifests } from '../../lib/cli/manifests';
import { validateManifests } from '../../lib/cli/check';
import { ExitCode } from '../../lib/cli/types';
import { crdSchema } from '../../lib/core/validation/schema';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { GitRepo, lineContaining, runCli, runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';

function workspace(name = 'webhook-workspace', edit: (ws: Mutable) => void = () => undefined): Mutable {
  const ws = webhookWorkspace();
  ws.metadata.name = name;
  edit(ws);
  return ws;
}

function images(kind: Mutable): Mutable[] {
  return kind.spec.podTemplate.options.imageConfig.values;
}

/** A folder with the sample WorkspaceKind in kinds/ and `text` in ws.yaml. */
function folderWith(text: string | Buffer, name = 'ws.yaml'): string {
  const dir = tempDir();
  writeFile(dir, 'kinds/kind.yaml', yamlDocuments(webhookKind()));
  fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function validate(dir: string, ...args: string[]) {
  return runInProcess(['validate', '.', ...args], dir);
}

describe('the base of a diff comes from git, never from the working tree', () => {
  /** A repository whose main branch has the kind and a Workspace using jupyterlab_scipy_180. */
  function repository(): GitRepo {
    const repo = new GitRepo();
    repo.write('manifests/kind.yaml', yamlDocuments(webhookKind()));
    repo.write('manifests/ws.yaml', yamlDocuments(workspace()));
    repo.commit('base');
    repo.git('checkout', '-q', '-b', 'change');
    return repo;
  }

  test('a folder named like the revision does not replace it (refused)', () => {
    const repo = repository();
    const changed = webhookKind();
    images(changed)[0].spec.image = 'attacker/image:latest';
    repo.write('manifests/kind.yaml', yamlDocuments(changed));
    // The change ships its own "base": the changed kind under main/manifests and origin/main/manifests.
    for (const fake of ['main', 'origin/main']) repo.write(`${fake}/manifests/kind.yaml`, yamlDocuments(changed));
    repo.commit('change');
    const result = runInProcess(['diff', '--base', 'main', 'manifests'], repo.dir);
    expect(result.stdout).toContain('imageConfig value "jupyterlab_scipy_180" is in use and cannot be changed');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('the same change through --base-dir is compared with that folder (accepted when it is the same)', () => {
    const dir = tempDir();
    writeFile(dir, 'base/all.yaml', yamlDocuments(webhookKind(), workspace()));
    writeFile(dir, 'next/all.yaml', yamlDocuments(webhookKind(), workspace()));
    const result = runInProcess(['diff', '--base-dir', 'base', 'next'], dir);
    expect(result.stdout).toBe('kfws diff: no problems in 1 file (1 Workspace, 1 WorkspaceKind)\n');
    expect(result.status).toBe(ExitCode.OK);
    expect(runInProcess(['diff', '--base', 'main', '--base-dir', 'base', 'next'], dir).status).toBe(ExitCode.UNREADABLE);
  });

  test('a revision that looks like an option is a revision (unknown), never an option of git', () => {
    const repo = repository();
    const out = path.join(repo.dir, 'written-by-git');
    const result = runInProcess(['diff', `--base=--output=${out}`, 'manifests'], repo.dir);
    expect(result.stderr).toContain('unknown revision');
    expect(result.status).toBe(ExitCode.UNREADABLE);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('file names with newlines, tabs and quotes in the base revision are read like any other', () => {
    const repo = repository();
    repo.write('manifests/odd\nname\t"x".yaml', yamlDocuments(workspace('odd')));
    repo.commit('odd name');
    repo.git('checkout', '-q', '-b', 'later');
    const unchanged = runInProcess(['diff', '--base', 'change', 'manifests'], repo.dir);
    expect(unchanged.stderr).toBe('');
    expect(unchanged.status).toBe(ExitCode.OK);
    // And the file still counts as the base: removing the kind it uses is refused.
    repo.remove('manifests/kind.yaml');
    repo.remove('manifests/ws.yaml');
    repo.commit('remove');
    const removed = runInProcess(['diff', '--base', 'change', 'manifests'], repo.dir);
    expect(removed.stdout).toMatch(/Workspace default\/odd/);
    expect(removed.status).toBe(ExitCode.FAILED);
  });
});

describe('no key reaches a prototype', () => {
  test('a spec under __proto__ is an unknown field, and the required fields are missing (refused)', () => {
    const text = [
      'apiVersion: kubeflow.org/v1beta1',
      'kind: Workspace',
      'metadata: {name: hidden, namespace: default}',
      'spec:',
      '  __proto__:',
      '    kind: jupyterlab',
      '    podTemplate: {volumes: {}, options: {imageConfig: jupyterlab_scipy_180, podConfig: tiny_cpu}}',
      '',
    ].join('\n');
    const result = validate(folderWith(text));
    expect(result.stdout).toContain(`./ws.yaml:5: error: Workspace default/hidden (document 1): spec.__proto__: Unknown field: unknown field "spec.__proto__"`);
    expect(result.stdout).toContain('spec.kind: Required value');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('a WorkspaceKind spec under __proto__, constructor and prototype: unknown fields (refused)', () => {
    const kind = webhookKind();
    const text = yamlDocuments({ ...kind, spec: { constructor: kind.spec, prototype: 1 } }).replace('constructor:', '__proto__:');
    const result = validate(folderWith(text, 'kind2.yaml'), '--kinds', 'kinds');
    expect(result.stdout).toMatch(/spec\.__proto__: Unknown field/);
    expect(result.stdout).toMatch(/spec\.prototype: Unknown field/);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('defaulting keeps them as own fields and inherits nothing', () => {
    const [file] = parseManifests([{ display: 'x', annotationPath: 'x', source: 'spec: {__proto__: {kind: a}, constructor: {b: 1}}\n' }]).files;
    expect(file).toBeDefined();
    const parsed = parseManifests([
      { display: 'x', annotationPath: 'x', source: yamlDocuments(workspace()).replace('spec:\n', 'spec:\n  __proto__: {paused: true}\n') },
    ]).objects[0].value;
    const defaulted = crdSchema('Workspace').applyDefaults(parsed) as Mutable;
    expect(Object.keys(defaulted.spec)).toContain('__proto__');
    expect(defaulted.spec.paused).toBe(false); // the default, not the value under __proto__
    expect(defaulted.spec.toString).toBeUndefined();
    expect(({} as Mutable).paused).toBeUndefined();
  });

  test('labels named constructor and prototype are ordinary labels (accepted)', () => {
    const text = yamlDocuments(workspace('labelled', (ws) => (ws.metadata.labels = JSON.parse('{"constructor": "x", "prototype": "z"}'))));
    const result = validate(folderWith(text));
    expect(result.stdout).toBe('kfws validate: no problems in 2 files (1 Workspace, 1 WorkspaceKind)\n');
  });
});

describe('List kinds are expanded', () => {
  const list = (kind: string, items: unknown[]) => yamlDocuments({ apiVersion: 'v1', kind, items });

  test.each(['List', 'WorkspaceList'])('an invalid Workspace in a %s is found, with its item path and line (refused)', (kind) => {
    const text = list(kind, [workspace('good'), workspace('bad', (ws) => (ws.spec.podTemplate.options.podConfig = 'huge_gpu'))]);
    const result = validate(folderWith(text));
    expect(result.stdout.split('\n')[0]).toBe(
      `./ws.yaml:${lineContaining(text, 'podConfig: huge_gpu')}: error: Workspace default/bad (document 1, items[1]): ` +
        'spec.podTemplate.options.podConfig: Invalid value: "huge_gpu": podConfig with id "huge_gpu" not found in workspace kind "jupyterlab"; ' +
        'expected one of its podConfig ids: "big_gpu", "tiny_cpu", "small_cpu", "redirect_step_1", "redirect_step_2", "redirect_step_3"',
    );
    expect(result.stdout).toContain('(2 Workspaces, 1 WorkspaceKind)');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('Lists of valid objects and the kind inside a List (accepted); a List in a List is refused, as kubectl refuses it', () => {
    const dir = tempDir();
    writeFile(dir, 'all.yaml', list('List', [webhookKind(), workspace('a'), { apiVersion: 'v1', kind: 'ConfigMap' }]));
    expect(validate(dir).stdout).toBe('kfws validate: no problems in 1 file (1 Workspace, 1 WorkspaceKind)\n');
    writeFile(dir, 'all.yaml', list('List', [webhookKind(), { apiVersion: 'v1', kind: 'List', items: [workspace('a')] }]));
    const nested = validate(dir);
    expect(nested.stdout).toContain('error: items[1] of document 1 is not an object kubectl can read: *unstructured.Unstructured is not a list');
    expect(nested.status).toBe(ExitCode.FAILED);
  });

  test('any object with an items list is a List to kubectl, and kind-less items take the List\'s kind', () => {
    const item = workspace('hidden', (ws) => (ws.spec.podTemplate.options.podConfig = 'huge_gpu'));
    const inConfigMap = validate(folderWith(yamlDocuments({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, items: [item] })));
    expect(inConfigMap.stdout).toMatch(/error: Workspace default\/hidden \(document 1, items\[0\]\): .*"huge_gpu"/);
    const { apiVersion: _a, kind: _k, ...bare } = item;
    const kindless = validate(folderWith(yamlDocuments({ apiVersion: 'kubeflow.org/v1beta1', kind: 'WorkspaceList', items: [bare] })));
    expect(kindless.stdout).toMatch(/error: Workspace default\/hidden \(document 1, items\[0\]\): .*"huge_gpu"/);
  });

  test('kind: workspace (another case) is refused with its line, never read as absent', () => {
    const text = yamlDocuments(workspace('lower')).replace('kind: Workspace', 'kind: workspace');
    const result = validate(folderWith(text));
    expect(result.stdout).toContain(`./ws.yaml:${lineContaining(text, 'kind: workspace')}: error: kind "workspace" is not "Workspace"`);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('an item that is not an object is a problem of the List', () => {
    const result = validate(folderWith(list('List', ['just a string'])));
    // kubectl cannot decode the List: the whole document is refused
    expect(result.stdout).toContain('error: document 1 is not an object kubectl can read: json: cannot unmarshal string');
    expect(result.status).toBe(ExitCode.FAILED);
  });
});

describe('no output line begins with text of the input', () => {
  const INJECTED = 'x\n::error file=pwned.yaml,line=1::approved\r\n::stop-commands::token\u2028##vso[task.complete]';

  function linesStartingWithInput(output: string): string[] {
    return output.split(/\r\n|\r|\n/).filter((l) => /^\s*(::|##)/.test(l));
  }

  test('names and values with line breaks are escaped in text and JSON', () => {
    const text = yamlDocuments(
      workspace('ok', (ws) => {
        ws.metadata.name = INJECTED;
        ws.spec.podTemplate.options.podConfig = INJECTED;
      }),
    );
    const dir = folderWith(text);
    for (const format of ['text', 'json']) {
      const result = validate(dir, '--format', format);
      expect(result.status).toBe(ExitCode.FAILED);
      expect(linesStartingWithInput(result.stdout)).toEqual([]);
      expect(result.stdout).not.toMatch(/[\u2028\u2029\u0085]/);
    }
    expect(validate(dir).stdout).toContain('\\n::error file=pwned.yaml,line=1::approved\\r\\n::stop-commands::token\\u2028##vso');
  });

  test('file names are shown below the PATH as given: `kfws validate .` prints ./name', () => {
    const dir = folderWith('kind: [', '::error::x.yaml');
    const result = validate(dir);
    expect(result.stdout).toMatch(/^\.\/::error::x\.yaml:1: error: not valid YAML/m);
    expect(linesStartingWithInput(result.stdout)).toEqual([]);
  });

  test('the GitHub format escapes its workflow commands; ordinary names print as they are', () => {
    const dir = folderWith(yamlDocuments(workspace(INJECTED)));
    const github = runInProcess(['validate', '.', '--format', 'github'], dir, { GITHUB_WORKSPACE: dir });
    const lines = github.stdout.split('\n').filter((l) => l !== '');
    expect(lines.every((l) => l.startsWith('::error ') || l.startsWith('kfws validate:'))).toBe(true);
    expect(github.stdout).toContain('title=kfws%3A Workspace default/x%0A%3A%3Aerror file=pwned.yaml%2Cline=1%3A%3Aapproved%0D%0A');
    const plain = validate(folderWith(yamlDocuments(workspace('plain', (ws) => (ws.spec.podTemplate.options.podConfig = 'nope')))));
    expect(plain.stdout).toContain('Workspace default/plain (document 1): spec.podTemplate.options.podConfig: Invalid value: "nope"');
  });

  test('render output: the header is escaped and multi-line values are quoted', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.extraEnv = [{ name: 'NOTE', value: 'a\n::error::b' }];
    const dir = tempDir();
    writeFile(dir, 'all.yaml', yamlDocuments(kind, workspace()));
    const result = runInProcess(['render', '.'], dir);
    expect(result.status).toBe(ExitCode.OK);
    expect(linesStartingWithInput(result.stdout)).toEqual([]);
    expect(result.stdout).toContain('value: "a\\n::error::b"');
  });
});

describe('only regular files, inside the PATHs, up to a size', () => {
  test('links to /dev/zero and to a FIFO are refused with exit 2, without reading them', () => {
    const dir = folderWith(yamlDocuments(workspace()));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    fs.symlinkSync(path.join(dir, 'fifo'), path.join(dir, 'fifo.yaml'));
    const result = validate(dir);
    expect(result.stdout).toContain('./zero.yaml: error: cannot read ./zero.yaml: symbolic link to a file outside the PATH given: refused');
    expect(result.stdout).toContain('./fifo.yaml: error: cannot read ./fifo.yaml: symbolic link to a FIFO: refused');
    expect(result.status).toBe(ExitCode.UNREADABLE);
    // Named on the command line, they are refused as well.
    expect(runInProcess(['validate', 'fifo'], dir).stdout).toContain('cannot read fifo: a FIFO: refused');
  });

  test('a socket in a folder is refused', async () => {
    const dir = folderWith(yamlDocuments(workspace()));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock.yaml'), resolve));
    try {
      const result = validate(dir);
      expect(result.stdout).toContain('cannot read ./sock.yaml: not a regular file (a device, FIFO or socket): refused');
      expect(result.status).toBe(ExitCode.UNREADABLE);
    } finally {
      server.close();
    }
  });

  test('a link to a file outside the PATH is refused; a link inside it is read (accepted)', () => {
    const outside = tempDir();
    writeFile(outside, 'secret.yaml', yamlDocuments(workspace('outside')));
    const dir = folderWith(yamlDocuments(workspace()));
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(dir, 'secret.yaml'));
    const refused = validate(dir);
    expect(refused.stdout).toContain('cannot read ./secret.yaml: symbolic link to a file outside the PATH given: refused');
    expect(refused.stdout).not.toContain('outside (document');
    expect(refused.status).toBe(ExitCode.UNREADABLE);

    const inside = folderWith(yamlDocuments(workspace()));
    fs.mkdirSync(path.join(inside, 'real'));
    writeFile(inside, 'real/other.yaml', yamlDocuments(workspace('other')));
    fs.symlinkSync(path.join(inside, 'real', 'other.yaml'), path.join(inside, 'link.yaml'));
    fs.symlinkSync(path.join(inside, 'real'), path.join(inside, 'linked-folder'));
    fs.symlinkSync(inside, path.join(inside, 'real', 'loop')); // a cycle is walked once
    const accepted = validate(inside);
    expect(accepted.stdout).toContain('error: Workspace default/other (document 1): metadata.name: Duplicate value');
    expect(accepted.status).toBe(ExitCode.FAILED);
  });

  test('a file reached under two PATHs (. and --kinds kinds) is one file', () => {
    const dir = folderWith(yamlDocuments(workspace()));
    expect(validate(dir, '--kinds', 'kinds').stdout).toBe('kfws validate: no problems in 2 files (1 Workspace, 1 WorkspaceKind)\n');
  });

  test('files over --max-file-size are refused (exit 2); the default reads ordinary files', () => {
    const dir = folderWith(yamlDocuments(workspace()));
    expect(validate(dir).status).toBe(ExitCode.OK);
    const small = validate(dir, '--max-file-size', '200');
    expect(small.stdout).toMatch(/cannot read \.\/kinds\/kind\.yaml: \d+ bytes, more than the limit of 200 \(--max-file-size\)/);
    expect(small.status).toBe(ExitCode.UNREADABLE);
    expect(validate(dir, '--max-file-size', '1Mi').status).toBe(ExitCode.OK);
    expect(validate(dir, '--max-file-size', 'lots').status).toBe(ExitCode.UNREADABLE);
  });
});

describe('YAML is read as kubectl reads it', () => {
  test('invalid UTF-8 is refused with its line (refused), valid UTF-8 in the same place passes', () => {
    const text = yamlDocuments(workspace('ws', (ws) => (ws.metadata.annotations = { note: 'caf\u00e9' })));
    const bad = Buffer.from(text.replace('caf\u00e9', 'cafXX'), 'utf8');
    const at = bad.indexOf('XX');
    bad[at] = 0xc3;
    bad[at + 1] = 0x28;
    const refused = validate(folderWith(bad));
    expect(refused.stdout).toContain(`./ws.yaml:${lineContaining(text, 'note:')}: error: not valid YAML: invalid UTF-8 (byte 0xc3`);
    expect(refused.status).toBe(ExitCode.FAILED);
    expect(validate(folderWith(text)).status).toBe(ExitCode.OK);
  });

  test('UTF-16 with a byte order mark, bare CR and CRLF line endings (accepted; the line numbers hold)', () => {
    const text = yamlDocuments(workspace('ws', (ws) => (ws.spec.podTemplate.options.podConfig = 'huge_gpu')));
    const line = lineContaining(text, 'podConfig: huge_gpu');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    for (const encoded of [le, be, text.replace(/\n/g, '\r'), text.replace(/\n/g, '\r\n')]) {
      const result = validate(folderWith(encoded));
      expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^\\./ws\\.yaml:${line}: error: .*"huge_gpu"`));
    }
  });

  test('merge keys are applied, !!binary is decoded (as go-yaml does), YAML 1.1 booleans are booleans (accepted)', () => {
    const text = [
      'apiVersion: kubeflow.org/v1beta1',
      'kind: Workspace',
      'metadata:',
      '  name: merged',
      '  namespace: default',
      '  annotations: {blob: !!binary aGVsbG8=}',
      'spec: &spec',
      '  kind: jupyterlab',
      '  paused: yes',
      '  podTemplate: {volumes: {}, options: {imageConfig: jupyterlab_scipy_180, podConfig: tiny_cpu}}',
      '---',
      'kind: Workspace',
      'apiVersion: kubeflow.org/v1beta1',
      'metadata: {name: second, namespace: default}',
      'spec:',
      '  <<: {kind: jupyterlab, paused: on}',
      '  podTemplate: {volumes: {}, options: {imageConfig: jupyterlab_scipy_180, podConfig: tiny_cpu}}',
      '',
    ].join('\n');
    const set = parseManifests([{ display: 'x', annotationPath: 'x', source: text }]);
    expect(set.objects.map((o) => (o.value.spec as Mutable).paused)).toEqual([true, true]);
    expect((set.objects[0].value.metadata as Mutable).annotations.blob).toBe('hello');
    const result = validate(folderWith(text));
    expect(result.stdout).toBe('kfws validate: no problems in 2 files (2 Workspaces, 1 WorkspaceKind)\n');
  });

  test('ordinary anchors (200 aliases) are read; an alias bomb stops at the size limit (refused, quickly)', () => {
    const many = [yamlDocuments(workspace('anchored')).replace('podTemplate:', 'podTemplate: &pt'), ...Array.from({ length: 200 }, (_, i) =>
      ['apiVersion: kubeflow.org/v1beta1', 'kind: Workspace', `metadata: {name: w${i}, namespace: default}`, 'spec:', '  kind: jupyterlab', '  podTemplate: *pt', ''].join('\n'),
    )].join('---\n');
    // Anchors do not carry over documents in YAML: one file per document would fail; in one document they work.
    const oneDocument = `items:\n${Array.from({ length: 200 }, (_, i) => `  - {apiVersion: kubeflow.org/v1beta1, kind: Workspace, metadata: {name: w${i}, namespace: default}, spec: ${i === 0 ? '&s ' : '*s'}${i === 0 ? '{kind: jupyterlab, podTemplate: {volumes: {}, options: {imageConfig: jupyterlab_scipy_180, podConfig: tiny_cpu}}}' : ''}}`).join('\n')}\nkind: List\napiVersion: v1\n`;
    expect(validate(folderWith(oneDocument)).stdout).toBe('kfws validate: no problems in 2 files (200 Workspaces, 1 WorkspaceKind)\n');
    expect(validate(folderWith(many)).status).toBe(ExitCode.FAILED); // the alias of another document is unknown

    let bomb = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
    for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const started = Date.now();
    const result = validate(folderWith(bomb));
    expect(Date.now() - started).toBeLessThan(10_000);
    // go-yaml's own limit (kubectl's reading stops there too)
    expect(result.stdout).toMatch(/^\.\/ws\.yaml:\d+: error: not valid YAML: .*document contains excessive aliasing/m);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('the alias limit follows the size limit: what fits in a file without aliases also fits with them', () => {
    const value = 'v'.repeat(100);
    const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx:\n';
    const plain = `${head}${Array.from({ length: 9 }, () => `  - ${value}`).join('\n')}\n`;
    const anchored = `${head}  - &v ${value}\n${Array.from({ length: 8 }, () => '  - *v').join('\n')}\n`;
    const parse = (text: string, max: number) => parseManifests([{ display: 'x', annotationPath: 'x', source: text }], { maxFileSize: max, select: () => true });
    expect(parse(plain, plain.length).findings).toEqual([]);
    expect(parse(anchored, plain.length).findings).toEqual([]);
    // the JSON of a file's documents may take four times the size limit
    expect(parse(anchored, 230).findings.map((f) => f.message)).toEqual(['not valid YAML: aliases expand the file past the limit of 920 bytes of JSON']);
  });

  test('a large single scalar is read within the size limit', () => {
    const text = yamlDocuments(workspace('big', (ws) => (ws.metadata.annotations = { big: 'x'.repeat(8 << 20) })));
    const result = validate(folderWith(text));
    expect(result.stdout).toMatch(/metadata\.annotations: Too long/);
  });
});

describe('the review says what to do', () => {
  function diffWith(workspaces: Mutable[], change: (kind: Mutable) => void) {
    const dir = tempDir();
    writeFile(dir, 'base/kind.yaml', yamlDocuments(webhookKind()));
    writeFile(dir, 'base/ws.yaml', yamlDocuments(...workspaces));
    const kind = webhookKind();
    change(kind);
    writeFile(dir, 'next/kind.yaml', yamlDocuments(kind));
    writeFile(dir, 'next/ws.yaml', yamlDocuments(...workspaces));
    return runInProcess(['diff', '--base-dir', 'base', 'next'], dir);
  }

  test('a changed option in use: the Workspaces using it, up to five, then a count, and the fix', () => {
    const many = Array.from({ length: 7 }, (_, i) => workspace(`ws-${i}`, (ws) => (ws.metadata.namespace = `team-${i % 2}`)));
    const result = diffWith(many, (kind) => (images(kind)[0].spec.image = 'new:1'));
    const lines = result.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('is in use and cannot be changed'));
    expect(lines[at + 1]).toBe(
      '    used by Workspace team-0/ws-0, Workspace team-0/ws-2, Workspace team-0/ws-4, Workspace team-0/ws-6, Workspace team-1/ws-1 and 2 more. ' +
        'To change it: add the new settings as a new imageConfig option (e.g. "jupyterlab_scipy_180-v2"), keep "jupyterlab_scipy_180" as it was, ' +
        'and redirect it (redirect.to: jupyterlab_scipy_180-v2); each Workspace moves to the new option when it is next paused',
    );
    expect(result.stdout).toContain('Per file:\n  next/kind.yaml: 1 error\nPer namespace:\n  (cluster-scoped): 1 error\n');
  });

  test('a rename is reported as a rename', () => {
    const result = diffWith([workspace()], (kind) => (images(kind)[0].id = 'scipy_renamed'));
    expect(result.stdout).toContain(
      'imageConfig "jupyterlab_scipy_180" was renamed to "scipy_renamed", used by Workspace default/webhook-workspace. ' +
        'The API server sees a rename as a removal: keep "jupyterlab_scipy_180" next to "scipy_renamed" and redirect it (redirect.to: scipy_renamed)',
    );
  });

  test('a removed option that is not renamed gets the retire advice; env entries are named by their name', () => {
    const result = diffWith([workspace()], (kind) => {
      images(kind).splice(0, 1);
      kind.spec.podTemplate.options.imageConfig.spawner.default = 'jupyterlab_scipy_190';
    });
    expect(result.stdout).toContain('To retire it: keep "jupyterlab_scipy_180" and redirect it to the option that replaces it');

    const kind = webhookKind();
    kind.spec.podTemplate.extraEnv = [{ name: 'FIRST', value: 'a' }, { name: 'SECOND', value: 7 }];
    const env = validate(folderWith(yamlDocuments(kind), 'kinds/kind.yaml'));
    expect(env.stdout).toMatch(/spec\.podTemplate\.extraEnv\[SECOND\]\.value: Invalid value: 7/);
  });

  test('a renamed Workspace is one rename, not a deletion and a creation; a renamed WorkspaceKind is named as such', () => {
    const dir = tempDir();
    writeFile(dir, 'base/all.yaml', yamlDocuments(webhookKind(), workspace('alice'), workspace('bob')));
    const renamedKind = webhookKind();
    renamedKind.metadata.name = 'jupyterlab-v2';
    writeFile(dir, 'next/all.yaml', yamlDocuments(renamedKind, workspace('alice-renamed'), workspace('bob', (ws) => (ws.spec.paused = true))));
    const result = runInProcess(['diff', '--base-dir', 'base', 'next'], dir);
    expect(result.stdout).toContain(
      'WorkspaceKind "jupyterlab" was renamed to "jupyterlab-v2", used by Workspace default/alice, Workspace default/alice-renamed, Workspace default/bob: ' +
        'a Workspace\'s spec.kind cannot change, so keep "jupyterlab" until they are deleted or recreated with kind "jupyterlab-v2"',
    );

    writeFile(dir, 'next/all.yaml', yamlDocuments(webhookKind(), workspace('alice-renamed'), workspace('bob')));
    const json = JSON.parse(runInProcess(['diff', '--base-dir', 'base', 'next', '--format', 'json'], dir).stdout);
    expect(json.impacts.map((i: Mutable) => `${i.workspace.name}: ${i.effect}: ${i.message}`)).toEqual([
      'alice-renamed: renamed: renamed from alice: a Workspace cannot be renamed in place, so alice is deleted with its StatefulSet, Service and Pod, ' +
        'and alice-renamed is created (its Pod is started); the volumes stay',
    ]);
  });

  test('counts per file and namespace end the report (JSON too)', () => {
    const dir = tempDir();
    writeFile(dir, 'kind.yaml', yamlDocuments(webhookKind()));
    writeFile(dir, 'a.yaml', yamlDocuments(workspace('a1', (ws) => (ws.spec.podTemplate.options.podConfig = 'x')), workspace('a2', (ws) => { ws.metadata.namespace = 'other'; ws.spec.podTemplate.options.podConfig = 'x'; })));
    const json = JSON.parse(runInProcess(['validate', '.', '--format', 'json'], dir).stdout);
    expect(json.counts).toEqual({
      files: [{ file: './a.yaml', errors: 2, warnings: 0, effects: 0 }],
      namespaces: [
        { namespace: 'default', errors: 1, warnings: 0, effects: 0 },
        { namespace: 'other', errors: 1, warnings: 0, effects: 0 },
      ],
    });
  });
});

describe('the executable', () => {
  test('a symlink to /dev/zero does not grow memory: exit 2 at once', () => {
    const dir = tempDir();
    fs.symlinkSync('/dev/zero', path.join(dir, 'z.yaml'));
    const result = runCli(['validate', 'z.yaml'], dir);
    expect(result.stdout).toContain('cannot read z.yaml: a character device: refused');
    expect(result.status).toBe(ExitCode.UNREADABLE);
  });

  test('validateManifests on a parsed __proto__ document does not change Object.prototype', () => {
    const set = parseManifests([{ display: 'x', annotationPath: 'x', source: '{"__proto__": {"polluted": 1}, "kind": "Workspace", "apiVersion": "kubeflow.org/v1beta1"}' }]);
    validateManifests(set);
    expect(({} as Mutable).polluted).toBeUndefined();
  });
});
