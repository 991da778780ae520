/**
 * The decisions of the admission webhooks (docs/upstream-behavior.md §4.6–§4.8): AdmissionReview v1 request in,
 * response out. The rules are the shared core's (lib/core/validation), so `kfws`, the constructs and the cluster agree;
 * this module adds what only the webhook knows: the Kind and the usage counts from the informer caches, and the
 * API-server-shaped Status of a refusal (422 Invalid with causes, 409 Conflict, 500 internal error).
 */
import { API_GROUP, WORKSPACE_KIND, WORKSPACEKIND_KIND, WorkspaceKindObject, WorkspaceObject } from '../../core/api';
import { isPlainObject, objectAt } from '../../core/json';
import { OptionType } from '../../core/options';
import {
  admitWorkspaceCreate,
  admitWorkspaceKindCreate,
  admitWorkspaceKindUpdate,
  admitWorkspaceUpdate,
  countOptionUsage,
  formatViolation,
  usageLookup,
  validateWorkspaceKindDelete,
  Violation,
  ViolationType,
  workspaceUpdateNeedsKind,
} from '../../core/validation';
import { semanticEqual } from '../../core/validation/equality';
import { goQuote } from '../../core/validation/quote';
import { ROOT_FIELD } from '../../core/validation/schema';
import { warnWorkspaceKindCreate, warnWorkspaceKindUpdate } from '../../core/validation';
import { ApiRevision, DEFAULT_API_REVISION } from '../../core/revision';
import { AdmissionOperation, WebhookRegistration, WORKSPACE_WEBHOOK, WORKSPACEKIND_WEBHOOK } from '../../core/contract/webhooks';
import { liveReservations, readReservations, Reservation, RESERVATIONS_ANNOTATION, reservedCounts } from './reservations';
import { ReservationRequest } from './reserver';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: { readonly group?: string; readonly version?: string; readonly kind?: string };
  readonly operation: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
  readonly userInfo?: { readonly username?: string };
}

/** One cause of a refusal; the beta's structured 409 carries only a `message` (docs/upstream-v2-beta.md §5.5). */
export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

/** A `metav1.Status` as the API server relays it to the client. */
export interface AdmissionStatus {
  readonly status: 'Failure';
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string; readonly causes?: StatusCause[] };
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  /** Admission warnings (v2.0.0-beta.0), shown by kubectl as `Warning: ...`, with or without a refusal. */
  readonly warnings?: string[];
}

/** How a request was decided, for the metrics. */
export enum Verdict {
  ALLOWED = 'allowed',
  DENIED = 'denied',
  /** Not decided on the rules: caches not synced, a lookup failed, or the request was malformed. */
  ERROR = 'error',
}

/** What the decisions read besides the request: the informer caches. */
export interface AdmissionSource {
  /** False until the caches have listed everything once; requests are refused until then (fail closed). */
  readonly synced: boolean;
  /** The WorkspaceKind named `name`, or undefined if it does not exist; throws when it cannot be looked up. */
  kind(name: string): Promise<WorkspaceKindObject | undefined>;
  /** Every Workspace (any namespace) whose `spec.kind` is `name`. */
  workspacesOfKind(name: string): readonly WorkspaceObject[];
  /**
   * Records a Workspace's options on its kind before it is admitted (reservations.ts), checked against the kind the
   * record lands on: resolves to the violations of that check, none when recorded.
   */
  reserve(request: ReservationRequest): Promise<Violation[]>;
  /** Whether the Workspace cache has caught up with `resourceVersion` (waiting a little for it). */
  workspacesCaughtUp(resourceVersion: string): Promise<boolean>;
  /** The username the webhook's own writes come with (its ServiceAccount), if known. */
  identity(): Promise<string | undefined>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** The revision of the installed CRDs, whose rules apply (`--api-revision`). @default fd7a3d8e */
  readonly revision?: ApiRevision;
}

export interface AdmissionResult {
  readonly response: AdmissionResponse;
  readonly verdict: Verdict;
}

/** A malformed AdmissionReview: the server answers HTTP 400 with this message. */
export class AdmissionReviewError extends Error {}

