/**
 * `kfws render`: the StatefulSet and Service the reconciler would create for each Workspace — taken from the
 * reconciler's own plan (./plan.ts), so that a reviewer sees exactly the Pod a change produces, including a switch to
 * redirect targets. A Workspace that the webhook would refuse, or that the reconciler could not render, yields
 * findings instead.
 */

import { DEFAULT_SCALAR_STYLE_RULES, dump, SCALAR_STYLE_DOUBLE_QUOTED, SCALAR_STYLE_PLAIN, ScalarLayout, ScalarStyleRule } from 'js-yaml';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { WORKSPACE_KIND, WorkspaceKindObject, WorkspaceObject } from '../core/api';
import { RenderedService, RenderedStatefulSet } from '../core/render';
import { validateWorkspace, validateWorkspaceRendering } from '../core/validation';
import { kindIndex, ruleFindings, sortFindings } from './check';
import { ManifestObject, ManifestSet, objectLine } from './manifests';
import { escapeLine, safeJson } from './report';
import { kindSchemaViolations, previewReconcile } from './plan';
import { describeObject, Finding, FindingCategory, ObjectRef, OutputFormat, Severity } from './types';

export interface RenderedWorkspace {
  readonly workspace: ObjectRef;
  readonly file: string;
  readonly document: number;
  /** For a Workspace that is an item of a `List` document: its path there (`items[3]`). */
  readonly item?: string;
  readonly kind: string;
  /**
   * Option redirects the reconciler has pending for it (`imageConfig a → b → c`), held until the Workspace is paused
   * (or forever with `deferUpdates`); the Pod still uses the current ids.
   */
  readonly pendingRedirects: readonly string[];
  /**
   * Option redirects the reconciler follows at once (the Workspace is paused and does not defer updates): it rewrites
   * the spec to the targets, and the objects below are rendered from them.
   */
  readonly appliedRedirects: readonly string[];
  readonly statefulSet: RenderedStatefulSet;
  readonly service: RenderedService;
}

export interface RenderResult {
  readonly rendered: readonly RenderedWorkspace[];
  readonly findings: readonly Finding[];
  /** How many Workspaces matched the selection. */
  readonly matched: number;
}

/** `[namespace/]name` against a Workspace. */
function matchesSelector(ref: ObjectRef, selector: string | undefined): boolean {
  if (selector === undefined) return true;
  const slash = selector.indexOf('/');
  if (slash === -1) return ref.name === selector;
  return (ref.namespace ?? '') === selector.slice(0, slash) && ref.name === selector.slice(slash + 1);
}

export function renderWorkspaces(
  input: ManifestSet,
  reference: ManifestSet | undefined,
  selector?: string,
  revision: ApiRevision = DEFAULT_API_REVISION,
): RenderResult {
  const kinds = kindIndex(reference, input);
  const findings: Finding[] = [...input.findings, ...(reference?.findings ?? [])];
  /** Per WorkspaceKind used: whether it matches its CRD schema, which the planner trusts; its problems once if not. */
  const readableKinds = new Map<WorkspaceKindObject, boolean>();
  const readable = (kind: WorkspaceKindObject): boolean => {
    let ok = readableKinds.get(kind);
    if (ok === undefined) {
      const violations = kindSchemaViolations(kind, revision);
      ok = violations.length === 0;
      readableKinds.set(kind, ok);
      const obj = [...(reference?.objects ?? []), ...input.objects].find((o) => o.value === (kind as unknown));
      if (obj) findings.push(...ruleFindings(obj, violations));
    }
    return ok;
  };
  const rendered: RenderedWorkspace[] = [];
  const selected = input.objects.filter((o) => o.ref.kind === WORKSPACE_KIND && matchesSelector(o.ref, selector));
  for (const obj of selected) {
    const ws = obj.value as unknown as WorkspaceObject;
    const kind = kinds.get(ws.spec?.kind ?? '');
    const violations = [...validateWorkspace(obj.value, { kind, requireKind: true, revision }), ...validateWorkspaceRendering(obj.value, kind)];
    if (violations.length > 0) {
      findings.push(...ruleFindings(obj, violations));
      continue;
    }
    if (!kind) continue; // reported by validation
    if (!readable(kind)) {
      findings.push(workspaceFinding(obj, `not rendered: its WorkspaceKind ${kind.metadata.name} does not match the CRD schema`));
      continue;
    }
    // Exactly what the reconciler creates: its own plan, not a re-enactment of it.
    const preview = previewReconcile(ws, kind, revision);
    if (preview.error !== undefined || !preview.statefulSet || !preview.service) {
      findings.push(workspaceFinding(obj, preview.error ?? 'the reconciler creates no StatefulSet and Service for it'));
      continue;
    }
    rendered.push({
      workspace: obj.ref,
      file: obj.file.display,
      document: obj.document,
      item: obj.item,
      kind: kind.metadata.name ?? '',
      pendingRedirects: preview.followsRedirect ? [] : preview.redirects,
      appliedRedirects: preview.followsRedirect ? preview.redirects : [],
      statefulSet: preview.statefulSet,
      service: preview.service,
    });
  }
  return { rendered, findings: sortFindings(findings), matched: selected.length };
}

