import { Activities } from '../lib/activityContracts';
import { startRecovery } from '../lib/adapters/keyVaultNames';
import { defineActivity } from './defineActivity';

/** Starts recovering a soft-deleted certificate (only when KeyVaultRecoverDeletedCertificates is on). */
export const recoverKeyVaultCertificate = defineActivity(Activities.recoverKeyVaultCertificate, async ({ certificateName }, config) => {
  await startRecovery(config, certificateName);
  return { ok: true };
});
