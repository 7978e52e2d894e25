import { Activities } from '../lib/activityContracts';
import { checkGatewayBindings, checkGatewayUpdate as check } from '../lib/adapters/gatewayWrite';
import { defineActivity } from './defineActivity';

/** check*: one poll of a gateway update and, once it succeeded, the read after write; changes nothing. */
export const checkGatewayUpdate = defineActivity(Activities.checkGatewayUpdate, async ({ operation, bindings }, config) => {
  const status = await check(config, operation);
  if (!status.ok) return status;
  if (status.status !== 'Succeeded') return { ok: true, status: status.status };
  // The poller's final GET is the read after write when it has one.
  const read = await checkGatewayBindings(config, bindings, status.gateway);
  return read.ok ? { ok: true, status: 'Succeeded', missing: read.missing, etag: read.etag } : read;
});
