/** Scripted gateway activities and the gateway target for orchestrator unit tests. */
import type { ActivityScript } from './fakeContext';
import type { GatewayTarget } from '../../../orchestrators/contracts';

export const GATEWAY: GatewayTarget = { key: 'sub|rg|gw', pollSeconds: 10 };

/** A gateway that takes every write: one PUT, done at the first poll, everything in place afterwards. */
export function gatewayActivities(overrides: ActivityScript = {}): ActivityScript {
  return {
    startGatewayUpdate: () => ({ ok: true, etag: 'e1', operation: 'op', refused: [], pollAfterSeconds: 10 }),
    checkGatewayUpdate: () => ({ ok: true, status: 'Succeeded' }),
    checkGatewayBindings: () => ({ ok: true, missing: [], etag: 'e2' }),
    ...overrides,
  };
}
