/**
 * Validation at v2.0.0-beta.0 (docs/upstream-v2-beta.md): the beta schema and CEL rules, the removed fields refused
 * with their replacement, the WorkspaceKind webhook's new rules (beta §5.3–§5.8) with upstream's paths and messages,
 * the admission warnings, semantic "in use" equality (beta §5.4) and the structured 409 (beta §5.5).
 */

import {
  formatViolation,
  OptionType,
  validateWorkspace,
  validateWorkspaceKind,
  validateWorkspaceKindDelete,
  validateWorkspaceKindUpdate,
  validateWorkspaceUpdate,
  ViolationType,
  warnWorkspaceKindCreate,
  warnWorkspaceKindUpdate,
} from '../../lib/core/validation';
import { ApiRevision } from '../../lib/core/revision';
import { betaKind, betaPodExecKind, betaSample, betaWorkspace, BETA_KIND_SAMPLES, Mutable } from './beta-fixtures';
import { expectAccepted, expectRejected, messages, sampleKind, sampleWorkspace } from './fixtures';

const BETA = ApiRevision.V2_0_0_BETA_0;
const BASE = ApiRevision.FD7A3D8E;
const kindErrors = (kind: Mutable): string[] => messages(validateWorkspaceKind(kind, BETA));
const noUsage = (): number => 0;

describe('the beta samples', () => {
  test.each(BETA_KIND_SAMPLES)('%s is accepted at the beta without warnings, refused at fd7a3d8e', (file) => {
    const kind = betaSample(file);
    expectAccepted(validateWorkspaceKind(kind, BETA));
    expect(warnWorkspaceKindCreate(kind, BETA)).toEqual([]);
    expectRejected(validateWorkspaceKind(kind, BASE), 'spec.podTemplate.activityProbe: Unknown field', 'spec.podTemplate.serviceAccount: Required value');
  });

  test('the Workspace is accepted at the beta, its beta-only fields unknown at fd7a3d8e', () => {
    const ws = betaWorkspace();
    expectAccepted(validateWorkspace(ws, { kind: betaKind(), revision: BETA }));
    expect(messages(validateWorkspace(ws, { kind: betaKind(), revision: BASE }))).toEqual([
      'spec.displayName: Unknown field: unknown field "spec.displayName"',
      'spec.podTemplate.volumes.secrets: Unknown field: unknown field "spec.podTemplate.volumes.secrets"',
    ]);
  });

  test('the default revision is fd7a3d8e', () => {
    expect(messages(validateWorkspaceKind(betaKind()))).toEqual(messages(validateWorkspaceKind(betaKind(), BASE)));
  });
});

describe('fields removed at the beta are refused with their replacement named', () => {
  test('Workspace spec.deferUpdates', () => {
    const ws = betaWorkspace();
    ws.spec.deferUpdates = true;
    expect(messages(validateWorkspace(ws, { revision: BETA }))).toEqual([
      'spec.deferUpdates: Unknown field: unknown field "spec.deferUpdates": removed in v2.0.0-beta.0: the controller never applies redirects at v2.0.0-beta.0; ' +
        'a redirect is only reported (status.pendingRestart), and the Workspace moves when spec.podTemplate.options is changed',
    ]);
  });

  test('Kind culling and serviceAccount.name (the fd7a3d8e sample at the beta)', () => {
    const kind = sampleKind();
    expectRejected(
      validateWorkspaceKind(kind, BETA),
      'spec.podTemplate.culling: Unknown field: unknown field "spec.podTemplate.culling": removed in v2.0.0-beta.0: use spec.podTemplate.activityProbe (podExec or jupyter) and spec.activityRules',
      'spec.podTemplate.serviceAccount.name: Unknown field: unknown field "spec.podTemplate.serviceAccount.name": removed in v2.0.0-beta.0: each Workspace gets its own ServiceAccount ws-<workspace name>; grant it permissions with spec.podTemplate.serviceAccount.clusterRoles',
    );
  });

  test('fd7a3d8e keeps its unknown-field messages unchanged', () => {
    const ws = sampleWorkspace();
    ws.spec.displayName = 'x';
    expect(messages(validateWorkspace(ws, { revision: BASE }))).toEqual(['spec.displayName: Unknown field: unknown field "spec.displayName"']);
  });
});

