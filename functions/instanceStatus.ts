/** Whether a durable instance is still at work: how every starter refuses to start a duplicate. */
import type { HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { AppError } from '../lib/errors';
import type { Hostname } from '../lib/hostnames';
import { importInstanceId, issuanceInstanceId } from '../lib/naming';
import { RENEWAL_INSTANCE_ID } from '../orchestrators/contracts';
import { errorResponse } from './http';
import { managementPayload } from './managementUrls';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/**
 * Only "not found" means "not running". Any other failure to read the status throws (the
 * starters answer 503): guessing "not running" could start a second ACME order for a hostname.
 */
export async function isInstanceActive(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId, { showHistory: false, showInput: false });
    return ACTIVE.has(String(status.runtimeStatus));
  } catch (error) {
    // durable-functions reports an unknown instance as "…replied with HTTP 404 response".
    if (/\b404\b/.test((error as Error).message ?? '')) return false;
    throw new AppError('InternalError', 'Could not read the status of running orchestrations; try again shortly', true);
  }
}

/**
 * A 409 naming the run already working on `hostname` (its issuance or import, and with
 * `includeRenewal` the renewal, which may own the certificate's pending Key Vault operation),
 * with that run's status URLs; undefined when the hostname is free.
 */
export async function conflictFor(client: DurableClient, hostname: Hostname, includeRenewal = false): Promise<HttpResponseInit | undefined> {
  const runs: Array<[string, string]> = [
    [issuanceInstanceId(hostname), `A certificate for ${hostname} is already being issued`],
    [importInstanceId(hostname), `A certificate for ${hostname} is already being imported`],
    ...(includeRenewal ? [[RENEWAL_INSTANCE_ID, 'A renewal is running'] as [string, string]] : []),
  ];
  for (const [id, what] of runs) {
    if (await isInstanceActive(client, id)) {
      return errorResponse(409, 'Conflict', `${what}; follow it at statusQueryGetUri and try again when it has finished`, { ...managementPayload(client, id) });
    }
  }
  return undefined;
}