/**
 * A problem of a Workspace as a whole, e.g. the state message of state Error (docs/upstream-behavior.md §2.3) when the
 * reconciler cannot render it.
 */
function workspaceFinding(obj: ManifestObject, message: string): Finding {
  return {
    severity: Severity.ERROR,
    category: FindingCategory.RULE,
    file: obj.file.display,
    document: obj.document,
    item: obj.item,
    line: objectLine(obj),
    object: obj.ref,
    message,
  };
}

/** A string with a line break (YAML's: LF, CR, NEL, LS, PS) is double-quoted, never written over several lines. */
function doubleQuoteLineBreaks(layout: ScalarLayout): void {
  if (layout.style === SCALAR_STYLE_PLAIN && /[\n\r\u0085\u2028\u2029]/.test(layout.node.value)) layout.style = SCALAR_STYLE_DOUBLE_QUOTED;
}

/** js-yaml's rules for picking a scalar's style, without block scalars and without plain scalars over several lines. */
const ONE_LINE_SCALARS: ScalarStyleRule[] = Object.values(DEFAULT_SCALAR_STYLE_RULES).flatMap((rule) =>
  rule === DEFAULT_SCALAR_STYLE_RULES.tryLongOrMultilineAsBlock ? [] : rule === DEFAULT_SCALAR_STYLE_RULES.quoteInvalidPlain ? [doubleQuoteLineBreaks, rule] : [rule],
);

/**
 * YAML without folding of long lines, as cdk8s writes it; strings with line breaks double-quoted (`"a\nb"`) rather
 * than as block scalars, so that no value of the input starts a line of output. Strings that YAML 1.1 would read as
 * something else (`n`, `yes`, `on`, `0755`) are quoted, so that kubectl reads them back as strings.
 */
function renderedYaml(value: unknown): string {
  // js-yaml dumps only objects with Object's prototype; JSON.parse makes those, with `__proto__` an own key.
  return dump(JSON.parse(JSON.stringify(value)), { lineWidth: -1, noRefs: true, quoteStyle: 'double', scalarStyleRules: ONE_LINE_SCALARS })
    .split('\n')
    .map(escapeLine)
    .join('\n');
}

export function formatRendered(result: RenderResult, format: OutputFormat): string {
  if (format === OutputFormat.JSON) {
    return safeJson({ items: result.rendered, findings: result.findings });
  }
  return result.rendered
    .map((r) => {
      const header = [
        `# ${describeObject(r.workspace)} (${r.file}, ${r.item === undefined ? '' : `${r.item} of `}document ${r.document}), WorkspaceKind ${r.kind}`,
        ...r.pendingRedirects.map((p) => `# pending restart: ${p}; the Pod below still uses the current option`),
        ...r.appliedRedirects.map((p) => `# paused: the reconciler switches it to the redirect target (${p}); the Pod below uses the target`),
      ]
        .map(escapeLine)
        .join('\n');
      return `${header}\n${renderedYaml(r.statefulSet)}---\n${renderedYaml(r.service)}`;
    })
    .join('---\n');
}
