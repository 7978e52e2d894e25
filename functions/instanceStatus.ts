/** Whether a durable instance is still at work: how every starter refuses to start a duplicate. */
import type { DurableClient } from 'durable-functions';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

export async function isInstanceActive(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId, { showHistory: false, showInput: false });
    return ACTIVE.has(String(status.runtimeStatus));
  } catch {
    // The client throws for an unknown instance id (HTTP 404 from the extension).
    return false;
  }
}
