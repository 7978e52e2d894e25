import { Activities } from '../lib/activityContracts';
import { versionDates } from '../lib/adapters/keyVault';
import { checkCertificateName } from '../lib/adapters/keyVaultNames';
import { nextIssuanceAllowed, quotaMessage, secondsUntil } from '../lib/caLimits';
import { fail } from '../lib/outcome';
import { ErrorCodes } from '../lib/status';
import { defineActivity } from './defineActivity';

/**
 * check*: can the Key Vault name take a version for this hostname, and does the CA's weekly limit
 * for the name allow one more? Reads only; runs before any CA work.
 */
export const checkKeyVaultName = defineActivity(Activities.checkKeyVaultName, async ({ hostname, certificateName }, config) => {
  const name = await checkCertificateName(config, certificateName, hostname);
  if (!name.ok || name.state !== 'ours') return name;
  const now = new Date();
  const next = nextIssuanceAllowed(await versionDates(config, certificateName), now);
  if (!next) return name;
  return fail(ErrorCodes.AcmeRateLimited, quotaMessage(hostname, next), secondsUntil(next, now));
});