/** Reads the `request` of an AdmissionReview v1 body; throws {@link AdmissionReviewError} when it is not one. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isPlainObject(body)) throw new AdmissionReviewError('expected an AdmissionReview object');
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== 'AdmissionReview') {
    throw new AdmissionReviewError(`expected apiVersion ${ADMISSION_API_VERSION} and kind AdmissionReview, got ${JSON.stringify(body.apiVersion)} ${JSON.stringify(body.kind)}`);
  }
  const request = body.request;
  if (!isPlainObject(request) || typeof request.uid !== 'string' || typeof request.operation !== 'string') {
    throw new AdmissionReviewError('expected request.uid and request.operation');
  }
  return request as unknown as AdmissionRequest;
}

/** The AdmissionReview v1 body answering `request`. */
export function admissionReview(response: AdmissionResponse): unknown {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

const CAUSE_REASONS: Record<ViolationType, string> = {
  [ViolationType.INVALID]: 'FieldValueInvalid',
  [ViolationType.REQUIRED]: 'FieldValueRequired',
  [ViolationType.UNSUPPORTED]: 'FieldValueNotSupported',
  [ViolationType.DUPLICATE]: 'FieldValueDuplicate',
  [ViolationType.TOO_LONG]: 'FieldValueTooLong',
  [ViolationType.TOO_MANY]: 'FieldValueTooMany',
  [ViolationType.FORBIDDEN]: 'FieldValueForbidden',
  [ViolationType.NOT_FOUND]: 'FieldValueNotFound',
  [ViolationType.INTERNAL]: 'InternalError',
  [ViolationType.UNKNOWN_FIELD]: 'FieldValueInvalid',
  [ViolationType.CONFLICT]: 'Conflict',
};

function nameOf(req: AdmissionRequest, obj: unknown): string {
  const meta = isPlainObject(obj) && isPlainObject(obj.metadata) ? obj.metadata : undefined;
  return req.name || (typeof meta?.name === 'string' ? meta.name : '');
}

function allow(req: AdmissionRequest): AdmissionResult {
  return { response: { uid: req.uid, allowed: true }, verdict: Verdict.ALLOWED };
}

function deny(req: AdmissionRequest, status: AdmissionStatus, verdict = Verdict.DENIED): AdmissionResult {
  return { response: { uid: req.uid, allowed: false, status }, verdict };
}

/** An error answer (not a rule's verdict): HTTP `code` with `message`, as the API server shows it. */
function failure(req: AdmissionRequest, code: number, reason: string, message: string): AdmissionResult {
  return deny(req, { status: 'Failure', code, reason, message }, Verdict.ERROR);
}

/**
 * Violations as the API server reports them: 409 for the delete refusals, 500 for a failed usage lookup, else 422
 * Invalid `<Kind>.kubeflow.org "<name>" is invalid: <e>` (or `[e1, e2]`) with one cause per violation.
 */
function refuse(req: AdmissionRequest, kind: string, name: string, violations: readonly Violation[]): AdmissionResult {
  const conflict = violations.find((v) => v.type === ViolationType.CONFLICT);
  if (conflict) {
    // v2.0.0-beta.0: the reason is the Status' cause, not part of the message (beta §5.5).
    const causes = conflict.causes?.map((message) => ({ message }));
    return deny(req, {
      status: 'Failure',
      code: 409,
      reason: 'Conflict',
      message: conflict.detail,
      details: { name, group: API_GROUP, kind, ...(causes && causes.length > 0 ? { causes } : {}) },
    });
  }
  const internal = violations.find((v) => v.type === ViolationType.INTERNAL && v.field === ROOT_FIELD);
  if (internal) return failure(req, 500, 'InternalError', `Internal error occurred: ${internal.detail}`);
  const errors = [...new Set(violations.map(formatViolation))];
  const causes = violations.map((v) => ({ reason: CAUSE_REASONS[v.type], message: formatViolation(v).slice(v.field.length + 2), field: v.field }));
  const summary = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  return deny(req, {
    status: 'Failure',
    code: 422,
    reason: 'Invalid',
    message: `${kind}.${API_GROUP} ${goQuote(name)} is invalid: ${summary}`,
    details: { name, group: API_GROUP, kind, causes },
  });
}

/** Decides one request of `webhook` (the path it came in on). */
export async function admit(webhook: WebhookRegistration, req: AdmissionRequest, source: AdmissionSource): Promise<AdmissionResult> {
  if (!webhook.operations.includes(req.operation as AdmissionOperation)) return allow(req);
  if (!source.synced) {
    return failure(req, 503, 'ServiceUnavailable', `the ${webhook.name} webhook is starting: its caches of Workspaces and WorkspaceKinds have not synced yet; retry shortly`);
  }
  if (webhook === WORKSPACE_WEBHOOK) return admitWorkspace(req, source);
  if (webhook === WORKSPACEKIND_WEBHOOK) return admitWorkspaceKind(req, source);
  throw new Error(`no rules for webhook ${webhook.name}`);
}

async function admitWorkspace(req: AdmissionRequest, source: AdmissionSource): Promise<AdmissionResult> {
  const obj = req.object;
  const name = nameOf(req, obj);
  const update = req.operation === AdmissionOperation.UPDATE;
  if (update && !workspaceUpdateNeedsKind(req.oldObject, obj)) return allow(req);
  const spec = isPlainObject(obj) && isPlainObject(obj.spec) ? obj.spec : undefined;
  const kindName = typeof spec?.kind === 'string' ? spec.kind : undefined;
  let kind: WorkspaceKindObject | undefined;
  if (kindName !== undefined) {
    try {
      kind = await source.kind(kindName);
    } catch (err) {
      const violation: Violation = { field: 'spec.kind', type: ViolationType.INTERNAL, detail: (err as Error).message };
      return refuse(req, WORKSPACE_KIND, name, [violation]);
    }
  }
  const check = (k: WorkspaceKindObject | undefined) => (update ? admitWorkspaceUpdate(req.oldObject, obj, k) : admitWorkspaceCreate(obj, k));
  let violations = check(kind);
  if (violations.length === 0 && kindName !== undefined && !req.dryRun && choosesOptions(req, update)) {
    const options = isPlainObject(spec?.podTemplate) && isPlainObject(spec.podTemplate.options) ? spec.podTemplate.options : {};
    const meta = isPlainObject(obj) && isPlainObject(obj.metadata) ? obj.metadata : {};
    const namespace = req.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : '');
    violations = await source.reserve({
      kindName,
      reservation: {
        uid: typeof meta.uid === 'string' && meta.uid !== '' ? meta.uid : `${namespace}/${name}`,
        workspace: `${namespace}/${name}`,
        imageConfig: typeof options.imageConfig === 'string' ? options.imageConfig : undefined,
        podConfig: typeof options.podConfig === 'string' ? options.podConfig : undefined,
      },
      check,
    });
  }
  return violations.length === 0 ? allow(req) : refuse(req, WORKSPACE_KIND, name, violations);
}

