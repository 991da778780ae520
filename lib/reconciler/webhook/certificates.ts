/**
 * Issuing the webhook's certificates: a self-signed CA and a serving certificate signed by it. Node's crypto makes
 * the keys (RSA 2048) but cannot issue certificates, so node-forge builds and signs them; Node's X509Certificate
 * reads them back.
 */
import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import * as forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface IssueOptions {
  /** DNS names and IP addresses of the serving certificate. */
  readonly hosts: readonly string[];
  /** Lifetime of the CA and the serving certificate. */
  readonly validityMs: number;
  /** Common name of the CA. */
  readonly caCommonName: string;
  readonly now?: Date;
}

// Backdated so that an API server whose clock runs a little behind accepts a certificate issued a moment ago.
const CLOCK_SKEW_MS = 5 * 60_000;

async function rsaKeys(): Promise<{ forgeKeys: forge.pki.rsa.KeyPair; pem: string }> {
  const { privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgePrivate = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const forgePublic = forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e);
  return { forgeKeys: { privateKey: forgePrivate, publicKey: forgePublic }, pem: privateKey };
}

function baseCertificate(publicKey: forge.pki.PublicKey, commonName: string, now: Date, validityMs: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive 128-bit serial (leading 0 byte keeps it positive in DER).
  cert.serialNumber = `00${randomBytes(16).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityMs);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

/** A new CA and a serving certificate for `hosts` signed by it. */
export async function issueCertificates(opts: IssueOptions): Promise<{ ca: KeyPair; serving: KeyPair }> {
  if (opts.hosts.length === 0) throw new Error('the serving certificate needs at least one DNS name or IP address');
  const now = opts.now ?? new Date();
  const [caKeys, servingKeys] = await Promise.all([rsaKeys(), rsaKeys()]);

  const ca = baseCertificate(caKeys.forgeKeys.publicKey, opts.caCommonName, now, opts.validityMs);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.forgeKeys.privateKey, forge.md.sha256.create());

  const serving = baseCertificate(servingKeys.forgeKeys.publicKey, opts.hosts[0], now, opts.validityMs);
  serving.setIssuer(ca.subject.attributes);
  serving.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: opts.hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  serving.sign(caKeys.forgeKeys.privateKey, forge.md.sha256.create());

  return {
    ca: { cert: forge.pki.certificateToPem(ca), key: caKeys.pem },
    serving: { cert: forge.pki.certificateToPem(serving), key: servingKeys.pem },
  };
}

/** What the rotation decision needs to know about a serving certificate. */
export interface CertificateFacts {
  readonly notAfter: Date;
  readonly notBefore: Date;
  /** DNS names and IP addresses in its subjectAltName. */
  readonly hosts: readonly string[];
  readonly issuedBy: (caPem: string) => boolean;
}

/** Parses a PEM certificate; throws on garbage. */
export function certificateFacts(pem: string): CertificateFacts {
  const x = new X509Certificate(pem);
  const hosts = (x.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((h): h is string => h !== undefined);
  return {
    notAfter: new Date(x.validTo),
    notBefore: new Date(x.validFrom),
    hosts,
    issuedBy: (caPem) => {
      try {
        return x.verify(new X509Certificate(caPem).publicKey);
      } catch {
        return false;
      }
    },
  };
}
