import { Activities } from '../lib/activityContracts';
import { readEnabledVersion } from '../lib/adapters/keyVault';
import { defineActivity } from './defineActivity';

/** check*: confirms the version the starter imported is there and enabled, and returns its ids. Changes nothing. */
export const checkImportedCertificate = defineActivity(Activities.checkImportedCertificate, async ({ certificateName, version }, config) =>
  readEnabledVersion(config, certificateName, version),
);
