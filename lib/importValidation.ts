/**
 * Checks a user's certificate and private key before anything is written. Pure: no I/O, the clock
 * is a parameter. The starter runs this, so a bad import is answered 400 with nothing stored in
 * Key Vault and no orchestration started.
 *
 * Accepted: the key as base64 PKCS#8 DER or PEM (PKCS#8, PKCS#1 "RSA PRIVATE KEY", SEC1 "EC
 * PRIVATE KEY"), also encrypted (PEM "ENCRYPTED PRIVATE KEY", legacy PEM with `Proc-Type:
 * 4,ENCRYPTED`, or encrypted PKCS#8 DER) with `password`; the certificate as base64 DER or PEM,
 * optionally followed by its chain, leaf first (RFC 8446 §4.4.2: each certificate certifies the
 * one before it).
 *
 * Messages never contain key material or the password: they name the field and the rule.
 */
import { KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { forge } from './forge';
import type { Hostname } from './hostnames';
import { Failure, Outcome, fail } from './outcome';
import { checkKeyEncryptionCost } from './keyEncryption';
import { Parsed, PemBlock, readField } from './pemText';
import { ErrorCodes } from './status';

export interface ImportRequest {
  readonly hostname: Hostname;
  readonly privatekey: unknown;
  readonly certificate: unknown;
  readonly password: unknown;
}

export interface ValidImport {
  readonly hostname: Hostname;
  /** Leaf first, then each issuer. */
  readonly certificateChainPem: string[];
  /** Unencrypted PKCS#8 PEM. In memory only: it goes into the PFX and nowhere else. */
  readonly keyPem: string;
  readonly keyType: 'rsa' | 'ec';
  /** SHA-1 of the leaf, upper-case hex: what Key Vault calls x509Thumbprint. */
  readonly thumbprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** The certificate name that covers the hostname (may be a wildcard). */
  readonly matchedName: string;
}

export type ImportValidation = Outcome<ValidImport>;

/** A leaf, a few intermediates and perhaps a root; more is not a chain a gateway should send. */
export const MAX_CHAIN_LENGTH = 10;
/** Application Gateway and Key Vault take RSA 2048 bits and up; smaller keys are refused by CAs too. */
export const MIN_RSA_BITS = 2048;
/** Key Vault's RSA key sizes are 2048, 3072 and 4096 (docs "About keys"); larger ones also cost more to check. */
export const MAX_RSA_BITS = 4096;
/** A password is typed or generated, not a document: this is ample. */
export const MAX_PASSWORD_BYTES = 1024;
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

const KEY_FIELD = 'hostnames[0].privatekey';
const CERT_FIELD = 'hostnames[0].certificate';
const PASSWORD_FIELD = 'hostnames[0].password';

const invalid = (message: string): Failure => fail(ErrorCodes.InvalidInput, message);

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

function parseCertificates(value: unknown): Parsed<X509Certificate[]> {
  const read = readField(value, CERT_FIELD);
  if (!read.ok) return read;
  const ders: Buffer[] = [];
  if ('der' in read.value) ders.push(read.value.der);
  else {
    for (const block of read.value.pem) {
      if (block.label !== 'CERTIFICATE') {
        const found = block.label.includes('KEY') ? 'a key' : `"${block.label.slice(0, 40)}"`;
        return invalid(`${CERT_FIELD} may hold only CERTIFICATE PEM blocks (found ${found}; the private key goes in privatekey)`);
      }
      ders.push(block.der);
    }
  }
  if (ders.length > MAX_CHAIN_LENGTH) return invalid(`${CERT_FIELD} holds ${ders.length} certificates; at most ${MAX_CHAIN_LENGTH} are accepted`);
  const certificates: X509Certificate[] = [];
  for (const [index, der] of ders.entries()) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch {
      return invalid(`${CERT_FIELD}: certificate ${index + 1} is not a valid X.509 certificate`);
    }
    // OpenSSL reads one certificate and ignores what follows: extra bytes are a damaged upload.
    if (certificate.raw.length !== der.length)
      return invalid(`${CERT_FIELD}: certificate ${index + 1} has ${der.length - certificate.raw.length} bytes of trailing garbage`);
    certificates.push(certificate);
  }
  return { ok: true, value: certificates };
}

