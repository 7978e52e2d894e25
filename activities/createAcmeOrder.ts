import { Activities } from '../lib/activityContracts';
import { createOrder } from '../lib/adapters/acme/orders';
import { defineActivity } from './defineActivity';

export const createAcmeOrder = defineActivity(Activities.createAcmeOrder, async ({ hostname }, config) => createOrder(config, hostname));
