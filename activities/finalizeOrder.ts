import { Activities } from '../lib/activityContracts';
import { finalizeOrder as finalize } from '../lib/adapters/acme/orders';
import { defineActivity } from './defineActivity';

export const finalizeOrder = defineActivity(Activities.finalizeOrder, async ({ orderUrl, finalizeUrl, csrPem }, config) =>
  finalize(config, orderUrl, finalizeUrl, csrPem),
);