function toPem(certificate: X509Certificate): string {
  const lines = certificate.raw.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Subjects are the user's own data, but bounded so a hostile certificate cannot flood a message. */
function describe(certificate: X509Certificate): string {
  const subject = certificate.subject.replace(/\n/g, ', ');
  return subject.length > 120 ? `${subject.slice(0, 120)}…` : subject;
}

function checkChainOrder(chain: readonly X509Certificate[]): Failure | undefined {
  for (let i = 0; i + 1 < chain.length; i += 1) {
    const child = chain[i] as X509Certificate;
    const parent = chain[i + 1] as X509Certificate;
    if (!parent.ca)
      return fail(
        ErrorCodes.CertificateChainInvalid,
        `Certificate ${i + 2} of the chain ("${describe(parent)}") is not a CA, so it cannot have issued certificate ${i + 1}`,
      );
    // checkIssued compares the issuer and subject names and key identifiers; verify checks the signature.
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return invalid(
        `${CERT_FIELD}: the chain is not in order: certificate ${i + 2} ("${describe(parent)}") did not issue certificate ${i + 1} ("${describe(child)}"); ` +
          'send the leaf first, then each issuer in turn',
      );
    }
  }
  return undefined;
}

/** id-kp-serverAuth (RFC 5280 §4.2.1.12) and anyExtendedKeyUsage. */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';

/**
 * The leaf must be an end-entity certificate a TLS server may use (RFC 5280: basicConstraints CA
 * absent or false, §4.2.1.9; an extendedKeyUsage, when present, allowing serverAuth, §4.2.1.12),
 * every issuer in the chain a CA, and every certificate of the chain in date — what a client
 * checks when the gateway presents it.
 */
