/**
 * Key Vault certificates: the private key is generated inside the vault (issuer "Unknown" leaves
 * a pending operation with a CSR), the CA signs that CSR, and the chain is merged back in.
 */
import type { CertificatePolicy, CertificateProperties } from '@azure/keyvault-certificates';
import type { CertificateVersion } from '../activityContracts';
import type { AppConfig } from '../config';
import { certificateClient } from '../clients';
import { csrCoversExactly, csrDerToPem, pemChainToDer, readCsrNames } from '../csr';
import { AppError } from '../errors';
import { Outcome, fail } from '../outcome';
import { ErrorCodes } from '../status';
import { MANAGED_BY, keyVaultError } from './keyVaultCommon';
import { conflictError } from './keyVaultNames';

export { IMPORTED_SOURCE, MANAGED_BY, Tags, keyVaultError } from './keyVaultCommon';

interface RestLike {
  statusCode?: number;
  code?: string;
}

export function secretIdFor(config: AppConfig, certificateName: string): string {
  // Versionless: the gateway picks up each new version by itself (it polls Key Vault about every 4 hours).
  return `${config.keyVault.baseUrl}/secrets/${certificateName}`;
}

/** RFC 5280 Appendix A: ub-common-name is 64; CAs refuse longer CNs (Let's Encrypt did until 2024, others still do). */
export const MAX_COMMON_NAME_OCTETS = 64;

/**
 * The subject Key Vault puts in the CSR. A hostname of up to 64 octets is the CN, as every CA
 * expects. A longer one cannot be a CN: the subject then names only the organisation and the
 * hostname travels in the subjectAltName alone, which is where RFC 8555 §7.4 and the CA/Browser
 * Forum's Baseline Requirements (§7.1.4.3: the CN is optional, and deprecated) put it. Key Vault's
 * policy needs a subject that is a valid X.500 name (REST spec, X509CertificateProperties.subject),
 * so it is never left empty.
 */
export function csrSubject(hostname: string): string {
  return Buffer.byteLength(hostname, 'utf8') <= MAX_COMMON_NAME_OCTETS ? `CN=${hostname}` : `O=${MANAGED_BY}`;
}

function policyFor(config: AppConfig, hostname: string): CertificatePolicy {
  return {
    issuerName: 'Unknown',
    subject: csrSubject(hostname),
    subjectAlternativeNames: { dnsNames: [hostname] },
    keyType: config.keyVault.keyType,
    keySize: config.keyVault.keySize,
    // Exportable: the gateway reads the PFX through the secret.
    exportable: true,
    reuseKey: false,
    contentType: 'application/x-pkcs12',
    enhancedKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    keyUsage: ['digitalSignature', 'keyEncipherment'],
  } as CertificatePolicy;
}

async function pendingCsr(config: AppConfig, name: string): Promise<{ csr: Uint8Array; status: string } | undefined> {
  const client = certificateClient(config);
  try {
    const poller = await client.getCertificateOperation(name);
    const op = poller.getOperationState().certificateOperation;
    if (!op?.csr) return undefined;
    return { csr: op.csr, status: op.status ?? 'inProgress' };
  } catch (error) {
    if ((error as RestLike).statusCode === 404) return undefined;
    throw keyVaultError('Reading the pending certificate operation', error);
  }
}

/**
 * Idempotent: a pending operation for exactly these names is reused (a replay, or an earlier
 * attempt that failed after this step); one for other names is cancelled and replaced.
 */
export async function createCsr(config: AppConfig, name: string, hostname: string, tags: Record<string, string>): Promise<string> {
  const client = certificateClient(config);
  const existing = await pendingCsr(config, name);
  if (existing && existing.status === 'inProgress') {
    if (csrCoversExactly(readCsrNames(existing.csr), [hostname])) return csrDerToPem(existing.csr);
    try {
      await client.deleteCertificateOperation(name);
    } catch (error) {
      throw keyVaultError('Removing a stale pending certificate operation', error);
    }
  }
  try {
    await client.beginCreateCertificate(name, policyFor(config, hostname), { tags });
  } catch (error) {
    // A 409 for a pending operation (one appeared between our read and create: a concurrent
    // replay) means "use it"; a soft-deleted name or a secret's name is final, never retried.
    if ((error as RestLike).statusCode !== 409) throw keyVaultError('Creating the certificate in Key Vault', error);
    const final = conflictError(error, name, 'Creating the certificate in Key Vault');
    if (final) throw final;
  }
  const created = await pendingCsr(config, name);
  if (!created) throw new AppError('KeyVaultError', 'Key Vault did not return a CSR for the new certificate', true);
  return csrDerToPem(created.csr);
}

/**
 * Idempotent: when the pending operation is already gone and the latest version holds our leaf
 * (the merge succeeded but the host died before recording it), that version is the result.
 */
export async function mergeChain(config: AppConfig, name: string, chainPem: string): Promise<CertificateVersion> {
  const client = certificateClient(config);
  const chain = pemChainToDer(chainPem);
  const leaf = chain[0];
  if (!leaf) throw new AppError('AcmeServerError', 'The CA returned no certificate');
  let result;
  try {
    result = await client.mergeCertificate(name, chain);
  } catch (error) {
    const latest = await client.getCertificate(name).catch(() => undefined);
    if (latest?.cer && Buffer.from(latest.cer).equals(Buffer.from(leaf))) {
      result = latest;
    } else {
      throw keyVaultError('Merging the issued certificate into Key Vault', error);
    }
  }
  return versionOf(config, name, result.properties);
}

function versionOf(config: AppConfig, name: string, properties: CertificateProperties): CertificateVersion {
  return {
    version: properties.version ?? '',
    thumbprint: Buffer.from(properties.x509Thumbprint ?? new Uint8Array())
      .toString('hex')
      .toUpperCase(),
    expiresOn: properties.expiresOn?.toISOString() ?? '',
    secretId: secretIdFor(config, name),
  };
}

/** When each version of a certificate was created (none when it does not exist): what the CA's weekly limit counts. */
export async function versionDates(config: AppConfig, name: string): Promise<Date[]> {
  const dates: Date[] = [];
  try {
    for await (const v of certificateClient(config).listPropertiesOfCertificateVersions(name)) if (v.createdOn) dates.push(v.createdOn);
  } catch (error) {
    if ((error as RestLike).statusCode === 404) return [];
    throw keyVaultError(`Listing the versions of ${name}`, error);
  }
  return dates;
}

/**
 * A given version of a certificate, when it exists and is enabled; `ImportedCertificateNotFound`
 * otherwise (deleted or disabled since the starter imported it).
 */
export async function readEnabledVersion(config: AppConfig, name: string, version: string): Promise<Outcome<CertificateVersion>> {
  let certificate;
  try {
    certificate = await certificateClient(config).getCertificateVersion(name, version);
  } catch (error) {
    if ((error as RestLike).statusCode === 404) {
      return fail(
        ErrorCodes.ImportedCertificateNotFound,
        `Version ${version} of certificate ${name} is not in Key Vault (deleted since the import?); import it again`,
      );
    }
    throw keyVaultError('Reading the imported certificate', error);
  }
  if (certificate.properties.enabled === false) {
    return fail(ErrorCodes.ImportedCertificateNotFound, `Version ${version} of certificate ${name} is disabled in Key Vault; import it again`);
  }
  return { ok: true, ...versionOf(config, name, certificate.properties) };
}