describe('beta schema and CEL', () => {
  test('an icon ConfigMap needs namespace and mediaType', () => {
    const kind = betaKind();
    kind.spec.spawner.icon = { configMap: { name: 'logos', key: 'icon.svg' } };
    expectRejected(validateWorkspaceKind(kind, BETA), 'spec.spawner.icon.configMap.namespace: Required value', 'spec.spawner.icon.configMap.mediaType: Required value');
    kind.spec.spawner.icon.configMap = { name: 'logos', key: 'icon.svg', namespace: 'kubeflow', mediaType: 'image/png' };
    expectRejected(validateWorkspaceKind(kind, BETA), 'spec.spawner.icon.configMap.mediaType: Unsupported value: "image/png"');
    kind.spec.spawner.icon.configMap.mediaType = 'image/svg+xml';
    expectAccepted(validateWorkspaceKind(kind, BETA));
  });

  test('activityProbe: exactly one of podExec or jupyter', () => {
    const kind = betaKind();
    kind.spec.podTemplate.activityProbe.podExec = { script: '#!/bin/sh\nexit 0' };
    expect(kindErrors(kind)).toEqual([expect.stringMatching(/^spec\.podTemplate\.activityProbe: Invalid value: \{.*\}: must specify exactly one of 'podExec' or 'jupyter'$/)]);
  });

  test('activityProbe: minProbeIntervalSeconds <= probeIntervalSeconds, after defaulting', () => {
    const kind = betaKind();
    kind.spec.podTemplate.activityProbe = { minProbeIntervalSeconds: 4000, jupyter: { lastActivity: true, portId: 'jupyterlab' } };
    expect(kindErrors(kind)).toEqual([
      'spec.podTemplate.activityProbe: Invalid value: {"minProbeIntervalSeconds":4000,"jupyter":{"lastActivity":true,"portId":"jupyterlab"},"probeIntervalSeconds":3600}: ' +
        'minProbeIntervalSeconds must be less than or equal to probeIntervalSeconds',
    ]);
  });

  test("jupyter 'lastActivity' must be true", () => {
    const kind = betaKind();
    kind.spec.podTemplate.activityProbe.jupyter.lastActivity = false;
    expect(kindErrors(kind)).toEqual(['spec.podTemplate.activityProbe.jupyter: Invalid value: {"lastActivity":false,"portId":"jupyterlab"}: \'lastActivity\' must be true']);
  });

  test('activity rule effect and secondsSinceActive minimum', () => {
    const kind = betaKind();
    kind.spec.activityRules[0].effect = {};
    kind.spec.activityRules[1].config.secondsSinceActive = 15;
    expectRejected(validateWorkspaceKind(kind, BETA), 'spec.activityRules[1].config.secondsSinceActive: Invalid value: 15: spec.activityRules[1].config.secondsSinceActive in body should be greater than or equal to 16');
    kind.spec.activityRules[1].config.secondsSinceActive = 86400;
    expect(kindErrors(kind)).toEqual(['spec.activityRules[0].effect: Invalid value: {}: must specify at least one effect']);
  });

  test('filter rule CEL: ui or api, denyMessage only with deny, exactly one match member', () => {
    const kind = betaKind();
    kind.spec.filterRules[0].effect = {};
    expect(kindErrors(kind)).toContain("spec.filterRules[0].effect: Invalid value: {}: must specify at least one of 'ui' or 'api'");
    kind.spec.filterRules[0].effect = { api: { hide: true, denyMessage: { text: 'no' } } };
    expect(kindErrors(kind)).toEqual(['spec.filterRules[0].effect.api: Invalid value: {"hide":true,"denyMessage":{"text":"no"}}: \'denyMessage\' may only be set when \'deny\' is true']);
    kind.spec.filterRules[0].effect = { api: { deny: true, denyMessage: { text: 'no' } } };
    kind.spec.filterRules[0].match[0].matchPodConfig = { selector: {} };
    kind.spec.filterRules[0].scope = 'POD_CONFIG';
    expect(kindErrors(kind)).toEqual([
      expect.stringMatching(/^spec\.filterRules\[0\]\.match\[0\]: Invalid value: \{.*\}: must specify exactly one of 'matchNamespace', 'matchImageConfig', or 'matchPodConfig'$/),
    ]);
  });

  test('Workspace secrets: defaultMode 0..511 defaulted to 420, secretName a subdomain; 1-character port ids', () => {
    const ws = betaWorkspace();
    ws.spec.podTemplate.volumes.secrets = [{ secretName: 'Bad_Name', mountPath: '/s', defaultMode: 512 }];
    expectRejected(
      validateWorkspace(ws, { revision: BETA }),
      'spec.podTemplate.volumes.secrets[/s].secretName: Invalid value: "Bad_Name"',
      'spec.podTemplate.volumes.secrets[/s].defaultMode: Invalid value: 512: spec.podTemplate.volumes.secrets[/s].defaultMode in body should be less than or equal to 511',
    );
    const kind = betaKind();
    kind.spec.podTemplate.ports[0].id = 'j';
    kind.spec.podTemplate.activityProbe.jupyter.portId = 'j';
    for (const v of kind.spec.podTemplate.options.imageConfig.values) v.spec.ports[0].id = 'j';
    expectAccepted(validateWorkspaceKind(kind, BETA));
  });

  test('Workspace displayName 1..128, spec.kind immutable', () => {
    const ws = betaWorkspace();
    ws.spec.displayName = '';
    expectRejected(validateWorkspace(ws, { revision: BETA }), 'spec.displayName: Invalid value: "": spec.displayName in body should be at least 1 chars long');
    const moved = betaWorkspace();
    moved.spec.kind = 'codeserver';
    expectRejected(validateWorkspaceUpdate(betaWorkspace(), moved, betaPodExecKind(), BETA), 'spec.kind: Invalid value: "codeserver": Workspace \'kind\' is immutable');
  });
});

