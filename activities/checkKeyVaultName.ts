import { Activities } from '../lib/activityContracts';
import { checkCertificateName } from '../lib/adapters/keyVaultNames';
import { defineActivity } from './defineActivity';

/** check*: can the Key Vault name take a version for this hostname? Reads only; runs before any CA work. */
export const checkKeyVaultName = defineActivity(Activities.checkKeyVaultName, async ({ hostname, certificateName }, config) =>
  checkCertificateName(config, certificateName, hostname),
);
