/**
 * Names derived from a hostname: the Key Vault certificate, the gateway's SSL certificate,
 * listener and rule, and durable instance ids. Pure and deterministic, so every activity, a
 * replay and a later renewal arrive at the same names.
 *
 * Encoding: '-' becomes '--' and '.' becomes '-'. Inside a valid hostname a label never starts
 * or ends with a hyphen, so a dot never touches one: in an encoding, a run of one hyphen is a dot
 * and every other run is even (k hyphens → 2k). The mapping is injective (`decodeStem` inverts it:
 * `a-b.com` → `a--b-com`, `a.b.com` → `a-b-com`), and no encoding has a run of exactly three.
 *
 * Key Vault names allow [0-9A-Za-z-] up to 127 characters and gateway child resources up to 80,
 * so an encoding longer than MAX_STEM is cut and suffixed with `---` and a hash of the hostname.
 * That run of exactly three hyphens (between a letter or digit and the hash) is the marker: it
 * never occurs in a full encoding, so a cut name can never equal the name
 * of another, shorter hostname (`<prefix>.<hash>` is itself a valid hostname, and without the
 * marker its encoding was exactly `<prefix>-<hash>`). Two cut names are equal only if 80 bits of
 * SHA-256 collide; the Key Vault adapter also refuses to write into a certificate whose
 * `hostnames` tag names another hostname.
 */
import { createHash } from 'node:crypto';
import type { Hostname } from './hostnames';

/** 80 (gateway child names) − 11 (`acme-https-`) − spare: every name built from a stem fits. */
const MAX_STEM = 60;
/** A run of exactly three hyphens, never produced by `encodeHostname` (runs are 1 or even): marks a cut name. */
export const CUT_MARKER = '---';
const CUT = /(?<!-)---(?!-)/;

/** Whether a stem was cut (holds the marker as a run of exactly three hyphens). */
export function isCutStem(stem: string): boolean {
  return CUT.test(stem);
}
const HASH_HEX = 20;

export function encodeHostname(hostname: Hostname): string {
  return hostname.replace(/-/g, '--').replace(/\./g, '-');
}

/** The inverse of `encodeHostname` (for names that were not cut): proves the encoding injective. */
export function decodeStem(stem: string): string | undefined {
  if (isCutStem(stem)) return undefined;
  return stem.replace(/(--)|-/g, (_match, pair: string | undefined) => (pair ? '-' : '.'));
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A stem that fits every Azure name we build from it (prefix + stem ≤ 80). */
export function nameStem(hostname: Hostname): string {
  const encoded = encodeHostname(hostname);
  if (encoded.length <= MAX_STEM) return encoded;
  const keep = MAX_STEM - CUT_MARKER.length - HASH_HEX;
  // Trailing hyphens are dropped so the marker stays exactly three hyphens.
  return `${encoded.slice(0, keep).replace(/-+$/, '')}${CUT_MARKER}${shortHash(hostname, HASH_HEX)}`;
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

/**
 * A batch's id depends only on its set of hostnames, so a resubmitted batch is recognised. Its
 * prefix is its own (`batch-`): `issue-batch-<hex>` was also the id of the hostname `batch.<hex>`.
 */
export function batchInstanceId(hostnames: readonly Hostname[]): string {
  return `batch-${shortHash([...new Set(hostnames)].sort().join(','), 32)}`;
}

/**
 * A batch child's id: the batch's id and the hostname's stem (at most 38 + 1 + 60 characters).
 * Never a single run's `issue-<name>`: the durable store refuses a second top-level start of a
 * running id, but not a sub-orchestration's, which would replace the running instance (DTFx
 * AzureStorage does no de-duplication for sub-orchestrations); with ids of their own, a batch child
 * and a single run for one hostname meet at the certificate's claim, which turns one away.
 */
export function batchChildInstanceId(batchId: string, hostname: Hostname): string {
  return `${batchId}-${nameStem(hostname)}`;
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
