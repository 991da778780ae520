/**
 * Where the webhook's serving certificate comes from, and keeping it current:
 * - {@link SelfManagedCertificates} (the default install): a CA and a serving certificate in one Secret that the
 *   chart creates empty. Whichever replica finds it empty, expiring or issued for other hosts issues new ones and
 *   writes them with optimistic concurrency (one writer wins; the others re-read), so every replica serves the same
 *   certificate. Every replica also keeps the CA bundle of the ValidatingWebhookConfiguration equal to the Secret's
 *   CA (plus the previous CA during a rotation), repairing it if an apply wiped it.
 * - {@link FileCertificates} (cert-manager): `tls.crt`/`tls.key` from a mounted Secret, re-read when they change;
 *   cert-manager's CA injector maintains the CA bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isConflict, KubeClient } from '../kube/client';
import { Logger } from '../log';
import { certificateFacts, issueCertificates, KeyPair } from './certificates';
import { WEBHOOK_SECRET_KEYS, WEBHOOKS } from '../../core/contract/webhooks';

export interface CertificateSource {
  /** Loads (or issues) the certificate; resolves with it. */
  start(): Promise<KeyPair>;
  /** Checks again every interval; calls `onChange` when the certificate to serve changed. */
  watch(onChange: (pair: KeyPair) => void): void;
  stop(): void;
}

export interface SelfManagedCertificatesOptions {
  readonly client: KubeClient;
  readonly log: Logger;
  readonly namespace: string;
  readonly secretName: string;
  /** The ValidatingWebhookConfiguration whose webhooks get the CA bundle. */
  readonly webhookConfigurationName: string;
  /** DNS names and IP addresses of the serving certificate. */
  readonly hosts: readonly string[];
  readonly validityMs: number;
  /** Issue new certificates when the current ones expire within this. */
  readonly renewBeforeMs: number;
  readonly checkIntervalMs: number;
  readonly now?: () => number;
}

interface SecretObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  type?: string;
  data?: Record<string, string>;
  [key: string]: unknown;
}

const decode = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined);
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function samePair(a: KeyPair | undefined, b: KeyPair): boolean {
  return a !== undefined && a.cert === b.cert && a.key === b.key;
}

