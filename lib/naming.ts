/**
 * Names derived from a hostname: the Key Vault certificate, the gateway's SSL certificate,
 * listener and rule, and durable instance ids. Pure and deterministic, so every activity, a
 * replay and a later renewal arrive at the same names.
 *
 * Encoding: '-' becomes '--' and '.' becomes '-'. Inside a valid hostname a dot never touches a
 * hyphen, so a run of one hyphen is a dot and an even run is hyphens: the mapping is injective
 * (`a-b.com` → `a--b-com`, `a.b.com` → `a-b-com`). Key Vault names allow [0-9A-Za-z-] up to 127
 * characters and gateway child resources up to 80, so long names are cut and suffixed with a hash.
 */
import { createHash } from 'node:crypto';
import type { Hostname } from './hostnames';

const MAX_STEM = 60;

export function encodeHostname(hostname: Hostname): string {
  return hostname.replace(/-/g, '--').replace(/\./g, '-');
}

function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A stem that fits every Azure name we build from it (prefix + stem ≤ 80). */
export function nameStem(hostname: Hostname): string {
  const encoded = encodeHostname(hostname);
  if (encoded.length <= MAX_STEM) return encoded;
  return `${encoded.slice(0, MAX_STEM - 13).replace(/-+$/, '')}-${shortHash(hostname)}`;
}

export function keyVaultCertificateName(hostname: Hostname): string {
  return nameStem(hostname);
}

export interface GatewayNames {
  readonly sslCertificate: string;
  readonly listener: string;
  readonly rule: string;
}

export function gatewayNames(hostname: Hostname): GatewayNames {
  const stem = nameStem(hostname);
  return { sslCertificate: `acme-${stem}`, listener: `acme-https-${stem}`, rule: `acme-rule-${stem}` };
}

/** The per-hostname orchestration id: a second request for the same hostname finds it running. */
export function issuanceInstanceId(hostname: Hostname): string {
  return `issue-${nameStem(hostname)}`;
}

/** The import orchestration's id for a hostname. */
export function importInstanceId(hostname: Hostname): string {
  return `import-${nameStem(hostname)}`;
}

/** A batch's id depends only on its set of hostnames, so a resubmitted batch is recognised. */
export function batchInstanceId(hostnames: readonly Hostname[]): string {
  return `issue-batch-${shortHash([...hostnames].sort().join(','), 24)}`;
}

/**
 * The key of a gateway's write-queue entity. `|` cannot occur in a subscription id, a resource
 * group name ([-\w.()]) or a gateway name ([-\w.]), so the key is injective; it also avoids the
 * characters an instance id may not hold (`/ \ # ?`) and stays under its 256 characters
 * (36 + 90 + 80 + 2).
 */
export function gatewayEntityKey(subscriptionId: string, resourceGroup: string, gatewayName: string): string {
  return `${subscriptionId}|${resourceGroup}|${gatewayName}`.toLowerCase();
}