/** A create, or an update that moves the Workspace to other options: what a kind update could race with. */
function choosesOptions(req: AdmissionRequest, update: boolean): boolean {
  if (!update) return true;
  const options = (o: unknown) => {
    const spec = isPlainObject(o) && isPlainObject(o.spec) ? o.spec : undefined;
    const p = isPlainObject(spec?.podTemplate) && isPlainObject(spec.podTemplate.options) ? spec.podTemplate.options : {};
    return [p.imageConfig, p.podConfig];
  };
  const [oldImage, oldPod] = options(req.oldObject);
  const [image, pod] = options(req.object);
  return oldImage !== image || oldPod !== pod;
}

/** Adds the rules' admission warnings to a decision (allowed or not), as controller-runtime returns them. */
function withWarnings(result: AdmissionResult, warnings: readonly string[]): AdmissionResult {
  return warnings.length === 0 ? result : { ...result, response: { ...result.response, warnings: [...warnings] } };
}

async function admitWorkspaceKind(req: AdmissionRequest, source: AdmissionSource): Promise<AdmissionResult> {
  const revision = source.revision ?? DEFAULT_API_REVISION;
  switch (req.operation) {
    case AdmissionOperation.CREATE: {
      const violations = admitWorkspaceKindCreate(req.object, revision);
      const result = violations.length === 0 ? allow(req) : refuse(req, WORKSPACEKIND_KIND, nameOf(req, req.object), violations);
      return withWarnings(result, warnWorkspaceKindCreate(req.object, revision));
    }
    case AdmissionOperation.UPDATE: {
      const name = nameOf(req, req.object);
      const own = req.userInfo?.username !== undefined && req.userInfo.username === (await source.identity());
      // The webhook's own reservation writes change nothing else: answered without counting.
      if (own && onlyReservationsChanged(req.oldObject, req.object)) return allow(req);
      const book = readReservations(req.oldObject);
      const live = liveReservations(book, source.now());
      if (!own) {
        const kept = new Set(liveReservations(readReservations(req.object), 0).map((e) => e.uid));
        const dropped = live.filter((e) => !kept.has(e.uid));
        if (dropped.length > 0) {
          return deny(req, {
            status: 'Failure',
            code: 409,
            reason: 'Conflict',
            message: `the annotation ${RESERVATIONS_ANNOTATION} of WorkspaceKind ${goQuote(name)} holds the options of Workspaces being admitted right now (${dropped.map((e) => e.workspace).join(', ')}); keep it as stored (kubectl apply and patch do) or retry in a few seconds`,
            details: { name, group: API_GROUP, kind: WORKSPACEKIND_KIND },
          });
        }
      }
      // Workspaces whose reservations were cleared are counted from the cache: it must have caught up with them.
      if (book.seen !== '' && !(await source.workspacesCaughtUp(book.seen))) return behind(req, name);
      const workspaces = source.workspacesOfKind(name);
      const cached = countOptionUsage(name, workspaces);
      const pending = { seen: book.seen, entries: notYetCached(live, workspaces, true) };
      const counts = {
        imageConfig: sum(cached.imageConfig, reservedCounts(pending, source.now(), OptionType.IMAGE_CONFIG)),
        podConfig: sum(cached.podConfig, reservedCounts(pending, source.now(), OptionType.POD_CONFIG)),
      };
      const violations = admitWorkspaceKindUpdate(req.oldObject, req.object, usageLookup(counts), revision);
      const result = violations.length === 0 ? allow(req) : refuse(req, WORKSPACEKIND_KIND, name, violations);
      return withWarnings(result, warnWorkspaceKindUpdate(req.oldObject, req.object, revision));
    }
    default: {
      const old = req.oldObject;
      const name = nameOf(req, old);
      if (!isPlainObject(old)) return allow(req);
      // The status count is the Kind controller's and may lag a Workspace created a moment ago; the cache does not.
      // Workspaces being admitted right now (their reservations) count as well, and those whose reservations were
      // cleared must be in the cache.
      const book = readReservations(old);
      if (book.seen !== '' && !(await source.workspacesCaughtUp(book.seen))) return behind(req, name);
      const workspaces = source.workspacesOfKind(name);
      const cached = workspaces.length + notYetCached(liveReservations(book, source.now()), workspaces, false).length;
      const status = isPlainObject(old.status) ? old.status : {};
      const counted = typeof status.workspaces === 'number' ? status.workspaces : 0;
      const seen = { ...old, status: { ...status, workspaces: Math.max(counted, cached) } } as unknown as WorkspaceKindObject;
      const violations = validateWorkspaceKindDelete(seen, revision);
      return violations.length === 0 ? allow(req) : refuse(req, WORKSPACEKIND_KIND, name, violations);
    }
  }
}