export class SelfManagedCertificates implements CertificateSource {
  private current?: KeyPair;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: SelfManagedCertificatesOptions) {}

  private get secretPath(): string {
    return `/api/v1/namespaces/${this.options.namespace}/secrets/${this.options.secretName}`;
  }

  private get now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async start(): Promise<KeyPair> {
    this.current = await this.ensure();
    return this.current;
  }

  watch(onChange: (pair: KeyPair) => void): void {
    const tick = async (): Promise<void> => {
      try {
        const pair = await this.ensure();
        if (!samePair(this.current, pair)) {
          this.current = pair;
          this.options.log.info('webhook serving certificate changed', { notAfter: certificateFacts(pair.cert).notAfter.toISOString() });
          onChange(pair);
        }
      } catch (err) {
        this.options.log.error('webhook certificate check failed', { secret: this.options.secretName, error: (err as Error).message });
      }
      if (this.timer !== undefined) this.schedule(tick);
    };
    this.schedule(tick);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(tick: () => Promise<void>): void {
    this.timer = setTimeout(() => void tick(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  /** The pair to serve: the Secret's if still good, else a new one that this replica managed to write. */
  private async ensure(): Promise<KeyPair> {
    for (let attempt = 0; ; attempt++) {
      const secret = await this.options.client.get<SecretObject>(this.secretPath).catch((err: Error) => {
        throw new Error(`reading Secret ${this.options.namespace}/${this.options.secretName} (the install chart creates it, empty): ${err.message}`);
      });
      const data = secret.data ?? {};
      const ca = decode(data[WEBHOOK_SECRET_KEYS.caCert]);
      const pair = { cert: decode(data[WEBHOOK_SECRET_KEYS.tlsCert]) ?? '', key: decode(data[WEBHOOK_SECRET_KEYS.tlsKey]) ?? '' };
      const reason = this.renewalReason(ca, decode(data[WEBHOOK_SECRET_KEYS.caKey]), pair);
      if (reason === undefined) {
        await this.publishBundle([ca!, decode(data[WEBHOOK_SECRET_KEYS.previousCaCert])]);
        return pair;
      }
      const issued = await issueCertificates({
        hosts: this.options.hosts,
        validityMs: this.options.validityMs,
        caCommonName: `${this.options.secretName}.${this.options.namespace} webhook CA`,
        now: new Date(this.now),
      });
      // The CA that signed the certificates other replicas may still serve stays trusted until it expires.
      const previous = ca && this.stillValid(ca) ? ca : undefined;
      // Trust first, then serve: the API server must accept the new certificate before any replica presents it.
      await this.publishBundle([issued.ca.cert, previous]);
      const next: SecretObject = {
        ...secret,
        data: {
          [WEBHOOK_SECRET_KEYS.caCert]: encode(issued.ca.cert),
          [WEBHOOK_SECRET_KEYS.caKey]: encode(issued.ca.key),
          [WEBHOOK_SECRET_KEYS.tlsCert]: encode(issued.serving.cert),
          [WEBHOOK_SECRET_KEYS.tlsKey]: encode(issued.serving.key),
          ...(previous ? { [WEBHOOK_SECRET_KEYS.previousCaCert]: encode(previous) } : {}),
        },
      };
      try {
        await this.options.client.update(this.secretPath, next);
        this.options.log.info('issued webhook certificates', { reason, secret: this.options.secretName, hosts: this.options.hosts.join(',') });
        return issued.serving;
      } catch (err) {
        // Another replica wrote first: serve what it wrote (the next pass re-reads it and fixes the bundle).
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  private stillValid(pem: string): boolean {
    try {
      return certificateFacts(pem).notAfter.getTime() > this.now;
    } catch {
      return false;
    }
  }

  /** Why the Secret's certificates must be replaced, or undefined when they are good. */
  private renewalReason(ca: string | undefined, caKey: string | undefined, pair: KeyPair): string | undefined {
    if (!ca || !caKey || !pair.cert || !pair.key) return 'the Secret holds no certificates yet';
    let facts;
    try {
      facts = certificateFacts(pair.cert);
      certificateFacts(ca);
    } catch (err) {
      return `the Secret holds an unreadable certificate: ${(err as Error).message}`;
    }
    if (!facts.issuedBy(ca)) return 'the serving certificate was not issued by the CA in the Secret';
    const missing = this.options.hosts.filter((h) => !facts.hosts.includes(h));
    if (missing.length > 0) return `the serving certificate does not name ${missing.join(', ')}`;
    if (facts.notAfter.getTime() - this.now <= this.options.renewBeforeMs) return `the serving certificate expires at ${facts.notAfter.toISOString()}`;
    return undefined;
  }

  /**
   * Makes the CA bundle of each webhook trust `cas` (read-modify-write with the resourceVersion, so concurrent
   * replicas never undo each other): CAs already there stay unless expired or older than every CA of `cas` — a
   * replica that read the Secret before another one rotated it must not drop the newer CA.
   */
  private async publishBundle(cas: (string | undefined)[]): Promise<void> {
    const vwcPath = `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${this.options.webhookConfigurationName}`;
    const wanted = cas.flatMap((c) => splitPem(c ?? '')).filter((c) => this.stillValid(c));
    const oldest = Math.min(...wanted.map((c) => certificateFacts(c).notBefore.getTime()));
    for (let attempt = 0; ; attempt++) {
      const vwc = await this.options.client.get<ValidatingWebhookConfiguration>(vwcPath).catch((err: Error) => {
        throw new Error(`reading ValidatingWebhookConfiguration ${this.options.webhookConfigurationName}: ${err.message}`);
      });
      const ours = vwc.webhooks?.filter((w) => WEBHOOKS.some((x) => x.name === w.name)) ?? [];
      if (ours.length === 0) {
        throw new Error(`ValidatingWebhookConfiguration ${this.options.webhookConfigurationName} has none of the webhooks ${WEBHOOKS.map((w) => w.name).join(', ')}`);
      }
      const kept = splitPem(decode(ours[0].clientConfig?.caBundle) ?? '').filter((c) => {
        if (!this.stillValid(c)) return false;
        return certificateFacts(c).notBefore.getTime() >= oldest;
      });
      const bundle = [...new Set([...wanted, ...kept])].join('');
      const caBundle = encode(bundle);
      if (ours.every((w) => w.clientConfig?.caBundle === caBundle)) return;
      for (const w of ours) w.clientConfig = { ...w.clientConfig, caBundle };
      try {
        await this.options.client.update(vwcPath, vwc);
        this.options.log.info('webhook CA bundle set', { validatingWebhookConfiguration: this.options.webhookConfigurationName, certificates: splitPem(bundle).length });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) {
          throw new Error(`setting the CA bundle of ValidatingWebhookConfiguration ${this.options.webhookConfigurationName}: ${(err as Error).message}`);
        }
      }
    }
  }
}

interface ValidatingWebhookConfiguration {
  metadata: { name?: string; resourceVersion?: string };
  webhooks?: { name: string; clientConfig?: { caBundle?: string; [key: string]: unknown }; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** The certificates of a PEM bundle, each normalized to end with a newline. */
function splitPem(bundle: string): string[] {
  return (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((c) => `${c.replace(/\r\n/g, '\n')}\n`);
}

/** `tls.crt` and `tls.key` from a folder (a mounted Secret written by cert-manager), re-read when they change. */
export class FileCertificates implements CertificateSource {
  private current?: KeyPair;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly checkIntervalMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<KeyPair> {
    this.current = this.read();
    return this.current;
  }

  watch(onChange: (pair: KeyPair) => void): void {
    this.timer = setInterval(() => {
      try {
        const pair = this.read();
        if (!samePair(this.current, pair)) {
          this.current = pair;
          this.log.info('webhook serving certificate changed on disk', { dir: this.dir });
          onChange(pair);
        }
      } catch (err) {
        this.log.error('reading the webhook certificate failed', { dir: this.dir, error: (err as Error).message });
      }
    }, this.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read(): KeyPair {
    const file = (name: string): string => {
      try {
        return fs.readFileSync(path.join(this.dir, name), 'utf8');
      } catch (err) {
        throw new Error(`webhook certificate: cannot read ${path.join(this.dir, name)}: ${(err as Error).message}`);
      }
    };
    const pair = { cert: file(WEBHOOK_SECRET_KEYS.tlsCert), key: file(WEBHOOK_SECRET_KEYS.tlsKey) };
    certificateFacts(pair.cert);
    return pair;
  }
}
