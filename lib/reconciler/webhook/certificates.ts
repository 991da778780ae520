/**
 * Issuing the webhook's certificates: a self-signed CA and a serving certificate signed by it. Node's crypto makes
 * the keys (RSA 2048) but cannot issue certificates, so node-forge builds and signs them; Node's X509Certificate
 * reads them back.
 */
import { generateKeyPair, JsonWebKey, KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import type * as Forge from 'node-forge';

// Only forge's X.509 and SHA-256 modules (they register on the shared `forge` object): the package's index would
// bundle its TLS, PKCS#12 and cipher code too, twice the size.
/* eslint-disable @typescript-eslint/no-require-imports */
require('node-forge/lib/x509');
require('node-forge/lib/sha256');
const forge: typeof Forge = require('node-forge/lib/forge');
/* eslint-enable @typescript-eslint/no-require-imports */

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

async function rsaKeys(): Promise<{ forgeKeys: Forge.pki.rsa.KeyPair; pem: string }> {
  const { privateKey } = (await generateRsa('rsa', { modulusLength: 2048 })) as { privateKey: KeyObject };
  // Handed to forge as numbers (JWK), which needs none of its PEM/PKCS#8 parsing.
  const jwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const big = (b64url: string | undefined): Forge.jsbn.BigInteger => new forge.jsbn.BigInteger(Buffer.from(b64url ?? '', 'base64url').toString('hex'), 16);
  const forgePrivate = forge.pki.setRsaPrivateKey(big(jwk.n), big(jwk.e), big(jwk.d), big(jwk.p), big(jwk.q), big(jwk.dp), big(jwk.dq), big(jwk.qi));
  const forgePublic = forge.pki.setRsaPublicKey(big(jwk.n), big(jwk.e));
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { forgeKeys: { privateKey: forgePrivate, publicKey: forgePublic }, pem };
}

/**
 * A serial number from random bytes, as DER needs it: positive (first bit clear) and minimal (first byte not zero).
 * forge writes the hex as given, dropping one leading zero byte, so a `00` prefix to keep the number positive gave
 * `00 00 ...` -> `00 xx` with xx < 0x80 once in 256 certificates: "illegal padding" to OpenSSL, which then left the
 * CA out of a trust store without a word (clients failed with "unable to verify the first certificate").
 */
export function serialNumberHex(random: Buffer): string {
  const bytes = Buffer.from(random);
  bytes[0] = (bytes[0] & 0x7f) || 0x01;
  return bytes.toString('hex');
}

function baseCertificate(publicKey: Forge.pki.PublicKey, commonName: string, now: Date, validityMs: number): Forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumberHex(randomBytes(16));
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