describe('Kind webhook at the beta: request headers (beta §5.3 step 3)', () => {
  test('set/add values render with httpPathPrefix; ports by index, headers by key', () => {
    const kind = betaKind();
    kind.spec.podTemplate.ports[0].httpProxy.requestHeaders = {
      set: { 'X-Root': '{{ httpPathPrefix "jupyterlab" }}', 'X-Bad': '{{ nope }}' },
      add: { 'X-Open': '{{ httpPathPrefix "jupyterlab"' },
    };
    const errors = kindErrors(kind);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^spec\.podTemplate\.ports\[0\]\.httpProxy\.requestHeaders\.set\[X-Bad\]: Invalid value: "\{\{ nope \}\}": failed to parse template "\{\{ nope \}\}": /);
    expect(errors[1]).toMatch(/^spec\.podTemplate\.ports\[0\]\.httpProxy\.requestHeaders\.add\[X-Open\]: Invalid value: /);
  });

  test('fd7a3d8e does not render request headers', () => {
    const kind = sampleKind();
    kind.spec.podTemplate.ports[0].httpProxy = { requestHeaders: { set: { 'X-Bad': '{{ nope }}' } } };
    expectAccepted(validateWorkspaceKind(kind, BASE));
  });
});

describe('Kind webhook at the beta: filterRules (beta §5.6)', () => {
  test('at least one effect flag must be true', () => {
    const kind = betaKind();
    kind.spec.filterRules[0].effect = { ui: { hide: false }, api: { hide: false } };
    expect(kindErrors(kind)).toEqual([
      "spec.filterRules[0].effect: Invalid value: \"\": must specify at least one effect: one of 'ui.hide', 'api.hide', or 'api.deny' must be true",
    ]);
  });

  test('option matchers only in option scopes; cross-scope allowed', () => {
    const kind = betaKind();
    kind.spec.filterRules[0].match = [{ matchImageConfig: { selector: { matchLabels: { a: 'b' } } } }, { matchPodConfig: { selector: {} } }];
    expect(kindErrors(kind).map((m) => m.replace(/Invalid value: .*?: '/, "Invalid value: <v>: '"))).toEqual([
      "spec.filterRules[0].match[0].matchImageConfig: Invalid value: <v>: 'matchImageConfig' is only valid when 'scope' is 'POD_CONFIG' or 'IMAGE_CONFIG'",
      "spec.filterRules[0].match[1].matchPodConfig: Invalid value: <v>: 'matchPodConfig' is only valid when 'scope' is 'POD_CONFIG' or 'IMAGE_CONFIG'",
    ]);
    kind.spec.filterRules[0].scope = 'POD_CONFIG';
    expectAccepted(validateWorkspaceKind(kind, BETA));
  });

  test('selectors: operator/values pairing, operator, key, values', () => {
    const kind = betaKind();
    kind.spec.filterRules[0].match[0].matchNamespace.selector = {
      matchLabels: { 'bad key': 'v' },
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Near', values: ['x'] },
        { key: '-bad', operator: 'NotIn', values: ['ok', 'not ok'] },
      ],
    };
    const sel = 'spec.filterRules[0].match[0].matchNamespace.selector';
    const errors = kindErrors(kind);
    expect(errors[0]).toMatch(new RegExp(`^${sel.replace(/[.[\]]/g, '\\$&')}\\.matchLabels: Invalid value: "bad key": name part must consist of`));
    expect(errors.slice(1, 4)).toEqual([
      `${sel}.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
      `${sel}.matchExpressions[1].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
      `${sel}.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator`,
    ]);
    expect(errors[4]).toMatch(/matchExpressions\[3\]\.key: Invalid value: "-bad": name part must consist of/);
    expect(errors[5]).toMatch(/matchExpressions\[3\]\.values\[1\]: Invalid value: "not ok": a valid label must be/);
    expect(errors).toHaveLength(6);
  });
});

