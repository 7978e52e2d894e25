import { Activities } from '../lib/activityContracts';
import { probeChallengeFile } from '../lib/adapters/challengeProbe';
import { challengeBlobName } from '../lib/adapters/challengeFiles';
import { defineActivity } from './defineActivity';

/** check*: fetches each file through the gateway like the CA will; changes nothing. */
export const checkChallengeFiles = defineActivity(Activities.checkChallengeFiles, async ({ hostname, addresses, files }, config) => {
  const hint = `The gateway needs a port-80 path rule sending /.well-known/acme-challenge/* to the blob "${challengeBlobName(config, '')}<token>" in the challenge container, and the storage account must allow public blob reads from the gateway.`;
  // Every address the CA may use (it tries IPv6 first): each must serve the file.
  for (const gatewayIp of addresses) {
    for (const file of files) {
      const result = await probeChallengeFile(
        { gatewayIp, port: config.gateway.challengeSelfCheckPort, hostname, token: file.token, expected: file.keyAuthorization },
        hint,
      );
      if (!result.ok) return result;
    }
  }
  return { ok: true };
});
