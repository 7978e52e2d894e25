/** Certificates and keys sent to the vault (import value, merge x5c), decoded and checked like the vault does. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { KvError } from './errors';
import { PEM } from './model';

/**
 * One x5c entry: base64 DER as the REST API documents. The vault also takes base64 of PEM or of
 * base64 text (the SDK's own merge sample sends that), so tolerate those the same way.
 */
export function decodeX5cEntry(entry: unknown): Buffer[] {
  if (typeof entry !== 'string') throw new KvError(400, 'BadParameter', 'x5c entries must be base64 strings.');
  const bytes = Buffer.from(entry, 'base64');
  const candidates = bytes[0] === 0x30 ? [bytes] : textToDers(bytes.toString('latin1'));
  return candidates.map((der) => {
    try {
      return new X509Certificate(der).raw;
    } catch {
      throw new KvError(400, 'BadParameter', 'An x5c entry is not a valid X.509 certificate (expected base64 of DER).');
    }
  });
}

function textToDers(text: string): Buffer[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  const bodies = blocks ?? [text];
  return bodies.map((b) => Buffer.from(b.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, ''), 'base64'));
}

interface ImportedMaterial {
  keyPem: string;
  chainDer: Buffer[];
  format: 'pfx' | 'pem';
}

/** The import `value`: PEM text (key + certificates) or base64 PFX, checked like the vault does. */
export function readImportValue(value: string, password: string | undefined, contentType: string | undefined): ImportedMaterial {
  let pemText: string | undefined;
  if (contentType === PEM || value.trimStart().startsWith('-----BEGIN')) pemText = value;
  else {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.toString('latin1').trimStart().startsWith('-----BEGIN')) pemText = decoded.toString('utf8');
    else return checkMaterial({ ...readPfx(decoded, password), format: 'pfx' });
  }
  return checkMaterial({ ...readPem(pemText, password), format: 'pem' });
}

function readPem(text: string, password: string | undefined): { keys: string[]; certs: Buffer[] } {
  const keys: string[] = [];
  const certs: Buffer[] = [];
  for (const block of text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? []) {
    try {
      if (block.startsWith('-----BEGIN CERTIFICATE-----')) certs.push(new X509Certificate(block).raw);
      else if (/^-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(block)) {
        keys.push(createPrivateKey({ key: block, format: 'pem', passphrase: password }).export({ type: 'pkcs8', format: 'pem' }) as string);
      }
    } catch {
      throw new KvError(
        400,
        'BadParameter',
        'The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format.',
      );
    }
  }
  return { keys, certs };
}

function readPfx(der: Buffer, password: string | undefined): { keys: string[]; certs: Buffer[] } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(der.toString('binary'));
    p12 = password === undefined ? forge.pkcs12.pkcs12FromAsn1(asn1, false) : forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch {
    throw new KvError(
      400,
      'BadParameter',
      'The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format (or the password is wrong).',
    );
  }
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag ?? ''] ?? []).flatMap((bag) =>
    bag.cert ? [Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes(), 'binary')] : [],
  );
  const keys = [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]
    .flatMap((type) => p12.getBags({ bagType: type ?? '' })[type ?? ''] ?? [])
    .flatMap((bag) => (bag.key ? [createPrivateKey(forge.pki.privateKeyToPem(bag.key)).export({ type: 'pkcs8', format: 'pem' }) as string] : []));
  return { keys, certs };
}

/** Exactly one RSA key, and it must belong to one of the certificates: that one is the leaf. */
function checkMaterial(m: { keys: string[]; certs: Buffer[]; format: 'pfx' | 'pem' }): ImportedMaterial {
  const keyPem = m.keys[0];
  if (!keyPem || m.keys.length > 1)
    throw new KvError(400, 'BadParameter', `The imported ${m.format.toUpperCase()} must contain exactly one private key (found ${m.keys.length}).`);
  if (createPrivateKey(keyPem).asymmetricKeyType !== 'rsa') throw new KvError(400, 'BadParameter', 'The Key Vault emulator only does RSA keys.');
  if (m.certs.length === 0) throw new KvError(400, 'BadParameter', `The imported ${m.format.toUpperCase()} contains no certificate.`);
  const x509s = m.certs.map((d) => new X509Certificate(d));
  const leaf = x509s.find((c) => c.checkPrivateKey(createPrivateKey(keyPem)));
  if (!leaf) throw new KvError(400, 'BadParameter', 'The private key does not match the public key of any certificate in the imported content.');
  return { keyPem, chainDer: orderChain(leaf, x509s).map((c) => c.raw), format: m.format };
}

/** Leaf first, then each issuer in turn; anything unrelated keeps its place at the end. */
function orderChain(leaf: X509Certificate, all: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let rest = all.filter((c) => c !== leaf);
  for (let cur = leaf; ;) {
    const issuer = rest.find((c) => cur.checkIssued(c));
    if (!issuer || issuer.fingerprint256 === cur.fingerprint256) break;
    chain.push(issuer);
    rest = rest.filter((c) => c !== issuer);
    cur = issuer;
  }
  return [...chain, ...rest];
}
