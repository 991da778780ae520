import { Chart, Testing } from 'cdk8s';
import { addJupyterLabKind } from '../../apps/jupyterlab-kind';
import { Workspace, WorkspaceVolume } from '../../lib';
import { crdSchema } from '../../lib/core/validation/schema';
import { ApiRevision } from '../../lib/core/revision';
import { readReference } from '../reference';

/** Upstream's sample at fd7a3d8e (../shared/reference). */
function sample(file: string): any {
  return readReference(ApiRevision.FD7A3D8E, 'samples', file);
}

/**
 * What the API server stores makes no difference between an absent map and an empty one for these fields, and the
 * sample writes the GPU limit as the integer 1 where the typed API takes the quantity string "1"; both are the same
 * to every consumer. Everything else must match exactly, including list order.
 */
function normalize(value: any, key = ''): any {
  if (Array.isArray(value)) {
    return value.map(v => normalize(v));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalize(v, k);
      const emptyMap = n && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0;
      if (!(emptyMap && ['labels', 'annotations', 'podMetadata', 'requestHeaders'].includes(k))) {
        out[k] = n;
      }
    }
    return out;
  }
  if (typeof value === 'number' && (key === 'nvidia.com/gpu')) {
    return String(value);
  }
  return value;
}

describe('round trip of the upstream samples', () => {
  test('the sample WorkspaceKind, written with the constructs, synthesizes to the same object after CRD defaults', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    addJupyterLabKind(chart, 'JupyterLab');
    const [synthesized] = Testing.synth(chart);
    const schema = crdSchema('WorkspaceKind');
    expect(normalize(schema.applyDefaults(synthesized))).toEqual(normalize(schema.applyDefaults(sample('jupyterlab_v1beta1_workspacekind.yaml'))));
  });

  test('the sample Workspace, written with the constructs, synthesizes to the same object after CRD defaults', () => {
    const app = Testing.app();
    const kind = addJupyterLabKind(new Chart(app, 'kinds'), 'JupyterLab');
    const team = new Chart(app, 'team');
    new Workspace(team, 'Sample', {
      name: 'jupyterlab-workspace',
      kind,
      imageConfig: kind.imageConfigs.find(o => o.id === 'jupyterlab_scipy_190'),
      podConfig: kind.podConfigs.find(o => o.id === 'tiny_cpu'),
      homeVolume: WorkspaceVolume.fromExistingClaim('workspace-home-pvc'),
      dataVolumes: [{ volume: WorkspaceVolume.fromExistingClaim('workspace-data-pvc'), mountPath: '/data/my-data', readOnly: false }],
    });
    const [synthesized] = Testing.synth(team);
    const schema = crdSchema('Workspace');
    expect(normalize(schema.applyDefaults(synthesized))).toEqual(normalize(schema.applyDefaults(sample('jupyterlab_v1beta1_workspace.yaml'))));
  });
});
