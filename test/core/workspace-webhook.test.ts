// The § sections and quirks cited in this file are those of docs/upstream-behavior.md.
import { validateWorkspace, validateWorkspaceUpdate, ViolationType } from '../../lib/core/validation';
import { expectAccepted, expectRejected, messages, sampleKind, sampleWorkspace, webhookKind, webhookWorkspace } from './fixtures';

describe('samples', () => {
  test('the sample Workspace is valid against the sample Kind', () => {
    expectAccepted(validateWorkspace(sampleWorkspace(), { kind: sampleKind(), requireKind: true }));
  });

  test('without a Kind only the format is checked', () => {
    const ws = sampleWorkspace();
    ws.spec.podTemplate.options.imageConfig = 'nowhere';
    expectAccepted(validateWorkspace(ws));
    expectAccepted(validateWorkspace(ws, { requireKind: false }));
  });
});

describe('Workspace webhook create (§6.3)', () => {
  const kind = webhookKind();

  test('W1 unknown kind', () => {
    const ws = webhookWorkspace();
    ws.spec.kind = 'invalid-workspace-kind';
    const v = validateWorkspace(ws, { requireKind: true });
    expect(messages(v)).toEqual([
      'spec.kind: Invalid value: "invalid-workspace-kind": workspace kind "invalid-workspace-kind" not found',
    ]);
    // A Kind with another name does not help, and the not-found error is the only webhook error.
    ws.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'x' } };
    expect(messages(validateWorkspace(ws, { kind, requireKind: true }))).toEqual(messages(v));
  });

  test('W2 bad label key', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'value' } };
    const v = validateWorkspace(ws, { kind });
    expectRejected(v, 'spec.podTemplate.podMetadata.labels: Invalid value: "!bad-key!": name part must consist of');
  });

  test('W2b bad label value', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.podMetadata = { labels: { ok: 'bad value!' } };
    expectRejected(validateWorkspace(ws, { kind }), 'spec.podTemplate.podMetadata.labels: Invalid value: "bad value!": value of label "ok": a valid label must be');
  });

  test('W3 bad annotation key', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.podMetadata = { annotations: { '!bad-key!': 'value' } };
    expectRejected(validateWorkspace(ws, { kind }), 'spec.podTemplate.podMetadata.annotations: Invalid value: "!bad-key!"');
  });

  test('W4 unknown imageConfig', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.options.imageConfig = 'invalid_image_config';
    expect(messages(validateWorkspace(ws, { kind }))).toEqual([
      'spec.podTemplate.options.imageConfig: Invalid value: "invalid_image_config": imageConfig with id "invalid_image_config" not found in workspace kind "jupyterlab"; expected one of its imageConfig ids: "redirect_step_1", "redirect_step_2", "redirect_step_3", "jupyterlab_scipy_180", "jupyterlab_scipy_190"',
    ]);
  });

  test('W5 unknown podConfig', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.options.podConfig = 'invalid_pod_config';
    expectRejected(validateWorkspace(ws, { kind }), 'podConfig with id "invalid_pod_config" not found in workspace kind "jupyterlab"');
  });

  test('errors of steps 2–4 accumulate in order', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.podMetadata = { annotations: { '!a!': '' } };
    ws.spec.podTemplate.options = { imageConfig: 'x', podConfig: 'y' };
    const fields = validateWorkspace(ws, { kind }).map((v) => v.field);
    expect(fields).toEqual([
      'spec.podTemplate.podMetadata.annotations',
      'spec.podTemplate.options.imageConfig',
      'spec.podTemplate.options.podConfig',
    ]);
  });

  test('W6 valid Workspace; hidden and redirected options are accepted', () => {
    expectAccepted(validateWorkspace(webhookWorkspace(), { kind, requireKind: true }));
    const ws = webhookWorkspace();
    ws.spec.podTemplate.options = { imageConfig: 'redirect_step_1', podConfig: 'redirect_step_1' };
    expectAccepted(validateWorkspace(ws, { kind }));
  });
});