describe('Kind webhook at the beta: activityProbe (beta §5.7)', () => {
  test.each(['#!/bin/bash', '#! /bin/sh', '#!/usr/bin/env python3', '#!  /usr/bin/env   python3 -u', '#!/bin/sh\r\necho'])('shebang %j accepted', (line) => {
    const kind = betaPodExecKind();
    kind.spec.podTemplate.activityProbe.podExec.script = `${line}\nexit 0`;
    expectAccepted(validateWorkspaceKind(kind, BETA));
  });

  test.each(['echo hi', '#!   ', '#!/bin/bash ', ' #!/bin/sh'])('shebang %j refused', (line) => {
    const kind = betaPodExecKind();
    const script = `${line}\nexit 0`;
    kind.spec.podTemplate.activityProbe.podExec.script = script;
    expect(kindErrors(kind)).toEqual([
      `spec.podTemplate.activityProbe.podExec.script: Invalid value: ${JSON.stringify(script)}: script shebang is invalid (e.g., '#!/bin/bash')`,
    ]);
  });

  test('a shebang line over 255 bytes', () => {
    const kind = betaPodExecKind();
    const script = `#!/bin/${'s'.repeat(249)}\nexit 0`;
    kind.spec.podTemplate.activityProbe.podExec.script = script;
    expect(kindErrors(kind)).toEqual([`spec.podTemplate.activityProbe.podExec.script: Invalid value: ${JSON.stringify(script)}: shebang line exceeds the 255 character limit`]);
    kind.spec.podTemplate.activityProbe.podExec.script = `#!/bin/${'s'.repeat(248)}\nexit 0`;
    expectAccepted(validateWorkspaceKind(kind, BETA));
  });

  test('the jupyter port must be a Kind port (not checked against imageConfig ports)', () => {
    const kind = betaKind();
    kind.spec.podTemplate.activityProbe.jupyter.portId = 'lab';
    expect(kindErrors(kind)).toEqual([
      'spec.podTemplate.activityProbe.jupyter.portId: Invalid value: "lab": must reference a valid port defined in spec.podTemplate.ports',
    ]);
  });
});

