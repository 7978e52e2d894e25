/**
 * An encrypted key's KDF cost comes from the caller: it is read and bounded before anything is
 * decrypted. Keys are crafted with a huge iteration count or scrypt cost; decrypting them would
 * block the event loop for minutes, so a refusal proves the bound ran first.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { MAX_PBKDF2_ITERATIONS, checkKeyEncryptionCost } from '../../lib/keyEncryption';
import { validateImport } from '../../lib/importValidation';
import { issue } from '../fixtures/certificates';
import { hostname } from '../fixtures/hostnames';

const { asn1 } = forge;
const HOST = 'cost.import.test';
const leaf = issue({ cn: HOST, sans: [HOST] });

/** The key exported as encrypted PKCS#8 (PBES2, PBKDF2, AES-256-CBC), with its iteration count set to `iterations`. */
function pbkdf2Key(iterations: number): Buffer {
  const der = leaf.key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'pw' }) as Buffer;
  const root = asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  // EncryptedPrivateKeyInfo → algorithm → PBES2-params → keyDerivationFunc → PBKDF2-params → iterationCount
  const pbkdf2Params = ((((root.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[])[1]!
    .value as forge.asn1.Asn1[];
  pbkdf2Params[1] = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes());
  return Buffer.from(asn1.toDer(root).getBytes(), 'binary');
}

/** An EncryptedPrivateKeyInfo whose PBES2 uses scrypt with these parameters (the ciphertext is irrelevant: it is never reached). */
function scryptKey(n: number, r: number, p: number): Buffer {
  const int = (v: number) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(v).getBytes());
  const oid = (v: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(v).getBytes());
  const seq = (...v: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
  const octets = (v: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, v);
  const kdf = seq(oid('1.3.6.1.4.1.11591.4.11'), seq(octets('saltsalt'), int(n), int(r), int(p)));
  const cipher = seq(oid('2.16.840.1.101.3.4.1.42'), octets('0123456789abcdef'));
  const info = seq(seq(oid('1.2.840.113549.1.5.13'), seq(kdf, cipher)), octets('x'.repeat(1200)));
  return Buffer.from(asn1.toDer(info).getBytes(), 'binary');
}

const pem = (der: Buffer) =>
  `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;

describe('bounding the cost of an encrypted key', () => {
  it('refuses PBKDF2 with 0x7fffffff iterations, as DER and as PEM, without decrypting', () => {
    const der = pbkdf2Key(0x7fffffff);
    for (const privatekey of [der.toString('base64'), pem(der)]) {
      const result = validateImport({ hostname: hostname(HOST), privatekey, certificate: leaf.pem, password: 'pw' }, new Date());
      expect(result).toMatchObject({ ok: false, code: 'InvalidInput', message: expect.stringMatching(/2147483647 iterations; at most 1000000/) });
    }
  });

  it('refuses scrypt whose memory or work exceeds the bounds', () => {
    expect(checkKeyEncryptionCost(scryptKey(2 ** 20, 8, 1), 'k')).toMatchObject({ ok: false, message: expect.stringMatching(/N=1048576, r=8, p=1/) });
    expect(checkKeyEncryptionCost(scryptKey(2 ** 14, 8, 64), 'k')).toMatchObject({ ok: false });
    expect(checkKeyEncryptionCost(scryptKey(2 ** 14, 8, 1), 'k')).toEqual({ ok: true });
  });

  it('accepts ordinary encrypted keys and decrypts them', () => {
    expect(checkKeyEncryptionCost(pbkdf2Key(MAX_PBKDF2_ITERATIONS), 'k')).toEqual({ ok: true });
    const ordinary = leaf.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    expect(validateImport({ hostname: hostname(HOST), privatekey: ordinary, certificate: leaf.pem, password: 'pw' }, new Date())).toMatchObject({ ok: true });
  });

  it('refuses a structure it cannot read, and RSA keys beyond what Key Vault imports', () => {
    expect(checkKeyEncryptionCost(Buffer.from('not der'), 'k')).toMatchObject({ ok: false });
    const big = generateKeyPairSync('rsa', { modulusLength: 8192 }).privateKey;
    const bigLeaf = issue({ cn: HOST, sans: [HOST], key: big });
    const result = validateImport(
      { hostname: hostname(HOST), privatekey: big.export({ type: 'pkcs8', format: 'pem' }) as string, certificate: bigLeaf.pem, password: undefined },
      new Date(),
    );
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/8192 bits; Key Vault imports at most 4096/) });
  }, 120_000);
});
