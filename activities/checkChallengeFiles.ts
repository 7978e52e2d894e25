import { Activities } from '../lib/activityContracts';
import { probeChallengeFile } from '../lib/adapters/challengeProbe';
import { challengeBlobName } from '../lib/adapters/challengeFiles';
import { AppError } from '../lib/errors';
import { fail } from '../lib/outcome';
import { defineActivity } from './defineActivity';

/** check*: fetches each file through the gateway like the CA will; changes nothing. */
export const checkChallengeFiles = defineActivity(Activities.checkChallengeFiles, async ({ hostname, gatewayIp, files }, config) => {
  for (const file of files) {
    const result = await probeChallengeFile({ gatewayIp, port: config.gateway.challengeSelfCheckPort, hostname, token: file.token, expected: file.keyAuthorization });
    const url = `http://${hostname}/.well-known/acme-challenge/${file.token}`;
    if (result.kind === 'missing' && (result.status === 'unreachable' || result.status >= 500)) {
      // The gateway did not answer, or failed: that may pass (a restarting instance); the durable retry asks again.
      throw new AppError('HostnameOwnershipValidationFileNotFound', `${url} ${result.status === 'unreachable' ? 'could not be reached' : `answered HTTP ${result.status}`} through the gateway`, true);
    }
    if (result.kind === 'missing') {
      // A redirect (typically HTTP→HTTPS on the port-80 listener) sends the CA to an HTTPS listener
      // that does not exist yet on a first issuance: the path rule must answer on port 80 itself.
      const redirect = typeof result.status === 'number' && result.status >= 300 && result.status < 400
        ? ' It redirects: exclude /.well-known/acme-challenge/* from the HTTP→HTTPS redirect so the path rule answers on port 80.'
        : '';
      return fail(
        'HostnameOwnershipValidationFileNotFound',
        `${url} answered HTTP ${result.status} through the gateway.${redirect} The gateway needs a port-80 path rule sending /.well-known/acme-challenge/* to the blob "${challengeBlobName(config, '')}<token>" in the challenge container, and the storage account must allow public blob reads from the gateway.`,
      );
    }
    if (result.kind === 'different') {
      return fail('HostnameOwnershipValidationFileNotValid', `${url} is reachable but does not contain the expected key authorization; another rule or backend may be answering that path`);
    }
  }
  return { ok: true };
});
