/**
 * The certificates this app looks after, read from Key Vault by tag, with their renewal decision.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateClient, CertificateProperties, KeyVaultCertificateWithPolicy } from '@azure/keyvault-certificates';
import type { ManagedCertificate } from '../activityContracts';
import type { AppConfig } from '../config';
import { certificateClient } from '../clients';
import { AppError } from '../errors';
import { Hostname, parseHostname } from '../hostnames';
import { keyVaultCertificateName } from '../naming';
import { CERTIFICATES_PER_NAME_SET, NAME_SET_WINDOW_DAYS, nextIssuanceAllowed } from '../caLimits';
import { renewalDecision } from '../renewalPolicy';
import type { ErrorCode } from '../status';
import { fetchRenewalWindow } from './acme/renewalInfo';
import { IMPORTED_SOURCE, MANAGED_BY, Tags, keyVaultError, versionDates } from './keyVault';

/** The `hostnames` tag, parsed at this edge; a hand-edited value that does not parse is reported, not guessed. */
function parseHostnamesTag(certificateName: string, tag: string | undefined): { hostnames: Hostname[]; problem?: string } {
  const hostnames: Hostname[] = [];
  for (const text of (tag ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)) {
    // Our own tag: a reserved name there was accepted by a test deployment and is read back as is.
    const parsed = parseHostname(text, { allowReserved: true });
    if (!parsed.ok) return { hostnames: [], problem: `The "hostnames" tag of ${certificateName} holds an invalid hostname: it ${parsed.message}` };
    hostnames.push(parsed.hostname);
  }
  return hostnames.length > 0 ? { hostnames } : { hostnames, problem: `The "hostnames" tag of ${certificateName} holds no valid hostname` };
}

/** The newest version that holds a certificate (while an operation is pending, the latest is a placeholder without one). */
async function lastCompleteVersion(
  client: CertificateClient,
  name: string,
  latest: KeyVaultCertificateWithPolicy,
): Promise<{ cer: Uint8Array; version: string } | undefined> {
  if (latest.cer && latest.cer.length > 0 && latest.properties.enabled !== false) return { cer: latest.cer, version: latest.properties.version ?? '' };
  const versions: CertificateProperties[] = [];
  for await (const v of client.listPropertiesOfCertificateVersions(name)) if (v.enabled !== false && v.version) versions.push(v);
  versions.sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
  for (const v of versions) {
    const full = await client.getCertificateVersion(name, v.version ?? '');
    if (full.cer && full.cer.length > 0) return { cer: full.cer, version: v.version ?? '' };
  }
  return undefined;
}

