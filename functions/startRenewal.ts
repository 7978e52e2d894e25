/** Starting the one renewal orchestration, shared by the timer and the HTTP starter. */
import type { DurableClient } from 'durable-functions';
import { getConfig } from '../lib/config';
import { Orchestrators, RENEWAL_INSTANCE_ID, RenewCertificatesInput } from '../orchestrators/names';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

export async function renewalRunning(client: DurableClient): Promise<boolean> {
  try {
    const status = await client.getStatus(RENEWAL_INSTANCE_ID, { showHistory: false, showInput: false });
    return ACTIVE.has(String(status.runtimeStatus));
  } catch {
    return false;
  }
}

/** Returns false when a renewal is already running (the fixed instance id keeps runs from overlapping). */
export async function startRenewal(client: DurableClient, options: { force: boolean; hostnames?: readonly string[] }): Promise<boolean> {
  if (await renewalRunning(client)) return false;
  const config = getConfig();
  const input: RenewCertificatesInput = {
    force: options.force,
    ...(options.hostnames ? { hostnames: options.hostnames } : {}),
    refreshGateway: config.renewal.refreshGateway,
    concurrency: config.renewal.concurrency,
  };
  await client.startNew(Orchestrators.RenewCertificates, { instanceId: RENEWAL_INSTANCE_ID, input });
  return true;
}