describe('Kind webhook at the beta: activityRules (beta §5.8)', () => {
  const rule = (secondsSinceActive: number, match: Mutable, pauseWorkspace = true): Mutable => ({
    config: { secondsSinceActive },
    ...(match === undefined ? {} : { match }),
    effect: { pauseWorkspace },
  });

  test('a second catch-all, and a catch-all before another pausing rule', () => {
    const kind = betaKind();
    kind.spec.activityRules = [rule(86400, {}), rule(86400, undefined), rule(86400, { matchNamespace: { selector: { matchLabels: { a: 'b' } } } }, false)];
    expect(kindErrors(kind)).toEqual([
      'spec.activityRules[1].match: Invalid value: {}: at most one catch-all (empty match) rule is allowed for pauseWorkspace effect',
      'spec.activityRules[1].match: Invalid value: {}: catch-all (empty match) rule must be the last rule configuring the pauseWorkspace effect',
      'spec.activityRules[2].match: Invalid value: {"matchNamespace":{"selector":{"matchLabels":{"a":"b"}}}}: catch-all (empty match) rule must be the last rule configuring the pauseWorkspace effect',
    ]);
  });

  test('a pausing rule needs an activityProbe; an exempting one does not', () => {
    const kind = betaKind();
    delete kind.spec.podTemplate.activityProbe;
    expect(kindErrors(kind)).toEqual([
      'spec.podTemplate.activityProbe: Required value: activityProbe must be configured when activityRules with pauseWorkspace effect exist',
    ]);
    kind.spec.activityRules = [rule(86400, {}, false)];
    expectAccepted(validateWorkspaceKind(kind, BETA));
  });

  test('rule selectors are validated', () => {
    const kind = betaKind();
    kind.spec.activityRules[0].match = { matchPodConfig: { selector: { matchExpressions: [{ key: 'gpu', operator: 'In' }] } } };
    expect(kindErrors(kind)).toEqual([
      "spec.activityRules[0].match.matchPodConfig.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
  });

  test('a warning, not an error, below twice the probe interval (default 3600)', () => {
    const kind = betaKind();
    kind.spec.activityRules[0].config.secondsSinceActive = 7199;
    expectAccepted(validateWorkspaceKind(kind, BETA));
    expect(warnWorkspaceKindCreate(kind, BETA)).toEqual([
      'spec.activityRules[0].config.secondsSinceActive (7199) is less than twice the probeIntervalSeconds (3600). This may cause Workspaces to be paused too quickly or prematurely.',
    ]);
    delete kind.spec.podTemplate.activityProbe.probeIntervalSeconds;
    kind.spec.podTemplate.activityProbe.minProbeIntervalSeconds = 60;
    expect(warnWorkspaceKindCreate(kind, BETA)).toHaveLength(1);
    kind.spec.podTemplate.activityProbe.probeIntervalSeconds = 3599;
    expect(warnWorkspaceKindCreate(kind, BETA)).toEqual([]);
    kind.spec.activityRules[0].effect.pauseWorkspace = false;
    kind.spec.podTemplate.activityProbe.probeIntervalSeconds = 3600;
    expect(warnWorkspaceKindCreate(kind, BETA)).toEqual([]);
    expect(warnWorkspaceKindCreate(kind, BASE)).toEqual([]);
  });
});

describe('Kind webhook update at the beta (beta §5.4)', () => {
  test('the new checks run only when their trigger changed', () => {
    const stored = betaKind();
    stored.spec.filterRules[0].effect = { ui: { hide: false } };
    stored.spec.podTemplate.ports[0].httpProxy.requestHeaders = { set: { 'X-Bad': '{{ nope }}' } };
    stored.spec.activityRules[0].config.secondsSinceActive = 100;
    const next = structuredClone(stored);
    next.spec.spawner.displayName = 'Renamed';
    expectAccepted(validateWorkspaceKindUpdate(stored, next, noUsage, BETA));
    expect(warnWorkspaceKindUpdate(stored, next, BETA)).toEqual([]);

    next.spec.filterRules[0].scope = 'POD_CONFIG';
    expect(messages(validateWorkspaceKindUpdate(stored, next, noUsage, BETA))).toEqual([
      "spec.filterRules[0].effect: Invalid value: \"\": must specify at least one effect: one of 'ui.hide', 'api.hide', or 'api.deny' must be true",
    ]);
    next.spec.podTemplate.ports[0].defaultDisplayName = 'Lab';
    expect(messages(validateWorkspaceKindUpdate(stored, next, noUsage, BETA))[0]).toMatch(/^spec\.podTemplate\.ports\[0\]\.httpProxy\.requestHeaders\.set\[X-Bad\]/);

    const probeChanged = structuredClone(stored);
    probeChanged.spec.podTemplate.activityProbe.probeIntervalSeconds = 1800;
    expect(warnWorkspaceKindUpdate(stored, probeChanged, BETA)).toEqual([
      'spec.activityRules[0].config.secondsSinceActive (100) is less than twice the probeIntervalSeconds (1800). This may cause Workspaces to be paused too quickly or prematurely.',
    ]);
  });

  test('a port change re-checks the jupyter probe', () => {
    const stored = betaKind();
    const next = betaKind();
    next.spec.podTemplate.ports[0].id = 'lab';
    for (const v of next.spec.podTemplate.options.imageConfig.values) v.spec.ports[0].id = 'lab';
    expect(messages(validateWorkspaceKindUpdate(stored, next, noUsage, BETA))).toEqual([
      'spec.podTemplate.activityProbe.jupyter.portId: Invalid value: "jupyterlab": must reference a valid port defined in spec.podTemplate.ports',
    ]);
  });

  test('in use: semantic equality (quantities by value, empty maps as absent, empty structs not)', () => {
    const inUse = (type: OptionType, id: string): number => (type === OptionType.POD_CONFIG && id === 'tiny_cpu' ? 1 : 0);
    const tiny = (k: Mutable): Mutable => k.spec.podTemplate.options.podConfig.values.find((v: Mutable) => v.id === 'tiny_cpu');
    const stored = betaKind();
    delete tiny(stored).spec.nodeSelector;
    delete tiny(stored).spec.tolerations;
    const next = betaKind();
    tiny(next).spec.resources.requests.cpu = '0.1';
    expectAccepted(validateWorkspaceKindUpdate(stored, next, inUse, BETA));
    // fd7a3d8e compares everything but resources as written: the empty nodeSelector and tolerations are a change.
    const baseStored = sampleKind();
    const baseNext = sampleKind();
    const baseTiny = baseNext.spec.podTemplate.options.podConfig.values.find((v: Mutable) => v.id === 'tiny_cpu');
    baseTiny.spec.nodeSelector = {};
    const baseInUse = (type: OptionType, id: string): number => (type === OptionType.POD_CONFIG && id === 'tiny_cpu' ? 1 : 0);
    expectRejected(validateWorkspaceKindUpdate(baseStored, baseNext, baseInUse, BASE), 'podConfig value "tiny_cpu" is in use and cannot be changed');
    delete tiny(next).spec.affinity;
    expect(messages(validateWorkspaceKindUpdate(stored, next, inUse, BETA))).toEqual([
      'spec.podTemplate.options.podConfig.values[tiny_cpu]: Invalid value: "tiny_cpu": podConfig value "tiny_cpu" is in use and cannot be changed',
    ]);
  });
});

describe('Kind delete at the beta (beta §5.5)', () => {
  test('409: the message ends after the name, the reason is the only cause', () => {
    const kind = betaKind();
    kind.status = { workspaces: 2 };
    const [v] = validateWorkspaceKindDelete(kind, BETA);
    expect(v).toEqual({
      field: 'status.workspaces',
      type: ViolationType.CONFLICT,
      value: 2,
      detail: 'Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab"',
      causes: ['WorkspaceKind is used by 2 workspace(s)'],
    });
    expect(formatViolation(v)).toBe('status.workspaces: Conflict: 2: Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab": WorkspaceKind is used by 2 workspace(s)');
    const [base] = validateWorkspaceKindDelete(kind, BASE);
    expect(base.causes).toBeUndefined();
    expect(base.detail).toBe('Operation cannot be fulfilled on WorkspaceKind.kubeflow.org "jupyterlab": WorkspaceKind is used by 2 workspace(s)');
  });

  test('409 for the protection finalizer', () => {
    const kind = betaKind();
    kind.metadata.finalizers = ['notebooks.kubeflow.org/workspacekind-protection'];
    expect(validateWorkspaceKindDelete(kind, BETA)[0].causes).toEqual([
      'WorkspaceKind has protection finalizer, indicating one or more workspaces are still using it',
    ]);
  });
});
