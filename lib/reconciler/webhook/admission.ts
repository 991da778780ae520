/**
 * The decisions of the admission webhooks (upstream-behavior §4.6–§4.8): AdmissionReview v1 request in, response
 * out. The rules are the shared core's (lib/core/validation), so `kfws`, the constructs and the cluster agree; this
 * module adds what only the webhook knows: the Kind and the usage counts from the informer caches, and the
 * API-server-shaped Status of a refusal (422 Invalid with causes, 409 Conflict, 500 internal error).
 */
import { API_GROUP, WORKSPACE_KIND, WORKSPACEKIND_KIND, WorkspaceKindObject, WorkspaceObject } from '../../core/api';
import { isPlainObject } from '../../core/json';
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
import { goQuote } from '../../core/validation/quote';
import { ROOT_FIELD } from '../../core/validation/schema';
import { AdmissionOperation, WebhookRegistration, WORKSPACE_WEBHOOK, WORKSPACEKIND_WEBHOOK } from '../../core/contract/webhooks';

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
}

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
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
    return deny(req, { status: 'Failure', code: 409, reason: 'Conflict', message: conflict.detail, details: { name, group: API_GROUP, kind } });
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
  const violations = update ? admitWorkspaceUpdate(req.oldObject, obj, kind) : admitWorkspaceCreate(obj, kind);
  return violations.length === 0 ? allow(req) : refuse(req, WORKSPACE_KIND, name, violations);
}

async function admitWorkspaceKind(req: AdmissionRequest, source: AdmissionSource): Promise<AdmissionResult> {
  switch (req.operation) {
    case AdmissionOperation.CREATE: {
      const violations = admitWorkspaceKindCreate(req.object);
      return violations.length === 0 ? allow(req) : refuse(req, WORKSPACEKIND_KIND, nameOf(req, req.object), violations);
    }
    case AdmissionOperation.UPDATE: {
      const name = nameOf(req, req.object);
      const counts = countOptionUsage(name, source.workspacesOfKind(name));
      const violations = admitWorkspaceKindUpdate(req.oldObject, req.object, usageLookup(counts));
      return violations.length === 0 ? allow(req) : refuse(req, WORKSPACEKIND_KIND, name, violations);
    }
    default: {
      const old = req.oldObject;
      const name = nameOf(req, old);
      if (!isPlainObject(old)) return allow(req);
      // The status count is the Kind controller's and may lag a Workspace created a moment ago; the cache does not.
      const cached = source.workspacesOfKind(name).length;
      const status = isPlainObject(old.status) ? old.status : {};
      const counted = typeof status.workspaces === 'number' ? status.workspaces : 0;
      const seen = { ...old, status: { ...status, workspaces: Math.max(counted, cached) } } as unknown as WorkspaceKindObject;
      const violations = validateWorkspaceKindDelete(seen);
      return violations.length === 0 ? allow(req) : refuse(req, WORKSPACEKIND_KIND, name, violations);
    }
  }
}