function checkFitForServer(chain: readonly X509Certificate[], now: Date): Failure | undefined {
  const leaf = chain[0] as X509Certificate;
  if (leaf.ca)
    return fail(
      ErrorCodes.CertificateNotForServer,
      `The certificate ("${describe(leaf)}") is a CA certificate (basicConstraints CA:TRUE); a server needs an end-entity certificate`,
    );
  const usages = leaf.keyUsage;
  if (usages && usages.length > 0 && !usages.includes(SERVER_AUTH) && !usages.includes(ANY_EKU)) {
    return fail(ErrorCodes.CertificateNotForServer, `The certificate ("${describe(leaf)}") is not for TLS servers: its extended key usage lacks serverAuth`);
  }
  for (const [index, certificate] of chain.entries()) {
    if (index > 0 && !certificate.ca)
      return fail(
        ErrorCodes.CertificateChainInvalid,
        `Certificate ${index + 1} of the chain ("${describe(certificate)}") is not a CA, so it cannot have issued certificate ${index}`,
      );
    const from = new Date(certificate.validFrom);
    const to = new Date(certificate.validTo);
    if (index > 0 && (now < from || now > to)) {
      return fail(
        ErrorCodes.CertificateChainInvalid,
        `Certificate ${index + 1} of the chain ("${describe(certificate)}") is ${now > to ? `expired since ${to.toISOString()}` : `not valid until ${from.toISOString()}`}`,
      );
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Private key
// ---------------------------------------------------------------------------------------------

const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/** EncryptedPrivateKeyInfo (RFC 5208 §6) starts with an AlgorithmIdentifier; PrivateKeyInfo with a version INTEGER. */
function isEncryptedPkcs8(der: Buffer): boolean | undefined {
  try {
    // fromDer refuses trailing bytes by default (parseAllBytes), so a damaged upload fails here.
    const node = forge().asn1.fromDer(forge().util.createBuffer(der.toString('binary')));
    const first = Array.isArray(node.value) ? node.value[0] : undefined;
    if (node.type !== forge().asn1.Type.SEQUENCE || !first) return undefined;
    return first.type === forge().asn1.Type.SEQUENCE;
  } catch {
    return undefined;
  }
}

/** `pkcs8Der`: the EncryptedPrivateKeyInfo whose KDF cost is bounded before decrypting (absent for legacy PEM encryption). */
type KeySource = { format: 'pem'; key: string; encrypted: boolean; pkcs8Der?: Buffer } | { format: 'der'; key: Buffer; encrypted: boolean };

function keySource(value: unknown): Parsed<KeySource> {
  const read = readField(value, KEY_FIELD);
  if (!read.ok) return read;
  if ('der' in read.value) {
    const encrypted = isEncryptedPkcs8(read.value.der);
    if (encrypted === undefined) return invalid(`${KEY_FIELD} is not a DER private key (expected base64 PKCS#8, or PEM)`);
    return { ok: true, value: { format: 'der', key: read.value.der, encrypted } };
  }
  // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key: harmless, skipped.
  const blocks = read.value.pem.filter((b) => b.label !== 'EC PARAMETERS');
  const keys = blocks.filter((b) => KEY_LABELS.has(b.label));
  if (keys.length !== 1 || blocks.length !== 1) {
    const other = blocks.find((b) => !KEY_LABELS.has(b.label));
    return invalid(
      other
        ? `${KEY_FIELD} may hold only a private key (found a "${other.label.slice(0, 40)}" PEM block)`
        : `${KEY_FIELD} must hold exactly one private key (found ${keys.length})`,
    );
  }
  const block = keys[0] as PemBlock;
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers['Proc-Type'] ?? '');
  return { ok: true, value: { format: 'pem', key: block.text, encrypted, ...(block.label === 'ENCRYPTED PRIVATE KEY' ? { pkcs8Der: block.der } : {}) } };
}

function decodeDer(der: Buffer, passphrase: string | undefined): KeyObject {
  let lastError: unknown;
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type, ...(passphrase === undefined ? {} : { passphrase }) });
    } catch (error) {
      lastError = error;
      // An encrypted PKCS#8 that fails to decrypt is not going to parse as PKCS#1 either.
      if (passphrase !== undefined) break;
    }
  }
  throw lastError;
}

function parsePrivateKey(value: unknown, password: unknown): Parsed<KeyObject> {
  if (password !== undefined && password !== null && typeof password !== 'string') return invalid(`${PASSWORD_FIELD} must be a string`);
  const source = keySource(value);
  if (!source.ok) return source;
  const { encrypted } = source.value;
  const passphrase = typeof password === 'string' ? password : undefined;
  if (encrypted && passphrase === undefined) return invalid(`${KEY_FIELD} is encrypted: send its password in ${PASSWORD_FIELD}`);
  if (passphrase !== undefined && Buffer.byteLength(passphrase, 'utf8') > MAX_PASSWORD_BYTES)
    return invalid(`${PASSWORD_FIELD} is longer than ${MAX_PASSWORD_BYTES} bytes`);
  // The caller chose the KDF's cost: bound it before Node spends it on the event loop.
  const encryptedInfo = source.value.format === 'der' ? (encrypted ? source.value.key : undefined) : source.value.pkcs8Der;
  if (encryptedInfo) {
    const cost = checkKeyEncryptionCost(encryptedInfo, KEY_FIELD);
    if (!cost.ok) return cost;
  }
  let key: KeyObject;
  try {
    key =
      source.value.format === 'pem'
        ? createPrivateKey({ key: source.value.key, format: 'pem', ...(encrypted ? { passphrase } : {}) })
        : decodeDer(source.value.key, encrypted ? passphrase : undefined);
  } catch {
    // The OpenSSL reason ("bad decrypt") says no more than this, and is never echoed.
    if (encrypted) return invalid(`${KEY_FIELD} could not be decrypted: the password in ${PASSWORD_FIELD} is wrong (or the key is damaged)`);
    return invalid(`${KEY_FIELD} is not a valid private key (expected PKCS#8, PKCS#1 RSA or SEC1 EC)`);
  }
  if (key.type !== 'private') return invalid(`${KEY_FIELD} is not a private key`);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS)
      return invalid(`${KEY_FIELD} is an RSA key of ${details.modulusLength ?? 0} bits; at least ${MIN_RSA_BITS} are required`);
    if ((details.modulusLength ?? 0) > MAX_RSA_BITS)
      return invalid(`${KEY_FIELD} is an RSA key of ${details.modulusLength ?? 0} bits; Key Vault imports at most ${MAX_RSA_BITS}`);
  } else if (key.asymmetricKeyType === 'ec') {
    if (!EC_CURVES.has(details.namedCurve ?? ''))
      return invalid(`${KEY_FIELD} is an EC key on curve ${details.namedCurve ?? 'unknown'}; P-256, P-384 or P-521 is required`);
  } else {
    return invalid(`${KEY_FIELD} is a ${key.asymmetricKeyType ?? 'unknown'} key; Key Vault and Application Gateway take RSA or EC keys`);
  }
  return { ok: true, value: key };
}

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

