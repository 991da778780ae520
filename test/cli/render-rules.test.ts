import { ExitCode } from '../../lib/cli/types';
import { Mutable, webhookKind, webhookWorkspace } from '../core/fixtures';
import { lineContaining, runInProcess, tempDir, writeFile, yamlDocuments } from './helpers';

jest.setTimeout(60_000);

/** A folder with the kind in platform/kind.yaml and the Workspaces in team/ws.yaml. */
function setup(kind: Mutable, ...workspaces: Mutable[]): { dir: string; kindText: string; wsText: string } {
  const dir = tempDir();
  const kindText = yamlDocuments(kind);
  const wsText = yamlDocuments(...workspaces);
  writeFile(dir, 'platform/kind.yaml', kindText);
  writeFile(dir, 'team/ws.yaml', wsText);
  return { dir, kindText, wsText };
}

describe('kfws and the render-time rules', () => {
  test('validate: a name the controller cannot serve, at its line; kind problems once, at the kind', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.extraEnv.push({ name: 'A=B', value: 'x' });
    const ws = webhookWorkspace();
    ws.metadata.name = 'alice.vscode';
    const other = webhookWorkspace();
    other.metadata.name = 'bob';
    const { dir, kindText, wsText } = setup(kind, ws, other);
    const result = runInProcess(['validate', '.'], dir);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain(
      `./platform/kind.yaml:${lineContaining(kindText, 'name: A=B')}: error: WorkspaceKind jupyterlab (document 1): spec.podTemplate.extraEnv[A=B].name: Invalid value: "A=B": ` +
        'the controller would create a StatefulSet for each Workspace of WorkspaceKind "jupyterlab" whose spec.template.spec.containers[0].env[1].name is invalid: ' +
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
    );
    expect(lines.filter((l) => l.includes('A=B'))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith(`./team/ws.yaml:${lineContaining(wsText, 'name: alice.vscode')}: error: Workspace default/alice.vscode (document 1): metadata.name: Invalid value: "alice.vscode": the controller would create Service`))).toBe(true);
    expect(lines.some((l) => l.includes('bob'))).toBe(false);
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('validate with --kinds: the kind parts a Workspace would get are reported at the Workspace', () => {
    const kind = webhookKind();
    kind.spec.podTemplate.serviceAccount.name = 'kube-system/admin';
    const { dir } = setup(kind, webhookWorkspace());
    const result = runInProcess(['validate', 'team', '--kinds', 'platform'], dir);
    expect(result.stdout).toContain('Workspace default/webhook-workspace (document 1): spec.podTemplate.serviceAccount.name: Invalid value: "kube-system/admin": the controller would create');
    expect(result.status).toBe(ExitCode.FAILED);
  });

  test('render: a Workspace the API server would refuse the objects of is reported, not rendered', () => {
    const kind = webhookKind();
    const pod = kind.spec.podTemplate.options.podConfig.values.find((v: Mutable) => v.id === 'tiny_cpu');
    pod.spec.resources = { requests: { cpu: '2' }, limits: { cpu: '1' } };
    const { dir } = setup(kind, webhookWorkspace());
    const result = runInProcess(['render', 'team', '--kinds', 'platform'], dir);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('spec.podTemplate.options.podConfig.values[tiny_cpu].spec.resources.requests[cpu]: Invalid value: "2": the controller would create a StatefulSet for each Workspace that selects podConfig "tiny_cpu"');
    expect(result.stderr).toContain('must be less than or equal to cpu limit of 1');
    expect(result.status).toBe(ExitCode.FAILED);
  });
});
