/**
 * The admission webhooks as the install chart registers them and the reconciler serves them
 * (docs/upstream-behavior.md §4.5): names, paths, rules and ports. Pure data, importable by the platform constructs
 * without the Kubernetes client.
 */

/** Port the reconciler's HTTPS webhook server listens on (upstream's). */
export const WEBHOOK_PORT = 9443;
/** Port of the webhook Service (the API server calls `https://<service>.<namespace>.svc:443<path>`). */
export const WEBHOOK_SERVICE_PORT = 443;

/** Operations a webhook is registered for (the `rules[].operations` of a ValidatingWebhookConfiguration). */
export enum AdmissionOperation {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
}

export interface WebhookRegistration {
  /** The webhook's name in the ValidatingWebhookConfiguration; the API server quotes it in every denial. */
  readonly name: string;
  /** Path on the webhook server. */
  readonly path: string;
  /** Plural resource in `kubeflow.org/v1beta1`. */
  readonly resource: string;
  readonly operations: readonly AdmissionOperation[];
}

export const WORKSPACE_WEBHOOK: WebhookRegistration = {
  name: 'vworkspace.kb.io',
  path: '/validate-kubeflow-org-v1beta1-workspace',
  resource: 'workspaces',
  operations: [AdmissionOperation.CREATE, AdmissionOperation.UPDATE],
};

export const WORKSPACEKIND_WEBHOOK: WebhookRegistration = {
  name: 'vworkspacekind.kb.io',
  path: '/validate-kubeflow-org-v1beta1-workspacekind',
  resource: 'workspacekinds',
  operations: [AdmissionOperation.CREATE, AdmissionOperation.UPDATE, AdmissionOperation.DELETE],
};

export const WEBHOOKS: readonly WebhookRegistration[] = [WORKSPACE_WEBHOOK, WORKSPACEKIND_WEBHOOK];

/**
 * Keys of the Secret that holds the self-managed certificates: the CA (certificate and key, so that any replica can
 * issue the next serving certificate), the serving certificate and key, and the previous CA while a rotation is
 * under way (the API server trusts both until the old serving certificates have expired).
 */
export const WEBHOOK_SECRET_KEYS = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  previousCaCert: 'ca-previous.crt',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
} as const;

/** How long the API server waits for an answer before the failure policy applies (upstream leaves the 10 s default). */
export const WEBHOOK_TIMEOUT_SECONDS = 10;

/**
 * Limits of the webhook server on every replica (flags `--webhook-*`, see docs/security.md). An AdmissionReview
 * carries the object and, on updates, the old one: each is at most etcd's 1.5 MiB request limit once stored, so
 * 3 MiB covers every review the API server can send for our resources.
 */
export interface WebhookServerLimits {
  /** Largest request body; a larger declared Content-Length is refused with 413 before any of it is read. */
  readonly maxRequestBytes: number;
  /**
   * Request body bytes held by all requests together; past it the request holding the most is cut off with 503, so
   * many slow bodies cannot add up to more than this.
   */
  readonly maxBufferedBytes: number;
  /** Open connections; the operating system's accept queue aside, the excess is closed at once. */
  readonly maxConnections: number;
  /**
   * Time for the TLS handshake, the headers, and the whole request; a stalled one is closed within
   * {@link WEBHOOK_CONNECTIONS_CHECK_MS} after. Kept under the registration's timeout, after which the API server
   * has given up anyway.
   */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_WEBHOOK_SERVER_LIMITS: WebhookServerLimits = {
  maxRequestBytes: 3 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxConnections: 256,
  requestTimeoutMs: 5_000,
};

/** How often the server looks for requests past their headers or request timeout (Node's default is 30 s). */
export const WEBHOOK_CONNECTIONS_CHECK_MS = 500;

/**
 * The webhook server's request timeout for a registration timeout: half of it, so that a stalled request is closed
 * well before the API server gives up on it, and a slow-body attacker's connection lasts half as long.
 */
export function webhookRequestTimeoutMs(timeoutSeconds: number): number {
  return Math.min(DEFAULT_WEBHOOK_SERVER_LIMITS.requestTimeoutMs, (timeoutSeconds * 1000) / 2);
}

export interface ValidatingWebhookOptions {
  /** Where the API server sends a webhook's requests: a Service reference or a URL, plus an optional CA bundle. */
  readonly clientConfig: (webhook: WebhookRegistration) => Record<string, unknown>;
  readonly timeoutSeconds?: number;
  /** Limits the webhooks to objects with these labels (tests sharing a control plane); absent: every object. */
  readonly objectSelector?: Record<string, unknown>;
}

/**
 * The `webhooks` of the ValidatingWebhookConfiguration (docs/upstream-behavior.md §4.5): the main resources only
 * (status writes bypass them), `failurePolicy: Fail` (nothing is admitted unchecked while the webhook is down),
 * `sideEffects: NoneOnDryRun` (dry-run requests are checked too, and write no option reservation: reservations.ts),
 * AdmissionReview v1.
 */
export function validatingWebhooks(opts: ValidatingWebhookOptions): Record<string, unknown>[] {
  return WEBHOOKS.map((w) => ({
    name: w.name,
    admissionReviewVersions: ['v1'],
    clientConfig: opts.clientConfig(w),
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    ...(opts.objectSelector ? { objectSelector: opts.objectSelector } : {}),
    rules: [{ apiGroups: ['kubeflow.org'], apiVersions: ['v1beta1'], operations: [...w.operations], resources: [w.resource], scope: '*' }],
    sideEffects: 'NoneOnDryRun',
    timeoutSeconds: opts.timeoutSeconds ?? WEBHOOK_TIMEOUT_SECONDS,
  }));
}
