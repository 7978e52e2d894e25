/**
 * The certificates this app looks after, read from Key Vault by tag, with their renewal decision.
 */
import { X509Certificate } from 'node:crypto';
import type { ManagedCertificate } from '../activityContracts';
import type { AppConfig } from '../config';
import { certificateClient } from '../clients';
import { Hostname, parseHostname } from '../hostnames';
import { renewalDecision } from '../renewalPolicy';
import { fetchRenewalWindow } from './acme/renewalInfo';
import { IMPORTED_SOURCE, MANAGED_BY, Tags, keyVaultError } from './keyVault';

/** The `hostnames` tag, parsed at this edge; a hand-edited value that does not parse is reported, not guessed. */
function parseHostnamesTag(certificateName: string, tag: string | undefined): { hostnames: Hostname[]; problem?: string } {
  const hostnames: Hostname[] = [];
  for (const text of (tag ?? '').split(',').map((h) => h.trim()).filter(Boolean)) {
    const parsed = parseHostname(text);
    if (!parsed.ok) return { hostnames: [], problem: `The "hostnames" tag of ${certificateName} holds an invalid hostname: it ${parsed.message}` };
    hostnames.push(parsed.hostname);
  }
  return hostnames.length > 0 ? { hostnames } : { hostnames, problem: `The "hostnames" tag of ${certificateName} holds no valid hostname` };
}

export async function listManagedCertificates(config: AppConfig, now: Date, options: { forceAll?: boolean; hostnames?: readonly string[] } = {}): Promise<ManagedCertificate[]> {
  const client = certificateClient(config);
  const wanted = options.hostnames ? new Set(options.hostnames.map((h) => h.toLowerCase())) : undefined;
  const result: ManagedCertificate[] = [];
  try {
    for await (const props of client.listPropertiesOfCertificates()) {
      const tags = props.tags ?? {};
      if (tags[Tags.ManagedBy] !== MANAGED_BY || !props.name) continue;
      const { hostnames, problem } = parseHostnamesTag(props.name, tags[Tags.Hostnames]);
      if (wanted && !hostnames.some((h) => wanted.has(h))) continue;
      const cert = await client.getCertificate(props.name);
      if (!cert.cer || cert.cer.length === 0) continue; // still pending: no version to renew yet
      const x509 = new X509Certificate(Buffer.from(cert.cer));
      const source = tags[Tags.Source] === IMPORTED_SOURCE || !tags[Tags.AcmeDirectory] ? 'imported' : 'acme';
      const acmeDirectory = tags[Tags.AcmeDirectory];
      const notBefore = new Date(x509.validFrom);
      const notAfter = new Date(x509.validTo);
      const window = source === 'acme' && acmeDirectory ? await fetchRenewalWindow(acmeDirectory, cert.cer, x509.serialNumber) : undefined;
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
        ...(problem !== undefined ? { problem } : {}),
      });
    }
  } catch (error) {
    throw keyVaultError('Listing certificates', error);
  }
  return result.sort((a, b) => a.certificateName.localeCompare(b.certificateName));
}
