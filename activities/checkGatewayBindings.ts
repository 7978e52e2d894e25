import { Activities } from '../lib/activityContracts';
import { checkGatewayBindings as check } from '../lib/adapters/gatewayWrite';
import { defineActivity } from './defineActivity';

/** check*: read after write; changes nothing. */
export const checkGatewayBindings = defineActivity(Activities.checkGatewayBindings, async ({ bindings }, config) => check(config, bindings));
