/** What one ARM emulator holds: its resources, long-running operations, injected faults and counters. */
import { Json, lower, Operation, stamp, StoredGateway } from './model';
import { normalise } from './normalise';

export type PutFault = 'conflict' | 'lroFailed';

export interface ArmState {
  readonly subscriptionId: string;
  /** The emulator's base URL, known once the server listens. */
  url: string;
  readonly gateways: Map<string, StoredGateway>;
  readonly publicIps: Map<string, Json>;
  readonly operations: Map<string, Operation>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly listeners: Array<(rg: string, name: string, gw: Json) => void>;
  readonly requests: Array<{ method: string; path: string; status: number }>;
  readonly rejectedPuts: Array<{ status: number; code: string }>;
  putCount: number;
  putDurationMs: number;
  maxConcurrentPutsSeen: number;
  readonly faults: PutFault[];
}

export function newArmState(subscriptionId: string): ArmState {
  return {
    subscriptionId,
    url: '',
    gateways: new Map(),
    publicIps: new Map(),
    operations: new Map(),
    timers: new Set(),
    listeners: [],
    requests: [],
    rejectedPuts: [],
    putCount: 0,
    putDurationMs: 50,
    maxConcurrentPutsSeen: 0,
    faults: [],
  };
}

/** ARM names are case-insensitive: resources are keyed by lower-case resource group and name. */
export function resourceKey(rg: string, name: string): string {
  return `${lower(rg)}/${lower(name)}`;
}

/** Stores a gateway at once (seeding), through the same validation as a PUT. */
export function addGateway(state: ArmState, rg: string, name: string, body: Json, apiVersion: string): Json {
  const k = resourceKey(rg, name);
  const existing = state.gateways.get(k);
  const json = normalise(state.subscriptionId, existing?.resourceGroup ?? rg, existing?.name ?? name, body, existing?.json, apiVersion);
  stamp(json, 'Succeeded');
  if (existing) existing.json = json;
  else state.gateways.set(k, { resourceGroup: rg, name, json, putInProgress: false });
  return json;
}
