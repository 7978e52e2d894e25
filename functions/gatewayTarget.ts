/** The gateway every binding goes to, read from settings at the edge and handed to orchestrations. */
import type { AppConfig } from '../lib/config';
import { gatewayEntityKey } from '../lib/naming';
import type { GatewayTarget } from '../orchestrators/contracts';

export function gatewayTarget(config: AppConfig): GatewayTarget {
  return {
    key: gatewayEntityKey(config.subscriptionId, config.gateway.resourceGroup, config.gateway.name),
    pollSeconds: Math.max(1, Math.round(config.gateway.pollIntervalMs / 1000)),
  };
}
