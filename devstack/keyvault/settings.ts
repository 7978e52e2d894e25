/**
 * The vault's settings and the timing of what the real service does in the background.
 *
 * Defaults follow infra/modules/keyVault.bicep (soft delete, 90 days, purge protection on). The
 * delays are short but never zero by default, so the SDK's pollers really poll.
 */

export interface VaultSettings {
  /** `enablePurgeProtection`: purge is refused with 403 while set. */
  readonly purgeProtection: boolean;
  /** `softDeleteRetentionInDays`: 7-90; the scheduled purge date is deletion + this. */
  readonly retentionDays: number;
  /** How long each background step of delete, purge and recover takes. */
  readonly softDeleteDelayMs: number;
  /** How long a create with issuer `Self` stays `inProgress`. */
  readonly selfIssuanceDelayMs: number;
  /** Milliseconds since the epoch; tests may move it to reach the scheduled purge date. */
  readonly clock: () => number;
}

export interface VaultSettingsInput {
  purgeProtection?: boolean;
  softDeleteRetentionDays?: number;
  softDeleteDelayMs?: number;
  selfIssuanceDelayMs?: number;
  clock?: () => number;
}

export const DEFAULT_SOFT_DELETE_DELAY_MS = 250;
export const DEFAULT_SELF_ISSUANCE_DELAY_MS = 250;

export function vaultSettings(input: VaultSettingsInput): VaultSettings {
  const retentionDays = input.softDeleteRetentionDays ?? 90;
  // Microsoft.KeyVault vaults: softDeleteRetentionInDays "accepts >=7 and <=90" (ARM template
  // reference, Microsoft.KeyVault/vaults, VaultProperties).
  if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) {
    throw new Error(`softDeleteRetentionDays must be an integer from 7 to 90 (got ${retentionDays})`);
  }
  const delays = {
    softDeleteDelayMs: input.softDeleteDelayMs ?? DEFAULT_SOFT_DELETE_DELAY_MS,
    selfIssuanceDelayMs: input.selfIssuanceDelayMs ?? DEFAULT_SELF_ISSUANCE_DELAY_MS,
  };
  for (const [key, value] of Object.entries(delays)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a non-negative number of milliseconds (got ${value})`);
  }
  return { purgeProtection: input.purgeProtection ?? true, retentionDays, ...delays, clock: input.clock ?? Date.now };
}

export interface Recovery {
  readonly recoveryLevel: string;
  readonly recoverableDays: number;
}

/**
 * `attributes.recoveryLevel` / `recoverableDays` of every object, from the vault's settings.
 * REST spec 2025-07-01 certificates.json / secrets.json, `DeletionRecoveryLevel`: `Recoverable`
 * (purge protected, 90 days), `CustomizedRecoverable` (purge protected, 7 <= days < 90), and the
 * `+Purgeable` forms without purge protection. Real recordings show
 * `"CustomizedRecoverable+Purgeable","recoverableDays":7` (azure-sdk-for-js recordings).
 */
export function recoveryOf(s: VaultSettings): Recovery {
  const level = s.retentionDays === 90 ? 'Recoverable' : 'CustomizedRecoverable';
  return { recoveryLevel: s.purgeProtection ? level : `${level}+Purgeable`, recoverableDays: s.retentionDays };
}
