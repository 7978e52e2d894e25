/** Starting the one renewal orchestration, shared by the timer and the HTTP starter. */
import type { DurableClient } from 'durable-functions';
import { getConfig } from '../lib/config';
import type { Hostname } from '../lib/hostnames';
import { gatewayTarget } from './gatewayTarget';
import { isInstanceActive, startOrConflict } from './instanceStatus';
import { Orchestrators, RENEWAL_INSTANCE_ID, RenewCertificatesInput } from '../orchestrators/contracts';

/** Returns false when a renewal is already running (the fixed instance id keeps runs from overlapping). */
export async function startRenewal(client: DurableClient, options: { force: boolean; hostnames?: readonly Hostname[] }): Promise<boolean> {
  if (await isInstanceActive(client, RENEWAL_INSTANCE_ID)) return false;
  const config = getConfig();
  const input: RenewCertificatesInput = {
    force: options.force,
    ...(options.hostnames ? { hostnames: options.hostnames } : {}),
    refreshGateway: config.renewal.refreshGateway,
    concurrency: config.renewal.concurrency,
    gateway: gatewayTarget(config),
    recoverDeleted: config.keyVault.recoverDeleted,
  };
  // Two starts racing past the check: the durable store refuses the second (already running).
  return (await startOrConflict(client, Orchestrators.RenewCertificates, RENEWAL_INSTANCE_ID, input, 'A renewal is already running')) === undefined;
}
