import { Activities } from '../lib/activityContracts';
import { checkGatewayUpdate as check } from '../lib/adapters/gatewayWrite';
import { defineActivity } from './defineActivity';

/** check*: one poll of a gateway update; changes nothing. */
export const checkGatewayUpdate = defineActivity(Activities.checkGatewayUpdate, async ({ operation }, config) => check(config, operation));
