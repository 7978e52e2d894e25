/** Scripted gateway activities and the gateway target for orchestrator unit tests. */
import type { ActivityOutput } from '../../../lib/activityContracts';
import type { ActivityScript } from './fakeContext';
import type { GatewayTarget } from '../../../orchestrators/contracts';

export const GATEWAY: GatewayTarget = { key: 'sub|rg|gw', pollSeconds: 10 };

/** A finished gateway update, read back with every binding in place. */
export const SUCCEEDED: ActivityOutput<'checkGatewayUpdate'> = { ok: true, status: 'Succeeded', missing: [], etag: 'e2' };

/** A poll's answer: a finished update is read back with every binding in place. */
export const updateStatus = (status: 'InProgress' | 'Canceled' | 'Succeeded'): ActivityOutput<'checkGatewayUpdate'> =>
  status === 'Succeeded' ? SUCCEEDED : { ok: true, status };

/** The gateway's public address the scripts read. */
export const GATEWAY_IP = '203.0.113.10';

/** A gateway that takes every write: one PUT, done at the first poll, everything in place afterwards. */
export function gatewayActivities(overrides: ActivityScript = {}): ActivityScript {
  return {
    getGatewayPublicIp: () => ({ ok: true, ip: GATEWAY_IP, addresses: [GATEWAY_IP] }),
    startGatewayUpdate: () => ({ ok: true, etag: 'e1', operation: 'op', refused: [], pollAfterSeconds: 10 }),
    checkGatewayUpdate: () => SUCCEEDED,
    checkGatewayBindings: () => ({ ok: true, missing: [], etag: 'e2' }),
    ...overrides,
  };
}