async function hasPendingOperation(client: CertificateClient, name: string): Promise<boolean> {
  try {
    const poller = await client.getCertificateOperation(name);
    return poller.getOperationState().certificateOperation?.status === 'inProgress';
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

type Listed = Pick<ManagedCertificate, 'certificateName' | 'hostnames' | 'source' | 'acmeDirectory'>;

/** A certificate that cannot be renewed as it stands: listed with why, never dropped. */
function withProblem(base: Listed, problem: string, pendingOperation: boolean, problemCode?: ErrorCode): ManagedCertificate {
  return {
    ...base,
    version: '',
    thumbprint: '',
    notBefore: '',
    notAfter: '',
    renewAfter: '',
    due: false,
    reason: problem,
    problem,
    pendingOperation,
    ...(problemCode ? { problemCode } : {}),
  };
}

async function readCertificate(
  config: AppConfig,
  client: CertificateClient,
  props: CertificateProperties & { name: string },
  now: Date,
  forceAll: boolean,
): Promise<ManagedCertificate> {
  const tags = props.tags ?? {};
  const { hostnames, problem } = parseHostnamesTag(props.name, tags[Tags.Hostnames]);
  const source = tags[Tags.Source] === IMPORTED_SOURCE || !tags[Tags.AcmeDirectory] ? 'imported' : 'acme';
  const acmeDirectory = tags[Tags.AcmeDirectory];
  const base: Listed = { certificateName: props.name, hostnames, source, ...(acmeDirectory ? { acmeDirectory } : {}) };
  const latest = await client.getCertificate(props.name);
  const pendingOperation = !latest.cer || latest.cer.length === 0 ? true : await hasPendingOperation(client, props.name);
  const complete = await lastCompleteVersion(client, props.name, latest);
  if (!complete)
    return withProblem(base, `${props.name} has no issued version yet (a first issuance that never completed?); request it again`, pendingOperation);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(Buffer.from(complete.cer));
  } catch {
    return withProblem(base, `${props.name} version ${complete.version} does not hold a readable X.509 certificate`, pendingOperation);
  }
  const notBefore = new Date(x509.validFrom);
  const notAfter = new Date(x509.validTo);
  const window = source === 'acme' && acmeDirectory ? await fetchRenewalWindow(acmeDirectory, complete.cer, x509.serialNumber) : undefined;
  const decision = renewalDecision({
    notBefore,
    notAfter,
    now,
    source,
    ...(window ? { ariWindow: window } : {}),
    ...(config.renewal.beforeExpiryDays !== undefined ? { beforeExpiryDays: config.renewal.beforeExpiryDays } : {}),
  });
  const forced = source === 'acme' && forceAll;
  // The CA's weekly limit per name set holds whether due or forced: renewing past it would be refused after validation.
  const blockedUntil = source === 'acme' && (decision.due || forced) ? nextIssuanceAllowed(await versionDates(config, props.name), now) : undefined;
  const blockedReason =
    blockedUntil &&
    `the CA's limit of ${CERTIFICATES_PER_NAME_SET} certificates per name in ${NAME_SET_WINDOW_DAYS} days is used up until ${blockedUntil.toISOString()}`;
  return {
    ...base,
    version: complete.version,
    thumbprint: x509.fingerprint.replace(/:/g, ''),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    renewAfter: (blockedUntil ?? decision.renewAfter).toISOString(),
    due: !blockedUntil && (decision.due || forced),
    reason: blockedReason || (forced && !decision.due ? 'forced renewal' : decision.reason),
    pendingOperation,
    ...(problem !== undefined ? { problem } : {}),
  };
}

/**
 * Every certificate this app manages or imported (tag `managed-by`), with its last complete
 * version and renewal decision at `now`. A certificate with a pending Key Vault operation is
 * listed with its last complete version and `pendingOperation` (the renewal reuses or replaces
 * that operation); one that cannot be read is listed with a `problem`, never dropped. With
 * `hostnames`, only certificates for those hostnames (by tag, or by the name derived from them).
 */
export async function listManagedCertificates(
  config: AppConfig,
  now: Date,
  options: { forceAll?: boolean; hostnames?: readonly Hostname[] } = {},
): Promise<ManagedCertificate[]> {
  const client = certificateClient(config);
  const wanted = options.hostnames ? new Set<string>(options.hostnames) : undefined;
  const wantedNames = options.hostnames ? new Set(options.hostnames.map(keyVaultCertificateName)) : undefined;
  const result: ManagedCertificate[] = [];
  try {
    // includePending: a certificate whose first issuance stopped after the CSR is listed too (Key Vault's GetCertificates).
    for await (const props of client.listPropertiesOfCertificates({ includePending: true })) {
      const name = props.name;
      if ((props.tags ?? {})[Tags.ManagedBy] !== MANAGED_BY || !name) continue;
      const { hostnames } = parseHostnamesTag(name, props.tags?.[Tags.Hostnames]);
      if (wanted && !hostnames.some((h) => wanted.has(h)) && !wantedNames?.has(name)) continue;
      try {
        result.push(await readCertificate(config, client, { ...props, name }, now, options.forceAll === true));
      } catch (error) {
        const coded = keyVaultError(`Reading certificate ${name}`, error);
        if (coded.retryable) throw coded;
        result.push(withProblem({ certificateName: name, hostnames, source: 'acme' }, coded.detail, false, coded.code));
      }
    }
  } catch (error) {
    throw error instanceof AppError ? error : keyVaultError('Listing certificates', error);
  }
  return result.sort((a, b) => a.certificateName.localeCompare(b.certificateName));
}
