import { Activities } from '../lib/activityContracts';
import { startGatewayUpdate as start } from '../lib/adapters/gatewayWrite';
import { defineActivity } from './defineActivity';

/** GET, merge, PUT; the orchestrator polls the operation on durable timers. */
export const startGatewayUpdate = defineActivity(Activities.startGatewayUpdate, async ({ bindings, force }, config) => start(config, bindings, force));
