/** Key Vault's crypto, emulated: RSA keys, CSRs and self-signed certificates from a policy, PFX and PEM encodings. */
import { createHash, createPublicKey, generateKeyPair, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';
import { KvError } from './errors';
import { num, str, strArr, obj, Wire } from './json';
import type { CertVersion } from './model';

export function newRsaKeyPemAsync(bits: number): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: bits }, (error, _publicKey, privateKey) =>
      error ? reject(error) : resolve(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    ),
  );
}

export function newRsaKeyPem(bits: number): string {
  // Native key generation: node-forge's pure-JS RSA takes seconds per key.
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function forgeKey(keyPem: string): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
}

/** The public half of `keyPem` in forge's form, read natively (forge only assembles the structures here). */
function forgePublicKey(keyPem: string): forge.pki.rsa.PublicKey {
  const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(spki.toString('binary'))) as forge.pki.rsa.PublicKey;
}

/** forge builds these structures but its typings do not declare them. */
const forgeStructures = forge.pki as unknown as {
  getCertificationRequestInfo(csr: forge.pki.CertificateSigningRequest): forge.asn1.Asn1;
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
};

/**
 * RSASSA-PKCS1-v1_5 with SHA-256 over `tbs` (a DER structure), computed by Node's native crypto:
 * forge's pure-JS signature would hold the event loop for ~50–100 ms per CSR on this machine,
 * stalling every server that shares the process. The bytes are the same as forge's `sign`.
 */
function signSha256Rsa(tbs: forge.asn1.Asn1, keyPem: string): string {
  return sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), keyPem).toString('binary');
}

const DN_SHORT_NAMES = new Set(['CN', 'C', 'L', 'ST', 'O', 'OU', 'E']);

/** "CN=a.example, O=Org" → forge attributes (no escaped commas: Key Vault subjects rarely need them). */
function subjectAttributes(subject: string): forge.pki.CertificateField[] {
  if (!subject.trim()) return [];
  return subject.split(/,(?=\s*[A-Za-z]+=)/).map((part) => {
    const eq = part.indexOf('=');
    const shortName = part.slice(0, eq).trim().toUpperCase();
    if (eq < 0 || !DN_SHORT_NAMES.has(shortName)) {
      throw new KvError(400, 'BadParameter', `Unsupported subject attribute in '${subject}' (the emulator knows ${[...DN_SHORT_NAMES].join(', ')}).`);
    }
    return { shortName, value: part.slice(eq + 1).trim() };
  });
}

/** The extensions the real vault puts into its CSRs and self-signed certificates. */
function policyExtensions(x509: Wire): object[] {
  const sans = obj(x509.sans) ?? {};
  const altNames = [
    ...strArr(sans.dns_names).map((value) => ({ type: 2, value })),
    ...strArr(sans.emails).map((value) => ({ type: 1, value })),
    ...strArr(sans.uris).map((value) => ({ type: 6, value })),
    ...strArr(sans.ipAddresses).map((ip) => ({ type: 7, ip })),
  ];
  const keyUsage: Wire = { name: 'keyUsage', critical: true };
  for (const usage of strArr(x509.key_usage)) keyUsage[usage] = true;
  const extKeyUsage: Wire = { name: 'extKeyUsage' };
  // forge names the usages it knows (serverAuth…) and takes other usages as dotted OIDs.
  for (const oid of strArr(x509.ekus)) extKeyUsage[forge.pki.oids[oid] ?? oid] = true;
  const extensions: object[] = [keyUsage, extKeyUsage, { name: 'basicConstraints', cA: false }];
  if (altNames.length) extensions.push({ name: 'subjectAltName', altNames });
  return extensions;
}

export function buildCsr(keyPem: string, x509: Wire): Buffer {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forgePublicKey(keyPem);
  csr.setSubject(subjectAttributes(str(x509.subject) ?? ''));
  csr.setAttributes([{ name: 'extensionRequest', extensions: policyExtensions(x509) }]);
  // What forge's csr.sign does, with the signature made natively (signSha256Rsa).
  csr.signatureOid = csr.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption as string;
  const info = forgeStructures.getCertificationRequestInfo(csr);
  csr.certificationRequestInfo = info;
  csr.signature = signSha256Rsa(info, keyPem);
  return Buffer.from(forge.asn1.toDer(forge.pki.certificationRequestToAsn1(csr)).getBytes(), 'binary');
}

export function selfSignedCertificate(keyPem: string, x509: Wire): Buffer {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublicKey(keyPem);
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 600_000);
  const notAfter = new Date(cert.validity.notBefore);
  notAfter.setUTCMonth(notAfter.getUTCMonth() + (num(x509.validity_months) ?? 12));
  cert.validity.notAfter = notAfter;
  const subject = subjectAttributes(str(x509.subject) ?? '');
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions(policyExtensions(x509));
  // What forge's cert.sign does, with the signature made natively (signSha256Rsa).
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption as string;
  const tbs = forgeStructures.getTBSCertificate(cert);
  cert.tbsCertificate = tbs;
  cert.signature = signSha256Rsa(tbs, keyPem);
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

export function toPfxBase64(keyPem: string, chainDer: Buffer[]): string {
  // No password, like the vault's own PFX secrets; forge still adds the MAC OpenSSL expects.
  const certs = chainDer.map((d) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(d.toString('binary'))));
  const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey(keyPem), certs, null, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64');
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function leafDer(v: CertVersion): Buffer {
  return v.chainDer[0] as Buffer;
}

export function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}
