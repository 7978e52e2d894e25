import { Activities } from '../lib/activityContracts';
import { MANAGED_BY, Tags, createCsr } from '../lib/adapters/keyVault';
import { defineActivity } from './defineActivity';

export const createKeyVaultCsr = defineActivity(Activities.createKeyVaultCsr, async ({ hostname, certificateName }, config) => {
  const tags = { [Tags.ManagedBy]: MANAGED_BY, [Tags.Hostnames]: hostname, [Tags.AcmeDirectory]: config.acme.directoryUrl };
  return { ok: true, csrPem: await createCsr(config, certificateName, hostname, tags) };
});
