import { parseManifests } from '../../lib/cli/manifests';

const SOURCE = `# a comment
apiVersion: kubeflow.org/v1beta1
kind: WorkspaceKind
metadata:
  name: jupyterlab
  labels:
    app.kubernetes.io/name: notebooks
spec:
  podTemplate:
    extraEnv:
      - name: NB_PREFIX
        value: x
    ports:
      - id: jupyterlab
        protocol: HTTP
    options:
      imageConfig:
        values:
          - id: one
            spec:
              ports:
                - id: jupyterlab
                  port: 8888
          - id: two.dotted]id
            redirect:
              to: one
---
kind: Other
`;

function line(field: string | undefined, document = 1): number {
  const file = parseManifests([{ display: 'x.yaml', annotationPath: 'x.yaml', source: SOURCE }]).files[0];
  return file.line(document, field);
}

describe('field path to line', () => {
  test.each([
    ['the document', undefined, 2],
    ['the root', '<root>', 2],
    ['a plain path', 'metadata.name', 5],
    ['a map key with dots and a slash', 'metadata.labels.app.kubernetes.io/name', 7],
    ['a list index (schema form)', 'spec.podTemplate.ports[0].protocol', 15],
    ['a list-map key (webhook form)', 'spec.podTemplate.extraEnv[NB_PREFIX].value', 12],
    ['nested list-map keys', 'spec.podTemplate.options.imageConfig.values[one].spec.ports[jupyterlab].port', 23],
    ['a key containing a dot and a bracket', 'spec.podTemplate.options.imageConfig.values[two.dotted]id].redirect.to', 26],
    ['a list item itself', 'spec.podTemplate.options.imageConfig.values[one]', 19],
    ['a missing field: its deepest existing parent', 'spec.podTemplate.volumeMounts.home', 9],
    ['a missing list item: the list', 'spec.podTemplate.ports[7].id', 13],
  ])('%s', (_name, field, expected) => {
    expect(line(field)).toBe(expected);
  });

  test('documents after the first', () => {
    expect(line('kind', 2)).toBe(28);
  });
});
