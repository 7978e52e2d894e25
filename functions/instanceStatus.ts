/** Whether a durable instance is still at work: how every starter refuses to start a duplicate. */
import type { DurableClient } from 'durable-functions';
import { AppError } from '../lib/errors';

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
