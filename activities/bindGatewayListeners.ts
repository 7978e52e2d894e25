import { Activities } from '../lib/activityContracts';
import { applyBindings } from '../lib/adapters/gateway';
import { defineActivity } from './defineActivity';

export const bindGatewayListeners = defineActivity(Activities.bindGatewayListeners, async ({ bindings, force }, config) =>
  applyBindings(config, bindings, config.gateway.pollIntervalMs, force ?? false),
);
