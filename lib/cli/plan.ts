/**
 * What the reconciler does with a Workspace of the manifests, for `kfws render` and `kfws diff`: its own pure plan
 * (lib/core/workspace-plan.ts) for the first reconcile of the Workspace as applied (no StatefulSet or Service
 * yet), and — when that pass rewrites the spec to the redirect targets — the pass the rewrite triggers. Nothing of the
 * reconciler's pass order is repeated here.
 */

import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { OptionValue, RedirectStep, WORKSPACEKIND_KIND, WorkspaceKindObject, WorkspaceObject, WorkspaceState, WorkspaceStatus } from '../core/api';
import { OptionType, resolveOption } from '../core/options';
import { RenderedService, RenderedStatefulSet } from '../core/render';
import { Violation } from '../core/validation';
import { validateObjectMeta } from '../core/validation/metadata';
import { crdSchema } from '../core/validation/schema';
import { planWorkspace, WorkspaceAction, WorkspacePlan } from '../core/workspace-plan';

export interface ReconcilePreview {
  readonly paused: boolean;
  readonly deferUpdates: boolean;
  /** `imageConfig a → b → c` for each option type whose selected id redirects (see {@link formatRedirectChain}). */
  readonly redirects: readonly string[];
  /**
   * The first pass rewrites the spec to the redirect targets (paused, updates not deferred); everything below is then
   * the outcome of the next pass, on the targets.
   */
  readonly followsRedirect: boolean;
  /** The state message, when the reconciler puts the Workspace in state Error. */
  readonly error?: string;
  /** What the reconciler creates; absent in state Error. */
  readonly statefulSet?: RenderedStatefulSet;
  readonly service?: RenderedService;
}

/** `imageConfig a → b → c`: the option type and every id of the chain, from the selected one to the final target. */
export function formatRedirectChain(type: string, chain: readonly RedirectStep[]): string {
  return `${type} ${[chain[0].source, ...chain.map((step) => step.target)].join(' → ')}`;
}

/** The chains of a status' `podTemplateOptions`, formatted; none for a status without redirects. */
function statusRedirects(status: WorkspaceStatus | undefined): string[] {
  const out: string[] = [];
  for (const [type, option] of Object.entries(status?.podTemplateOptions ?? {})) {
    const chain = option.redirectChain ?? [];
    if (chain.length > 0) out.push(formatRedirectChain(type, chain));
  }
  return out;
}

function actionOf<T extends WorkspaceAction['type']>(plan: WorkspacePlan, type: T): Extract<WorkspaceAction, { type: T }> | undefined {
  return plan.actions.find((a): a is Extract<WorkspaceAction, { type: T }> => a.type === type);
}

/**
 * The Workspace as the reconciler reads it after `kubectl apply` / Argo CD / Flux: the API server drops a stored
 * `status` and a `metadata.deletionTimestamp` of the manifest, so neither may steer the plan.
 */
function asApplied(ws: WorkspaceObject): WorkspaceObject {
  const { deletionTimestamp: _ignored, ...metadata } = ws.metadata;
  return { ...ws, metadata, status: undefined };
}

/**
 * The reconciler's outcome for `ws` with `kind` (undefined: the kind does not exist). Both must have passed the core
 * validator's schema checks: the planner trusts the schema, and anything it throws is a bug.
 */
export function previewReconcile(
  ws: WorkspaceObject,
  kind: WorkspaceKindObject | undefined,
  revision: ApiRevision = DEFAULT_API_REVISION,
): ReconcilePreview {
  const applied = asApplied(ws);
  const spec = applied.spec;
  if (!spec) throw new Error(`Workspace ${applied.metadata.name ?? ''} has no spec`);
  const snapshot = (w: WorkspaceObject) => ({ ws: w, kind, statefulSets: [], services: [], statefulSetEvents: [], nowSeconds: 0, revision });
  let plan = planWorkspace(snapshot(applied));
  let redirects = statusRedirects(plan.status);
  const rewrite = actionOf(plan, 'applyRedirects');
  if (rewrite && kind?.spec) {
    // docs/upstream-behavior.md §1.2 step 7: the pass writes the targets and stops; the spec change triggers the next
    // pass, which renders them. The chains it followed are the planner's own resolution of the selected options.
    const options = kind.spec.podTemplate.options;
    redirects = [OptionType.IMAGE_CONFIG, OptionType.POD_CONFIG].flatMap((type) => {
      const values: readonly OptionValue<unknown>[] = options[type].values;
      const chain = resolveOption(type, values, spec.podTemplate.options[type]).redirectChain;
      return chain ? [formatRedirectChain(type, chain)] : [];
    });
    const targets = { ...spec.podTemplate.options, imageConfig: rewrite.imageConfig, podConfig: rewrite.podConfig };
    plan = planWorkspace(snapshot({ ...applied, spec: { ...spec, podTemplate: { ...spec.podTemplate, options: targets } } }));
  }
  const error = plan.decision?.state === WorkspaceState.ERROR ? plan.decision.message : undefined;
  return {
    paused: spec.paused === true,
    deferUpdates: spec.deferUpdates === true,
    redirects,
    followsRedirect: rewrite !== undefined,
    error,
    statefulSet: error === undefined ? actionOf(plan, 'createStatefulSet')?.object : undefined,
    service: error === undefined ? actionOf(plan, 'createService')?.object : undefined,
  };
}

/**
 * Why the planner cannot read a WorkspaceKind, which it trusts to be what the API server stores: its metadata and
 * the CRD schema with its CEL rules. The webhook's rules do not matter for reading: what the reconciler cannot
 * render, it reports as the Workspace's state. (A Workspace's equivalent is `validateWorkspace(obj)` without a kind.)
 */
export function kindSchemaViolations(kind: unknown, revision: ApiRevision = DEFAULT_API_REVISION): Violation[] {
  const metadata = (kind as { metadata?: unknown } | null | undefined)?.metadata;
  return [...validateObjectMeta(metadata, { namespaced: false }), ...crdSchema(WORKSPACEKIND_KIND, revision).validate(kind)];
}
