/**
 * The certificates this app looks after, read from Key Vault by tag, with their renewal decision.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { ManagedCertificate } from '../activityContracts';
import type { AppConfig } from '../config';
import { certificateClient } from '../clients';
import { ariCertificateId, renewalDecision } from '../renewalPolicy';
import { IMPORTED_SOURCE, MANAGED_BY, Tags, keyVaultError } from './keyVault';

/** authorityKeyIdentifier's keyIdentifier ([0] IMPLICIT OCTET STRING), or undefined. */
function authorityKeyId(der: Uint8Array): Uint8Array | undefined {
  try {
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary'))));
    const ext = cert.getExtension('authorityKeyIdentifier') as { value?: string } | null;
    if (!ext?.value) return undefined;
    const seq = forge.asn1.fromDer(ext.value);
    const keyId = (seq.value as forge.asn1.Asn1[]).find((v) => v.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && v.type === 0);
    return keyId && typeof keyId.value === 'string' ? Buffer.from(keyId.value, 'binary') : undefined;
  } catch {
    return undefined;
  }
}

const directories = new Map<string, Promise<string | undefined>>();

async function renewalInfoUrl(directoryUrl: string): Promise<string | undefined> {
  let cached = directories.get(directoryUrl);
  if (!cached) {
    cached = fetch(directoryUrl, { signal: AbortSignal.timeout(10_000) }).then(async (res) => {
      if (!res.ok) throw new Error(`directory answered ${res.status}`);
      return ((await res.json()) as { renewalInfo?: string }).renewalInfo;
    });
    directories.set(directoryUrl, cached);
    // Only an answer is kept: a failed lookup is tried again next time instead of disabling ARI until restart.
    cached.catch(() => directories.delete(directoryUrl));
  }
  return cached.catch(() => undefined);
}

/** RFC 9773: GET {renewalInfo}/{certID}; any failure means "no window", never an error. */
async function ariWindow(directoryUrl: string, der: Uint8Array, serialHex: string): Promise<{ start: Date; end: Date } | undefined> {
  const base = await renewalInfoUrl(directoryUrl);
  const aki = authorityKeyId(der);
  if (!base || !aki) return undefined;
  const serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  // DER INTEGER bytes: a leading zero when the high bit is set.
  const serialDer = (serial[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), serial]) : serial;
  try {
    const res = await fetch(`${base.replace(/\/$/, '')}/${ariCertificateId(aki, serialDer)}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { suggestedWindow?: { start?: string; end?: string } };
    const start = new Date(body.suggestedWindow?.start ?? '');
    const end = new Date(body.suggestedWindow?.end ?? '');
    return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) ? undefined : { start, end };
  } catch {
    return undefined;
  }
}

export async function listManagedCertificates(config: AppConfig, now: Date, options: { forceAll?: boolean; hostnames?: readonly string[] } = {}): Promise<ManagedCertificate[]> {
  const client = certificateClient(config);
  const wanted = options.hostnames ? new Set(options.hostnames.map((h) => h.toLowerCase())) : undefined;
  const result: ManagedCertificate[] = [];
  try {
    for await (const props of client.listPropertiesOfCertificates()) {
      const tags = props.tags ?? {};
      if (tags[Tags.ManagedBy] !== MANAGED_BY || !props.name) continue;
      const hostnames = (tags[Tags.Hostnames] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
      if (wanted && !hostnames.some((h) => wanted.has(h))) continue;
      const cert = await client.getCertificate(props.name);
      if (!cert.cer || cert.cer.length === 0) continue; // still pending: no version to renew yet
      const x509 = new X509Certificate(Buffer.from(cert.cer));
      const source = tags[Tags.Source] === IMPORTED_SOURCE || !tags[Tags.AcmeDirectory] ? 'imported' : 'acme';
      const acmeDirectory = tags[Tags.AcmeDirectory];
      const notBefore = new Date(x509.validFrom);
      const notAfter = new Date(x509.validTo);
      const window = source === 'acme' && acmeDirectory ? await ariWindow(acmeDirectory, cert.cer, x509.serialNumber) : undefined;
      const decision = renewalDecision({
        notBefore, notAfter, now, source,
        ...(window ? { ariWindow: window } : {}),
        ...(config.renewal.beforeExpiryDays !== undefined ? { beforeExpiryDays: config.renewal.beforeExpiryDays } : {}),
      });
      const forced = source === 'acme' && options.forceAll === true;
      result.push({
        certificateName: props.name,
        hostnames,
        source,
        ...(acmeDirectory ? { acmeDirectory } : {}),
        version: cert.properties.version ?? '',
        thumbprint: x509.fingerprint.replace(/:/g, ''),
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        renewAfter: decision.renewAfter.toISOString(),
        due: decision.due || forced,
        reason: forced && !decision.due ? 'forced renewal' : decision.reason,
      });
    }
  } catch (error) {
    throw keyVaultError('Listing certificates', error);
  }
  return result.sort((a, b) => a.certificateName.localeCompare(b.certificateName));
}
