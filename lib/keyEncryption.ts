/**
 * Bounds on the work an encrypted private key asks of us, read from the key before it is
 * decrypted. The KDF parameters of an encrypted PKCS#8 key come from whoever wrote it — here the
 * caller of the import starter — and Node decrypts synchronously on the event loop: a key with
 * PBKDF2 iterations 0x7fffffff would block the worker for many minutes (measured here: 2·10⁶
 * iterations ≈ 1 s), and scrypt's memory grows with N·r·p. So the parameters are bounded first.
 * Formats: EncryptedPrivateKeyInfo (RFC 5208 §6) with PBES2 (RFC 8018 §6.2) over PBKDF2 (RFC 8018
 * §5.2) or scrypt (RFC 7914 §7), or a PKCS#12 PBE scheme (RFC 7292 Appendix C); the legacy PEM
 * encryption (`Proc-Type: 4,ENCRYPTED`) uses one MD5 round (EVP_BytesToKey) and is cheap.
 */
import { forge } from './forge';
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

/** OpenSSL writes 2048 and OWASP (2023) recommends 600,000 for PBKDF2-HMAC-SHA256; a million is ~0.5 s here. */
export const MAX_PBKDF2_ITERATIONS = 1_000_000;
/** scrypt needs 128·N·r·p bytes; OpenSSL's default (N=16384, r=8, p=1) is 16 MiB. */
export const MAX_SCRYPT_MEMORY_BYTES = 64 * 1024 * 1024;
/** And its work grows with N·r·p: 2²² is four times OpenSSL's default. */
export const MAX_SCRYPT_WORK = 2 ** 22;

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  pkcs12Pbe: '1.2.840.113549.1.12.1.',
  pbes1: '1.2.840.113549.1.5.',
} as const;

type Asn1 = { tagClass: number; type: number; value: Asn1[] | string };

function children(node: Asn1 | undefined): Asn1[] {
  return node && Array.isArray(node.value) ? node.value : [];
}

function oidOf(node: Asn1 | undefined): string | undefined {
  return node && typeof node.value === 'string' && node.type === forge().asn1.Type.OID ? forge().asn1.derToOid(node.value) : undefined;
}

function integerOf(node: Asn1 | undefined): number | undefined {
  if (!node || typeof node.value !== 'string' || node.type !== forge().asn1.Type.INTEGER) return undefined;
  // More than six bytes is more than any bound here: say so rather than lose precision.
  if (node.value.length > 6) return Number.POSITIVE_INFINITY;
  return parseInt(forge().util.bytesToHex(node.value) || '0', 16);
}

/**
 * Ok when decrypting `der` (an EncryptedPrivateKeyInfo) costs at most the bounds above;
 * `InvalidInput` naming the parameter otherwise, or when the structure cannot be read.
 */
export function checkKeyEncryptionCost(der: Uint8Array, field: string): Outcome {
  const refuse = (why: string) => fail(ErrorCodes.InvalidInput, `${field}: ${why}`);
  let root: Asn1;
  try {
    root = forge().asn1.fromDer(forge().util.createBuffer(Buffer.from(der).toString('binary'))) as Asn1;
  } catch {
    return refuse('the encrypted key is not valid DER');
  }
  const algorithm = children(root)[0];
  const scheme = oidOf(children(algorithm)[0]);
  const params = children(algorithm)[1];
  if (scheme === undefined) return refuse('the encrypted key names no encryption algorithm');
  if (scheme.startsWith(OID.pkcs12Pbe) || (scheme.startsWith(OID.pbes1) && scheme !== OID.pbes2)) {
    const iterations = integerOf(children(params)[1]);
    if (iterations === undefined) return refuse('the key encryption has no iteration count');
    return iterations > MAX_PBKDF2_ITERATIONS
      ? refuse(
          `the key encryption asks for ${iterations === Infinity ? 'an enormous number of' : iterations} iterations; at most ${MAX_PBKDF2_ITERATIONS} are accepted (re-encrypt the key, e.g. openssl pkcs8 -topk8 -v2 aes-256-cbc)`,
        )
      : { ok: true };
  }
  if (scheme !== OID.pbes2) return refuse(`the key is encrypted with an unsupported scheme (${scheme}); use PBES2 (openssl pkcs8 -topk8 -v2 aes-256-cbc)`);
  const kdf = children(params)[0];
  const kdfOid = oidOf(children(kdf)[0]);
  const kdfParams = children(children(kdf)[1]);
  if (kdfOid === OID.pbkdf2) {
    const iterations = integerOf(kdfParams[1]);
    if (iterations === undefined) return refuse('the PBKDF2 parameters have no iteration count');
    if (iterations > MAX_PBKDF2_ITERATIONS)
      return refuse(
        `the key's PBKDF2 asks for ${iterations === Infinity ? 'an enormous number of' : iterations} iterations; at most ${MAX_PBKDF2_ITERATIONS} are accepted (re-encrypt the key with fewer)`,
      );
    return { ok: true };
  }
  if (kdfOid === OID.scrypt) {
    const [n, r, p] = [integerOf(kdfParams[1]), integerOf(kdfParams[2]), integerOf(kdfParams[3])];
    if (n === undefined || r === undefined || p === undefined) return refuse('the scrypt parameters are incomplete');
    if (128 * n * r * p > MAX_SCRYPT_MEMORY_BYTES || n * r * p > MAX_SCRYPT_WORK) {
      return refuse(
        `the key's scrypt parameters (N=${n}, r=${r}, p=${p}) ask for more than ${MAX_SCRYPT_MEMORY_BYTES / 2 ** 20} MiB or ${MAX_SCRYPT_WORK} units of work; re-encrypt the key with smaller ones`,
      );
    }
    return { ok: true };
  }
  return refuse(`the key uses an unsupported key derivation (${kdfOid ?? 'none'}); use PBKDF2 or scrypt`);
}
