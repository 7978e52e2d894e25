import { Activities } from '../lib/activityContracts';
import { readOrderStatus } from '../lib/adapters/acme/orders';
import { defineActivity } from './defineActivity';

export const checkOrderStatus = defineActivity(Activities.checkOrderStatus, async ({ orderUrl }, config) => readOrderStatus(config, orderUrl));
