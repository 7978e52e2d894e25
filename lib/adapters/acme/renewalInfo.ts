/**
 * ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a certificate.
 * Unauthenticated GETs of `{renewalInfo}/{certID}` (§4.1, §4.2); any failure means "no window",
 * never an error, so renewal falls back to the lifetime rule.
 */
import { Forge, forge } from '../../forge';
import { ariCertificateId } from '../../renewalPolicy';

/** Each outbound request's whole deadline (headers and body), whatever the peer does. */
export const REQUEST_DEADLINE_MS = 10_000;

/** authorityKeyIdentifier's keyIdentifier ([0] IMPLICIT OCTET STRING), or undefined. */
function authorityKeyId(der: Uint8Array): Uint8Array | undefined {
  try {
    const cert = forge().pki.certificateFromAsn1(forge().asn1.fromDer(forge().util.createBuffer(Buffer.from(der).toString('binary'))));
    const ext = cert.getExtension('authorityKeyIdentifier') as { value?: string } | null;
    if (!ext?.value) return undefined;
    const seq = forge().asn1.fromDer(ext.value);
    const keyId = (seq.value as Forge.asn1.Asn1[]).find((v) => v.tagClass === forge().asn1.Class.CONTEXT_SPECIFIC && v.type === 0);
    return keyId && typeof keyId.value === 'string' ? Buffer.from(keyId.value, 'binary') : undefined;
  } catch {
    return undefined;
  }
}

const directories = new Map<string, Promise<string | undefined>>();

/** The directory's `renewalInfo` URL (RFC 9773 §3), cached per directory once answered. */
async function renewalInfoUrl(directoryUrl: string, deadlineMs: number): Promise<string | undefined> {
  let cached = directories.get(directoryUrl);
  if (!cached) {
    cached = fetch(directoryUrl, { signal: AbortSignal.timeout(deadlineMs) }).then(async (res) => {
      if (!res.ok) throw new Error(`directory answered ${res.status}`);
      return ((await res.json()) as { renewalInfo?: string }).renewalInfo;
    });
    directories.set(directoryUrl, cached);
    // Only an answer is kept: a failed lookup is tried again next time instead of disabling ARI until restart.
    cached.catch(() => directories.delete(directoryUrl));
  }
  return cached.catch(() => undefined);
}

/**
 * RFC 9773 §4.2 suggestedWindow for the certificate `der` (whose serial is `serialHex`), or
 * undefined when the CA has no ARI, the certificate has no AKI, or the answer is unusable or late:
 * the directory and the window each get `deadlineMs` (milliseconds) for the whole answer, body included.
 */
export async function fetchRenewalWindow(
  directoryUrl: string,
  der: Uint8Array,
  serialHex: string,
  deadlineMs = REQUEST_DEADLINE_MS,
): Promise<{ start: Date; end: Date } | undefined> {
  const base = await renewalInfoUrl(directoryUrl, deadlineMs);
  const aki = authorityKeyId(der);
  if (!base || !aki) return undefined;
  const serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  // DER INTEGER bytes: a leading zero when the high bit is set.
  const serialDer = (serial[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), serial]) : serial;
  try {
    const res = await fetch(`${base.replace(/\/$/, '')}/${ariCertificateId(aki, serialDer)}`, { signal: AbortSignal.timeout(deadlineMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { suggestedWindow?: { start?: string; end?: string } };
    const start = new Date(body.suggestedWindow?.start ?? '');
    const end = new Date(body.suggestedWindow?.end ?? '');
    return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) ? undefined : { start, end };
  } catch {
    return undefined;
  }
}
