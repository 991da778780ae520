/**
 * Fixtures of the upstream webhook tests (docs/upstream-behavior.md §6, fixtures), built from upstream's samples at
 * fd7a3d8e, read from ../shared/reference (test/reference.ts). Everything is returned as fresh mutable JSON so that
 * each test can edit its copy.
 */

import { formatViolation, Violation } from '../../lib/core/validation';
import { ApiRevision } from '../../lib/core/revision';
import { readReference } from '../reference';

export type Mutable = any;

function load(file: string): Mutable {
  return readReference(ApiRevision.FD7A3D8E, 'samples', file);
}

const SAMPLE_KIND = load('jupyterlab_v1beta1_workspacekind.yaml');
const SAMPLE_WORKSPACE = load('jupyterlab_v1beta1_workspace.yaml');

export function sampleKind(): Mutable {
  return structuredClone(SAMPLE_KIND);
}

export function sampleWorkspace(): Mutable {
  return structuredClone(SAMPLE_WORKSPACE);
}

function redirectSteps(spec: (step: number) => Mutable): Mutable[] {
  return [1, 2, 3].map((step) => ({
    id: `redirect_step_${step}`,
    spawner: { displayName: `Redirect Step ${step}` },
    ...(step < 3 ? { redirect: { to: `redirect_step_${step + 1}` } } : {}),
    spec: spec(step),
  }));
}

/** `NewExampleWorkspaceKind` of the upstream webhook tests: Kind `jupyterlab` with redirect chains. */
export function webhookKind(): Mutable {
  const kind = sampleKind();
  kind.spec.spawner.logo = { configMap: { name: 'my-logos', key: 'apple-touch-icon-152x152.png' } };
  const pt = kind.spec.podTemplate;
  pt.podMetadata = {};
  pt.probes = {};
  pt.ports[0].httpProxy.requestHeaders = { set: {}, add: {} };
  pt.ports.push({ id: 'my_port', defaultDisplayName: 'My Port', protocol: 'HTTP' });
  const images = pt.options.imageConfig.values;
  for (const v of images) delete v.spec.imagePullPolicy;
  images[0].spec.ports[0].displayName = 'JupyterLab';
  images.push(...redirectSteps((step) => ({ image: `redirect-test:step-${step}`, ports: [{ id: 'my_port', port: 1234 }] })));
  const pods = pt.options.podConfig.values;
  pods[1].spec = { resources: pods[1].spec.resources };
  pods[2].spec = { tolerations: pods[2].spec.tolerations, resources: pods[2].spec.resources };
  pods.push(...redirectSteps(() => ({})));
  return kind;
}

/** The upstream webhook tests' Workspace: Kind `jupyterlab`, options `jupyterlab_scipy_180` / `tiny_cpu`. */
export function webhookWorkspace(): Mutable {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'webhook-workspace', namespace: 'default' },
    spec: {
      kind: 'jupyterlab',
      podTemplate: { volumes: {}, options: { imageConfig: 'jupyterlab_scipy_180', podConfig: 'tiny_cpu' } },
    },
  };
}

export function messages(violations: readonly Violation[]): string[] {
  return violations.map(formatViolation);
}

/** Asserts at least one violation and, for each substring, that some formatted violation contains it. */
export function expectRejected(violations: readonly Violation[], ...substrings: string[]): void {
  const text = messages(violations);
  expect(text.length).toBeGreaterThan(0);
  for (const s of substrings) {
    expect(text.some((m) => m.includes(s)) ? s : text).toBe(s);
  }
}

export function expectAccepted(violations: readonly Violation[]): void {
  expect(messages(violations)).toEqual([]);
}