/**
 * Reservations not yet represented by a cached Workspace, so that a Workspace whose reservation is still live once the
 * cache has it is counted once. With `sameOptions`, a cached Workspace represents its reservation only when it already
 * has the reserved options (an option change in flight counts both the old and the new options).
 */
function notYetCached(live: readonly Reservation[], workspaces: readonly WorkspaceObject[], sameOptions: boolean): Reservation[] {
  const cached = new Map(workspaces.map((ws) => [ws.metadata?.uid, objectAt(ws, 'spec', 'podTemplate', 'options')]));
  return live.filter((e) => {
    if (!cached.has(e.uid)) return true;
    if (!sameOptions) return false;
    const options = cached.get(e.uid);
    return (e.imageConfig !== undefined && options?.imageConfig !== e.imageConfig)
      || (e.podConfig !== undefined && options?.podConfig !== e.podConfig);
  });
}

function behind(req: AdmissionRequest, name: string): AdmissionResult {
  return failure(req, 503, 'ServiceUnavailable', `the ${WORKSPACEKIND_WEBHOOK.name} webhook's cache of Workspaces is behind the Workspaces recorded on WorkspaceKind ${goQuote(name)}; retry shortly`);
}

function sum(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map(a);
  for (const [id, n] of b) out.set(id, (out.get(id) ?? 0) + n);
  return out;
}

/** True when two kinds differ in nothing but the reservations annotation (and the server-set metadata). */
function onlyReservationsChanged(oldObj: unknown, newObj: unknown): boolean {
  const strip = (o: unknown) => {
    if (!isPlainObject(o)) return o;
    const meta = isPlainObject(o.metadata) ? o.metadata : {};
    const { resourceVersion: _rv, managedFields: _mf, generation: _g, annotations, ...rest } = meta;
    const others = isPlainObject(annotations) ? Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== RESERVATIONS_ANNOTATION)) : {};
    return { ...o, metadata: { ...rest, annotations: others } };
  };
  return semanticEqual(strip(oldObj), strip(newObj));
}
