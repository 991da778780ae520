/**
 * `kfws render`: the StatefulSet and Service the reconciler would create for each Workspace (the shared rendering
 * core, lib/core/render.ts), so that a reviewer sees the Pod a change produces. A Workspace that the webhook would
 * refuse, or that the reconciler could not render, yields findings instead.
 */

import { stringify } from 'yaml';
import { OptionValue, WORKSPACE_KIND, WorkspaceObject } from '../core/api';
import { OptionResolutionError, OptionType, resolveOption } from '../core/options';
import { RenderedService, RenderedStatefulSet, RenderError, renderService, renderStatefulSet } from '../core/render';
import { StateMessages } from '../core/state';
import { validateWorkspace } from '../core/validation';
import { kindIndex, ruleFindings, sortFindings } from './check';
import { ManifestObject, ManifestSet } from './manifests';
import { describeObject, Finding, FindingCategory, ObjectRef, OutputFormat, Severity } from './types';

export interface RenderedWorkspace {
  readonly workspace: ObjectRef;
  readonly file: string;
  readonly document: number;
  readonly kind: string;
  /** Option redirects the reconciler has pending for it (`imageConfig a → b`); the Pod still uses the current ids. */
  readonly pendingRedirects: readonly string[];
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

export function renderWorkspaces(input: ManifestSet, reference: ManifestSet | undefined, selector?: string): RenderResult {
  const kinds = kindIndex(reference, input);
  const findings: Finding[] = [...input.findings, ...(reference?.findings ?? [])];
  const rendered: RenderedWorkspace[] = [];
  const selected = input.objects.filter((o) => o.ref.kind === WORKSPACE_KIND && matchesSelector(o.ref, selector));
  for (const obj of selected) {
    const ws = obj.value as unknown as WorkspaceObject;
    const kind = kinds.get(ws.spec?.kind ?? '');
    const violations = validateWorkspace(obj.value, { kind, requireKind: true });
    if (violations.length > 0 || !kind?.spec || !ws.spec) {
      findings.push(...ruleFindings(obj, violations));
      continue;
    }
    // In the reconciler's order (§1.2 steps 6, 8, 10): options, StatefulSet, Service.
    const redirects: string[] = [];
    let failure: string | undefined;
    for (const type of [OptionType.IMAGE_CONFIG, OptionType.POD_CONFIG]) {
      try {
        const values: readonly OptionValue<unknown>[] = kind.spec.podTemplate.options[type].values;
        const resolved = resolveOption(type, values, ws.spec.podTemplate.options[type]);
        if (resolved.redirectChain) redirects.push(`${type} ${resolved.current.id} → ${resolved.desired}`);
      } catch (err) {
        if (!(err instanceof OptionResolutionError)) throw err;
        failure ??= (type === OptionType.IMAGE_CONFIG ? StateMessages.invalidImageConfig : StateMessages.invalidPodConfig)(err.message).message;
      }
    }
    try {
      if (failure === undefined) {
        rendered.push({
          workspace: obj.ref,
          file: obj.file.display,
          document: obj.document,
          kind: kind.metadata.name ?? '',
          pendingRedirects: redirects,
          statefulSet: renderStatefulSet(ws, kind),
          service: renderService(ws, kind),
        });
      }
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      failure = err.stateMessage;
    }
    if (failure !== undefined) findings.push(stateFinding(obj, failure));
  }
  return { rendered, findings: sortFindings(findings), matched: selected.length };
}

/** A Workspace the reconciler cannot render ends in state Error with this message (§2.3). */
function stateFinding(obj: ManifestObject, message: string): Finding {
  return {
    severity: Severity.ERROR,
    category: FindingCategory.RULE,
    file: obj.file.display,
    document: obj.document,
    line: obj.file.line(obj.document),
    object: obj.ref,
    message,
  };
}

export function formatRendered(result: RenderResult, format: OutputFormat): string {
  if (format === OutputFormat.JSON) {
    return `${JSON.stringify({ items: result.rendered, findings: result.findings }, null, 2)}\n`;
  }
  return result.rendered
    .map((r) => {
      const header = [
        `# ${describeObject(r.workspace)} (${r.file}, document ${r.document}), WorkspaceKind ${r.kind}`,
        ...r.pendingRedirects.map((p) => `# pending restart: ${p}; the Pod below still uses the current option`),
      ].join('\n');
      // No folding of long lines, as cdk8s writes YAML.
      return `${header}\n${stringify(r.statefulSet, { lineWidth: 0 })}---\n${stringify(r.service, { lineWidth: 0 })}`;
    })
    .join('---\n');
}