export function validateImport(request: ImportRequest, now: Date): ImportValidation {
  const certificates = parseCertificates(request.certificate);
  if (!certificates.ok) return certificates;
  const key = parsePrivateKey(request.privatekey, request.password);
  if (!key.ok) return key;
  const chain = certificates.value;
  const leaf = chain[0] as X509Certificate;

  if (!leaf.checkPrivateKey(key.value)) {
    const matching = chain.findIndex((c) => c.checkPrivateKey(key.value));
    if (matching > 0)
      return invalid(`${CERT_FIELD}: the key belongs to certificate ${matching + 1}; the certificate for the key (the leaf) must come first, then its issuers`);
    return fail(ErrorCodes.CertificateKeyMismatch, `${KEY_FIELD} does not belong to the certificate ("${describe(leaf)}"): its public key differs`);
  }

  const orderProblem = checkChainOrder(chain);
  if (orderProblem) return orderProblem;

  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) return invalid(`${CERT_FIELD}: the validity dates cannot be read`);
  if (now.getTime() > notAfter.getTime()) return fail(ErrorCodes.CertificateExpired, `The certificate expired on ${notAfter.toISOString()}`);
  if (now.getTime() < notBefore.getTime()) return fail(ErrorCodes.CertificateExpired, `The certificate is not valid until ${notBefore.toISOString()}`);
  const trustProblem = checkFitForServer(chain, now);
  if (trustProblem) return trustProblem;

  // OpenSSL's X509_check_host: DNS SANs only when present (RFC 6125 §6.4.4), a wildcard covers
  // exactly one whole left-most label, and the subject CN counts only without DNS SANs.
  const matchedName = leaf.checkHost(request.hostname, {
    subject: 'default',
    wildcards: true,
    partialWildcards: false,
    multiLabelWildcards: false,
    singleLabelSubdomains: false,
  });
  if (matchedName === undefined) {
    const names = leaf.subjectAltName ?? `(no subjectAltName; ${describe(leaf)})`;
    return fail(
      ErrorCodes.CertificateDoesNotCoverHostname,
      `The certificate does not cover ${request.hostname}; it names ${names.length > 300 ? `${names.slice(0, 300)}…` : names}`,
    );
  }

  return {
    ok: true,
    hostname: request.hostname,
    certificateChainPem: chain.map(toPem),
    keyPem: key.value.export({ type: 'pkcs8', format: 'pem' }) as string,
    keyType: key.value.asymmetricKeyType as 'rsa' | 'ec',
    thumbprint: leaf.fingerprint.replace(/:/g, '').toUpperCase(),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    matchedName,
  };
}
