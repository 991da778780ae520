// The "beta §" sections and quirks cited in this file are those of docs/upstream-v2-beta.md.
/** The webhook at v2.0.0-beta.0: the beta rules come from the core; here, how they reach the AdmissionReview. */
import { WorkspaceKindObject } from '../../lib/core/api';
import { ApiRevision } from '../../lib/core/revision';
import { admit, AdmissionRequest, AdmissionSource, Verdict } from '../../lib/reconciler/webhook/admission';
import { WORKSPACEKIND_WEBHOOK } from '../../lib/core/contract/webhooks';
import { betaKind } from './beta-fixtures';

function source(kinds: WorkspaceKindObject[], revision = ApiRevision.V2_0_0_BETA_0): AdmissionSource {
  return {
    synced: true,
    revision,
    kind: async (name) => kinds.find((k) => k.metadata.name === name),
    workspacesOfKind: () => [],
    reserve: async (r) => r.check(kinds.find((k) => k.metadata.name === r.kindName)),
    workspacesCaughtUp: async () => true,
    identity: async () => 'system:serviceaccount:kfws:controller',
    now: () => Date.now(),
  };
}

function request(operation: string, object?: unknown, oldObject?: unknown): AdmissionRequest {
  return { uid: 'req-1', operation, object, oldObject, name: (object ?? (oldObject as any))?.metadata?.name };
}

describe('admission at v2.0.0-beta.0', () => {
  it('deleting an in-use Kind: 409 whose message ends at the name, the reason as the only cause (beta §5.5)', async () => {
    const used = betaKind((k) => (k.status = { workspaces: 2 }));
    const r = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, used), source([used]));
    expect(r.verdict).toBe(Verdict.DENIED);
    expect(r.response.status).toEqual({
      status: 'Failure',
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab"',
      details: { name: 'jupyterlab', group: 'kubeflow.org', kind: 'WorkspaceKind', causes: [{ message: 'WorkspaceKind is used by 2 workspace(s)' }] },
    });
    // the same Kind at fd7a3d8e: the reason in the message, no causes
    const base = await admit(WORKSPACEKIND_WEBHOOK, request('DELETE', undefined, used), source([used], ApiRevision.FD7A3D8E));
    expect(base.response.status?.message).toBe('Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab": WorkspaceKind is used by 2 workspace(s)');
    expect(base.response.status?.details?.causes).toBeUndefined();
  });

  it('a pausing rule under twice the probe interval is admitted with a warning (beta §5.8)', async () => {
    const k = betaKind((kk) => (kk.spec.activityRules = [{ config: { secondsSinceActive: 3600 }, effect: { pauseWorkspace: true } }]));
    const r = await admit(WORKSPACEKIND_WEBHOOK, request('CREATE', k), source([]));
    expect(r.response.allowed).toBe(true);
    expect(r.response.warnings).toEqual([
      'spec.activityRules[0].config.secondsSinceActive (3600) is less than twice the probeIntervalSeconds (3600). This may cause Workspaces to be paused too quickly or prematurely.',
    ]);
    const quiet = await admit(WORKSPACEKIND_WEBHOOK, request('CREATE', betaKind()), source([]));
    expect(quiet.response).toEqual({ uid: 'req-1', allowed: true });
  });

  it('beta rules refuse what fd7a3d8e never saw: a podExec script without a shebang', async () => {
    const k = betaKind((kk) => (kk.spec.podTemplate.activityProbe = { podExec: { script: 'echo hi' } }));
    const r = await admit(WORKSPACEKIND_WEBHOOK, request('CREATE', k), source([]));
    expect(r.response.status?.code).toBe(422);
    expect(r.response.status?.message).toContain("script shebang is invalid (e.g., '#!/bin/bash')");
  });
});
