/**
 * Whether a Key Vault certificate name can take a new version for a hostname, found out before
 * anything is asked of the CA. Key Vault answers 409 on create or import for three different
 * reasons, and only one of them is "wait": a pending operation (body code `Forbidden`, docs
 * "Certificate creation methods"), a soft-deleted certificate of that name (`Conflict` with
 * innererror `ObjectIsDeletedButRecoverable`; held up to the retention period — 90 days with purge
 * protection, as infra/ deploys — unless recovered; docs "Azure Key Vault soft-delete overview"),
 * or a secret of that name (certificates and secrets share a name space: a certificate's secret
 * has its name; certificate FAQ). The last two are never retried blindly.
 */
import type { AppConfig } from '../config';
import { certificateClient, secretClient } from '../clients';
import { AppError, settledValue } from '../errors';
import type { Hostname } from '../hostnames';
import { deletedMessage, takenMessage } from '../keyVaultFailures';
import { Outcome, fail } from '../outcome';
import { ErrorCodes } from '../status';
import { IMPORTED_SOURCE, MANAGED_BY, Tags, keyVaultError } from './keyVaultCommon';

interface RestLike {
  statusCode?: number;
  code?: string;
  details?: { error?: { code?: string; innerError?: { code?: string }; innererror?: { code?: string } } };
}

/** `moving`: a delete or recovery still under way (ObjectIsBeingDeleted/-Recovered): it passes by itself. */
export type Conflict = 'pending' | 'deleted' | 'moving' | 'secret';

/** Which of Key Vault's 409s this is, from the error body (code, innererror). */
export function conflictKind(error: unknown): Conflict | undefined {
  const { statusCode, code, details } = error as RestLike;
  if (statusCode !== 409) return undefined;
  const inner = details?.error?.innerError?.code ?? details?.error?.innererror?.code;
  if (inner === 'ObjectIsDeletedButRecoverable') return 'deleted';
  if (inner === 'ObjectIsBeingDeleted' || inner === 'ObjectIsBeingRecovered') return 'moving';
  if ((code ?? details?.error?.code) === 'Forbidden') return 'pending';
  return 'secret';
}

function deletedError(name: string, action: string): AppError {
  return new AppError(ErrorCodes.KeyVaultCertificateDeleted, `${action}: ${deletedMessage(name)}`);
}

function takenError(name: string, what: string): AppError {
  return new AppError(ErrorCodes.KeyVaultNameTaken, takenMessage(name, what));
}

/** A coded error for a create or import refused with 409, or undefined when it is a pending operation. */
export function conflictError(error: unknown, name: string, action: string): AppError | undefined {
  const kind = conflictKind(error);
  if (kind === 'deleted') return deletedError(name, action);
  if (kind === 'secret') return takenError(name, "a secret that is not this certificate's");
  // A recovery (or deletion) still settling: retried by the durable policy, it passes in seconds.
  if (kind === 'moving') return new AppError(ErrorCodes.KeyVaultError, `${action}: Key Vault is still recovering or deleting "${name}"`, true);
  return undefined;
}

/** `source` (for `ours`): whether the app issues and renews it (`acme`) or the user imported it. */
export type NameState = Outcome<{ state: 'free' | 'ours' | 'deleted'; scheduledPurgeDate?: string; source?: 'acme' | 'imported' }>;

/**
 * Read-only. `free`: no certificate or secret of that name; `ours`: a certificate this app manages
 * for exactly this hostname; `deleted`: soft-deleted (recoverable). Anything else is
 * `KeyVaultNameTaken`: a plain secret, a certificate the app does not manage, or one whose
 * `hostnames` tag names another hostname (no write may land in another hostname's certificate).
 */
export async function checkCertificateName(config: AppConfig, name: string, hostname: Hostname): Promise<NameState> {
  const certificates = certificateClient(config);
  // The four holders of the name are read at once and taken in this order, so the answer (a failed
  // read's error included) is the one reading them in turn gives; a live certificate decides alone.
  const [certificateRead, deletedRead, secretRead, deletedSecretRead] = await Promise.allSettled([
    unlessNotFound(certificates.getCertificate(name), `Reading certificate ${name}`),
    unlessNotFound(certificates.getDeletedCertificate(name), `Reading deleted certificate ${name}`),
    unlessNotFound(secretClient(config).getSecret(name), `Reading secret ${name}`),
    // A soft-deleted plain secret holds the name as firmly as a live one (certificates and secrets share names).
    unlessNotFound(secretClient(config).getDeletedSecret(name), `Reading deleted secret ${name}`),
  ]);
  const existing = settledValue(certificateRead);
  if (existing) {
    const tags = existing.properties.tags ?? {};
    if (tags[Tags.ManagedBy] !== MANAGED_BY)
      return fail(ErrorCodes.KeyVaultNameTaken, takenError(name, 'a certificate this app does not manage (no managed-by tag)').detail);
    const named = (tags[Tags.Hostnames] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    if (!named.includes(hostname))
      return fail(ErrorCodes.KeyVaultNameTaken, takenError(name, `the certificate of ${named.join(', ') || 'no hostname'}`).detail);
    return { ok: true, state: 'ours', source: tags[Tags.Source] === IMPORTED_SOURCE || !tags[Tags.AcmeDirectory] ? 'imported' : 'acme' };
  }
  const deleted = settledValue(deletedRead);
  if (deleted) return { ok: true, state: 'deleted', ...(deleted.scheduledPurgeDate ? { scheduledPurgeDate: deleted.scheduledPurgeDate.toISOString() } : {}) };
  // A certificate's own (managed) secret without its certificate: a recovery or deletion still settling.
  const secret = settledValue(secretRead);
  if (secret) return secret.properties.managed ? { ok: true, state: 'deleted' } : fail(ErrorCodes.KeyVaultNameTaken, takenError(name, 'a secret').detail);
  const deletedSecret = settledValue(deletedSecretRead);
  if (deletedSecret) {
    const until = deletedSecret.properties.scheduledPurgeDate?.toISOString();
    // A deleted certificate's own secret (`managed`: "a secret backing a certificate", REST
    // DeletedSecretBundle) while the certificate's deletion is still settling: the certificate's name.
    if (deletedSecret.properties.managed) return { ok: true, state: 'deleted', ...(until ? { scheduledPurgeDate: until } : {}) };
    return fail(
      ErrorCodes.KeyVaultNameTaken,
      takenMessage(name, `a deleted secret that soft-delete keeps${until ? ` until ${until}` : ''} (purge it, or recover and rename it)`),
    );
  }
  return { ok: true, state: 'free' };
}

/** The read's value, or undefined when Key Vault answers 404; any other failure is a coded Key Vault error. */
async function unlessNotFound<T>(read: Promise<T>, action: string): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if ((error as RestLike).statusCode === 404) return undefined;
    throw keyVaultError(action, error);
  }
}

/** Starts the recovery of a soft-deleted certificate (its key and secret come back with it); callers poll `checkCertificateName`. */
export async function startRecovery(config: AppConfig, name: string): Promise<void> {
  try {
    await certificateClient(config).beginRecoverDeletedCertificate(name);
  } catch (error) {
    // Already recovering or recovered (a replay): the next check tells.
    if ((error as RestLike).statusCode === 409) return;
    throw keyVaultError(`Recovering deleted certificate ${name}`, error);
  }
}
