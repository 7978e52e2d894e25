import { describe, expect, it } from 'vitest';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, sign, KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';
import { validateImport, ImportRequest, ValidImport } from '../../lib/importValidation';
import { buildPfx } from '../../lib/adapters/keyVaultImport';
import { hostname } from '../fixtures/hostnames';
import { DAY, Issued, issue, rsaKey } from '../fixtures/certificates';

const NOW = new Date();

// ----- fixtures: a small CA made here, RSA certificates signed with forge -----------------------

/** An EC leaf: forge cannot hold EC keys, so its TBSCertificate gets the EC key spliced in and is signed with node. */
function issueEc(cn: string, sans: string[], issuer: Issued): Issued {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const template = forge.pki.certificateFromPem(issue({ cn, sans, issuer }).pem);
  // getTBSCertificate is public in forge but missing from its type definitions.
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(template);
  const spkiDer = createPublicKey(key).export({ type: 'spki', format: 'der' });
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  (tbs.value as forge.asn1.Asn1[])[6] = forge.asn1.fromDer(spkiDer.toString('binary'));
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, issuer.key);
  const { asn1 } = forge;
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.sha256WithRSAEncryption as string).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\0${signature.toString('binary')}`),
  ]);
  const cert = new X509Certificate(Buffer.from(asn1.toDer(certificate).getBytes(), 'binary'));
  return { cert, pem: cert.toString(), key };
}

const root = issue({ cn: 'Import Test Root', ca: true });
const intermediate = issue({ cn: 'Import Test Intermediate', ca: true, issuer: root });
const HOST = hostname('www.import.test');
const leaf = issue({ cn: HOST, sans: [HOST, 'import.test'], issuer: intermediate });

const pkcs8Pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const pkcs8DerB64 = (key: KeyObject) => (key.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64');
const derB64 = (issued: Issued) => issued.cert.raw.toString('base64');
const bundle = (...certs: Issued[]) => certs.map((c) => c.pem).join('');

function request(overrides: Partial<ImportRequest> = {}): ImportRequest {
  return { hostname: HOST, privatekey: pkcs8DerB64(leaf.key), certificate: bundle(leaf, intermediate), password: undefined, ...overrides };
}

function expectOk(result: ReturnType<typeof validateImport>): ValidImport {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result;
}

function expectFailure(result: ReturnType<typeof validateImport>, code: string, message?: RegExp): string {
  expect(result.ok).toBe(false);
  if (result.ok) return '';
  expect(result.code).toBe(code);
  if (message) expect(result.message).toMatch(message);
  expect(result.message).not.toMatch(/PRIVATE KEY|MII[A-Za-z0-9+/]{20}/);
  return result.message;
}

// ----- the rules ------------------------------------------------------------------------------

describe('validateImport: accepted inputs', () => {
  it('accepts a base64 PKCS#8 DER key with a PEM leaf + intermediate, returning the chain leaf first and an unencrypted PKCS#8 key', () => {
    const result = expectOk(validateImport(request(), NOW));
    expect(result.certificateChainPem.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([
      leaf.cert.fingerprint256,
      intermediate.cert.fingerprint256,
    ]);
    expect(result.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(leaf.cert.checkPrivateKey(createPrivateKey(result.keyPem))).toBe(true);
    expect(result.thumbprint).toBe(leaf.cert.fingerprint.replace(/:/g, ''));
    expect(result.notAfter).toBe(new Date(leaf.cert.validTo).toISOString());
    expect(result.matchedName).toBe(HOST);
    expect(result.keyType).toBe('rsa');
  });

  it('accepts a base64 DER certificate alone and a PEM PKCS#8 key', () => {
    const result = expectOk(validateImport(request({ certificate: derB64(leaf), privatekey: pkcs8Pem(leaf.key) }), NOW));
    expect(result.certificateChainPem).toHaveLength(1);
  });

  it('accepts a PKCS#1 "RSA PRIVATE KEY" PEM, with CRLF line ends', () => {
    const pkcs1 = (leaf.key.export({ type: 'pkcs1', format: 'pem' }) as string).replace(/\n/g, '\r\n');
    expect(pkcs1).toMatch(/BEGIN RSA PRIVATE KEY/);
    expectOk(validateImport(request({ privatekey: pkcs1, certificate: bundle(leaf, intermediate).replace(/\n/g, '\r\n') }), NOW));
  });

  it('accepts base64 of a PEM file (what `base64 cert.pem` gives)', () => {
    expectOk(validateImport(request({ certificate: Buffer.from(bundle(leaf, intermediate)).toString('base64') }), NOW));
  });

  it('accepts the full chain up to the root', () => {
    expect(expectOk(validateImport(request({ certificate: bundle(leaf, intermediate, root) }), NOW)).certificateChainPem).toHaveLength(3);
  });

  it('accepts an EC key (SEC1 PEM, with the EC PARAMETERS block openssl writes) for an EC certificate', () => {
    const ec = issueEc(HOST, [HOST], intermediate);
    const sec1 = ec.key.export({ type: 'sec1', format: 'pem' }) as string;
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const result = expectOk(validateImport(request({ privatekey: params + sec1, certificate: bundle(ec, intermediate) }), NOW));
    expect(result.keyType).toBe('ec');
  });
});

describe('validateImport: encrypted keys', () => {
  const encryptedPem = leaf.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string;
  const encryptedDer = (leaf.key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as Buffer).toString('base64');
  const legacyPkcs1 = leaf.key.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'correct horse' }) as string;

  it.each([
    ['PEM "ENCRYPTED PRIVATE KEY"', encryptedPem],
    ['encrypted PKCS#8 DER', encryptedDer],
    ['legacy encrypted PKCS#1 PEM (Proc-Type)', legacyPkcs1],
  ])('decrypts a %s with the right password', (_name, privatekey) => {
    const result = expectOk(validateImport(request({ privatekey, password: 'correct horse' }), NOW));
    expect(result.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it.each([
    ['PEM', encryptedPem],
    ['DER', encryptedDer],
    ['legacy PKCS#1', legacyPkcs1],
  ])('refuses a wrong password for a %s key without echoing it', (_name, privatekey) => {
    const message = expectFailure(validateImport(request({ privatekey, password: 'Tr0ub4dor&3' }), NOW), 'InvalidInput', /password .* is wrong/);
    expect(message).not.toContain('Tr0ub4dor');
  });

  it('asks for the password when an encrypted key comes without one', () => {
    expectFailure(validateImport(request({ privatekey: encryptedPem }), NOW), 'InvalidInput', /encrypted: send its password/);
    expectFailure(validateImport(request({ privatekey: encryptedDer }), NOW), 'InvalidInput', /encrypted: send its password/);
  });

  it('refuses a password that is not a string', () => {
    expectFailure(validateImport(request({ password: 1234 }), NOW), 'InvalidInput', /password must be a string/);
  });
});

describe('validateImport: the key must match the certificate', () => {
  it('refuses another RSA key with CertificateKeyMismatch', () => {
    expectFailure(validateImport(request({ privatekey: pkcs8DerB64(rsaKey()) }), NOW), 'CertificateKeyMismatch', /does not belong to the certificate/);
  });

  it('refuses an EC key for an RSA certificate with CertificateKeyMismatch', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expectFailure(validateImport(request({ privatekey: pkcs8Pem(ec) }), NOW), 'CertificateKeyMismatch');
  });

  it('says the leaf must come first when the key belongs to a later certificate', () => {
    expectFailure(validateImport(request({ certificate: bundle(intermediate, leaf) }), NOW), 'InvalidInput', /must come first/);
  });

  it('refuses an RSA key under 2048 bits', () => {
    const small = rsaKey(1024);
    const weak = issue({ cn: HOST, sans: [HOST], issuer: intermediate, key: small });
    expectFailure(validateImport(request({ privatekey: pkcs8Pem(small), certificate: weak.pem }), NOW), 'InvalidInput', /1024 bits/);
  });
});

describe('validateImport: chain order', () => {
  it('refuses a chain whose second certificate did not issue the first (root before intermediate)', () => {
    expectFailure(
      validateImport(request({ certificate: bundle(leaf, root, intermediate) }), NOW),
      'InvalidInput',
      /not in order: certificate 2 .* did not issue certificate 1/,
    );
  });

  it('refuses an issuer with the right name but the wrong key (signature check)', () => {
    const impostor = issue({ cn: 'Import Test Intermediate', ca: true, issuer: root });
    expect(leaf.cert.checkIssued(impostor.cert)).toBe(true);
    expectFailure(validateImport(request({ certificate: bundle(leaf, impostor) }), NOW), 'InvalidInput', /not in order/);
  });

  it('refuses an intermediate followed by the wrong root', () => {
    const otherRoot = issue({ cn: 'Another Root', ca: true });
    expectFailure(
      validateImport(request({ certificate: bundle(leaf, intermediate, otherRoot) }), NOW),
      'InvalidInput',
      /certificate 3 .* did not issue certificate 2/,
    );
  });
});

describe('validateImport: validity period', () => {
  it('refuses an expired certificate with CertificateExpired', () => {
    const old = issue({
      cn: HOST,
      sans: [HOST],
      issuer: intermediate,
      notBefore: new Date(NOW.getTime() - 100 * DAY),
      notAfter: new Date(NOW.getTime() - DAY),
    });
    expectFailure(validateImport(request({ certificate: old.pem, privatekey: pkcs8Pem(old.key) }), NOW), 'CertificateExpired', /expired on/);
  });

  it('refuses a certificate that is not yet valid with CertificateExpired', () => {
    const future = issue({
      cn: HOST,
      sans: [HOST],
      issuer: intermediate,
      notBefore: new Date(NOW.getTime() + 2 * DAY),
      notAfter: new Date(NOW.getTime() + 90 * DAY),
    });
    expectFailure(validateImport(request({ certificate: future.pem, privatekey: pkcs8Pem(future.key) }), NOW), 'CertificateExpired', /not valid until/);
  });

  it('uses the clock it is given', () => {
    expectFailure(validateImport(request(), new Date(NOW.getTime() + 91 * DAY)), 'CertificateExpired');
    expectOk(validateImport(request(), new Date(NOW.getTime() + 89 * DAY)));
  });
});

describe('validateImport: hostname coverage', () => {
  const wildcard = issue({ cn: 'wildcard', sans: ['*.example.test'], issuer: intermediate });
  const withWildcard = (host: string) =>
    validateImport({ hostname: hostname(host), privatekey: pkcs8Pem(wildcard.key), certificate: wildcard.pem, password: undefined }, NOW);

  it('a single-label wildcard covers www.example.test', () => {
    expect(expectOk(withWildcard('www.example.test')).matchedName).toBe('*.example.test');
  });

  it.each(['example.test', 'a.b.example.test', 'www.example.org'])('a wildcard does not cover %s', (host) => {
    expectFailure(withWildcard(host), 'CertificateDoesNotCoverHostname', /\*\.example\.test/);
  });

  it('refuses a hostname the SANs do not name', () => {
    expectFailure(
      validateImport(request({ hostname: hostname('other.import.test') }), NOW),
      'CertificateDoesNotCoverHostname',
      /does not cover other\.import\.test/,
    );
  });

  it('ignores the CN when SANs exist', () => {
    const cnOnlyMatch = issue({ cn: 'cn.import.test', sans: ['san.import.test'], issuer: intermediate });
    const base = { privatekey: pkcs8Pem(cnOnlyMatch.key), certificate: cnOnlyMatch.pem, password: undefined };
    expectFailure(validateImport({ ...base, hostname: hostname('cn.import.test') }, NOW), 'CertificateDoesNotCoverHostname');
    expectOk(validateImport({ ...base, hostname: hostname('san.import.test') }, NOW));
  });

  it('falls back to the CN when there is no SAN at all', () => {
    const cnOnly = issue({ cn: 'legacy.import.test', issuer: intermediate });
    expectOk(validateImport({ hostname: hostname('legacy.import.test'), privatekey: pkcs8Pem(cnOnly.key), certificate: cnOnly.pem, password: undefined }, NOW));
  });

  it('matches case-insensitively (hostnames arrive lower-cased)', () => {
    const upper = issue({ cn: 'x', sans: ['WWW.Import.TEST'], issuer: intermediate });
    expectOk(validateImport({ hostname: HOST, privatekey: pkcs8Pem(upper.key), certificate: upper.pem, password: undefined }, NOW));
  });
});

describe('validateImport: malformed text', () => {
  it.each([
    ['garbage base64 certificate', { certificate: 'this is not base64!' }, /certificate is neither PEM nor valid base64/],
    ['garbage base64 key', { privatekey: 'not*base64' }, /privatekey is neither PEM nor valid base64/],
    ['base64 of something that is not a certificate', { certificate: Buffer.from('hello world').toString('base64') }, /not a valid X\.509 certificate/],
    ['base64 of something that is not a key', { privatekey: Buffer.from('hello world').toString('base64') }, /not a DER private key/],
    ['trailing garbage after the PEM certificate', { certificate: `${bundle(leaf, intermediate)}garbage` }, /unexpected text after the last PEM block/],
    ['text before the PEM certificate', { certificate: `subject=CN=x\n${leaf.pem}` }, /before the first PEM block/],
    ['trailing garbage after the PEM key', { privatekey: `${pkcs8Pem(leaf.key)}xyz` }, /unexpected text after the last PEM block/],
    ['an unterminated PEM block', { certificate: leaf.pem.replace('-----END CERTIFICATE-----', '') }, /no complete PEM block/],
    ['a PEM body that is not base64', { certificate: leaf.pem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!') }, /not valid base64/],
    ['trailing bytes after a DER certificate', { certificate: Buffer.concat([leaf.cert.raw, Buffer.from([0, 1, 2])]).toString('base64') }, /trailing garbage/],
    [
      'trailing bytes after a DER key',
      { privatekey: Buffer.concat([leaf.key.export({ type: 'pkcs8', format: 'der' }) as Buffer, Buffer.from([5, 5])]).toString('base64') },
      /not a DER private key/,
    ],
    ['a key in the certificate field', { certificate: `${leaf.pem}${pkcs8Pem(leaf.key)}` }, /only CERTIFICATE PEM blocks \(found a key;/],
    ['a certificate in the key field', { privatekey: `${pkcs8Pem(leaf.key)}${leaf.pem}` }, /only a private key/],
    ['two keys', { privatekey: `${pkcs8Pem(leaf.key)}${pkcs8Pem(rsaKey())}` }, /exactly one private key/],
    ['a missing certificate', { certificate: undefined }, /certificate is required/],
    ['a missing key', { privatekey: undefined }, /privatekey is required/],
    ['a certificate that is not a string', { certificate: 42 }, /must be a string/],
    ['an empty key', { privatekey: '  ' }, /must not be empty/],
  ] as Array<[string, Partial<ImportRequest>, RegExp]>)('refuses %s with InvalidInput', (_name, overrides, message) => {
    expectFailure(validateImport(request(overrides), NOW), 'InvalidInput', message);
  });

  it('refuses more than 10 certificates', () => {
    expectFailure(validateImport(request({ certificate: bundle(...Array.from({ length: 11 }, () => intermediate)) }), NOW), 'InvalidInput', /at most 10/);
  });
});

describe('buildPfx', () => {
  it('builds a password-less PFX that OpenSSL (node tls) and forge read, with the leaf, the chain and the key', () => {
    const valid = expectOk(validateImport(request(), NOW));
    const pfx = buildPfx(valid);
    expect(() => createSecureContext({ pfx })).not.toThrow();
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(pfx.toString('binary')), false);
    const certs = (p12.getBags({ bagType: forge.pki.oids.certBag as string })[forge.pki.oids.certBag as string] ?? []).map((b) =>
      forge.pki.certificateToPem(b.cert!),
    );
    expect(certs.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([leaf.cert.fingerprint256, intermediate.cert.fingerprint256]);
    const keys = p12.getBags({ bagType: forge.pki.oids.keyBag as string })[forge.pki.oids.keyBag as string] ?? [];
    expect(keys).toHaveLength(1);
    expect(leaf.cert.checkPrivateKey(createPrivateKey(forge.pki.privateKeyToPem(keys[0]!.key!)))).toBe(true);
  });

  it('builds a PFX for an EC key that OpenSSL reads', () => {
    const ec = issueEc(HOST, [HOST], intermediate);
    const valid = expectOk(validateImport(request({ privatekey: pkcs8Pem(ec.key), certificate: bundle(ec, intermediate) }), NOW));
    expect(() => createSecureContext({ pfx: buildPfx(valid) })).not.toThrow();
  });

  it('a PFX with a damaged MAC is refused by OpenSSL (the check above can fail)', () => {
    const pfx = buildPfx(expectOk(validateImport(request(), NOW)));
    const at = pfx.length - 30;
    pfx.writeUInt8(pfx.readUInt8(at) ^ 0xff, at);
    expect(() => createSecureContext({ pfx })).toThrow();
  });
});
