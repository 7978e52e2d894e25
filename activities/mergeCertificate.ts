import { Activities } from '../lib/activityContracts';
import { downloadChain } from '../lib/adapters/acme/orders';
import { mergeChain } from '../lib/adapters/keyVault';
import { defineActivity } from './defineActivity';

/** Downloads the chain here rather than passing it through history: the activity's input stays small. */
export const mergeCertificate = defineActivity(Activities.mergeCertificate, async ({ certificateUrl, certificateName }, config) => {
  const chainPem = await downloadChain(config, certificateUrl);
  return { ok: true, ...(await mergeChain(config, certificateName, chainPem)) };
});
