/** What a person is told when a Key Vault name cannot take a new version, and how to fix it. Pure. */
import { Failure, fail } from './outcome';
import { ErrorCodes } from './status';

export function deletedMessage(name: string, scheduledPurgeDate?: string): string {
  const until = scheduledPurgeDate ? ` until ${scheduledPurgeDate}` : '';
  return `Key Vault certificate "${name}" was deleted and soft-delete holds its name${until}. Recover it (az keyvault certificate recover --vault-name <vault> --name ${name}), or set KeyVaultRecoverDeletedCertificates=true to let the app recover it, then try again`;
}

export function takenMessage(name: string, what: string): string {
  return `Key Vault name "${name}" is taken by ${what}; remove or rename it, then try again (certificates and secrets share one name space)`;
}

/** `KeyVaultCertificateDeleted` with the fix. */
export function deletedFailure(name: string, scheduledPurgeDate?: string): Failure {
  return fail(ErrorCodes.KeyVaultCertificateDeleted, deletedMessage(name, scheduledPurgeDate));
}