describe('Workspace webhook update (§6.3)', () => {
  const kind = webhookKind();

  test('W7 spec.kind is immutable', () => {
    const old = webhookWorkspace();
    const ws = webhookWorkspace();
    ws.spec.kind = 'other-kind';
    const v = validateWorkspaceUpdate(old, ws, kind);
    expectRejected(v, "spec.kind: Invalid value: \"other-kind\": Workspace 'kind' is immutable");
    // The Kind given is not `other-kind`, so the webhook also reports it missing.
    expectRejected(v, 'workspace kind "other-kind" not found');
  });

  test('W8 labels', () => {
    const old = webhookWorkspace();
    const bad = webhookWorkspace();
    bad.spec.podTemplate.podMetadata = { labels: { '!bad-key!': 'value' } };
    expectRejected(validateWorkspaceUpdate(old, bad, kind), 'Invalid value: "!bad-key!"');
    const good = webhookWorkspace();
    good.spec.podTemplate.podMetadata = { labels: { 'good-key': 'value' } };
    expectAccepted(validateWorkspaceUpdate(old, good, kind));
  });

  test('W9 annotations', () => {
    const old = webhookWorkspace();
    const bad = webhookWorkspace();
    bad.spec.podTemplate.podMetadata = { annotations: { '!bad-key!': 'value' } };
    expectRejected(validateWorkspaceUpdate(old, bad, kind), 'Invalid value: "!bad-key!"');
    const good = webhookWorkspace();
    good.spec.podTemplate.podMetadata = { annotations: { 'good-key': 'value' } };
    expectAccepted(validateWorkspaceUpdate(old, good, kind));
  });

  test('W10 imageConfig', () => {
    const old = webhookWorkspace();
    const bad = webhookWorkspace();
    bad.spec.podTemplate.options.imageConfig = 'invalid_image_config';
    expectRejected(validateWorkspaceUpdate(old, bad, kind), 'imageConfig with id "invalid_image_config" not found in workspace kind "jupyterlab"');
    const good = webhookWorkspace();
    good.spec.podTemplate.options.imageConfig = 'jupyterlab_scipy_190';
    expectAccepted(validateWorkspaceUpdate(old, good, kind));
  });

  test('W11 podConfig', () => {
    const old = webhookWorkspace();
    const bad = webhookWorkspace();
    bad.spec.podTemplate.options.podConfig = 'invalid_pod_config';
    expectRejected(validateWorkspaceUpdate(old, bad, kind), 'podConfig with id "invalid_pod_config" not found in workspace kind "jupyterlab"');
    const good = webhookWorkspace();
    good.spec.podTemplate.options.podConfig = 'small_cpu';
    expectAccepted(validateWorkspaceUpdate(old, good, kind));
  });

  test('only changed items are checked; nothing relevant changed ⇒ the Kind is not needed', () => {
    const old = webhookWorkspace();
    old.spec.podTemplate.options.imageConfig = 'gone';
    const ws = structuredClone(old);
    ws.spec.paused = true;
    expectAccepted(validateWorkspaceUpdate(old, ws));
    ws.spec.podTemplate.options.podConfig = 'small_cpu';
    // imageConfig did not change, so its (now missing) id is not re-checked.
    expectAccepted(validateWorkspaceUpdate(old, ws, kind));
    expectRejected(validateWorkspaceUpdate(old, ws), 'workspace kind "jupyterlab" not found');
  });

  test('empty podMetadata maps equal absent ones (no change)', () => {
    const old = webhookWorkspace();
    old.spec.podTemplate.podMetadata = { labels: {} };
    const ws = webhookWorkspace();
    ws.spec.podTemplate.podMetadata = { labels: {}, annotations: {} };
    expectAccepted(validateWorkspaceUpdate(old, ws));
  });

  test('the new object is schema-checked on update', () => {
    const ws = webhookWorkspace();
    ws.spec.podTemplate.volumes.home = 'Bad_PVC';
    const v = validateWorkspaceUpdate(webhookWorkspace(), ws, kind);
    expect(v.map((x) => [x.field, x.type])).toEqual([['spec.podTemplate.volumes.home', ViolationType.INVALID]]);
  });
});
