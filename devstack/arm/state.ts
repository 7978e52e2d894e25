/** What one ARM emulator holds: its resources, callers and roles, long-running operations, injected faults and counters. */
import { BUILT_IN_ROLES } from './builtInRoles';
import { Principals } from './identity';
import { Json, lower, Operation, stamp, StoredGateway } from './model';
import { normalise } from './normalise';
import { Rbac } from './rbac';

export type PutFault = 'conflict' | 'lroFailed';

/**
 * How the emulated gateway answers concurrent and conditional writes. The defaults are what Azure
 * is documented to do; the other values exist for tests that need the older, kinder behaviour.
 */
export interface ArmBehaviour {
  /**
   * A PUT while another PUT of the same gateway runs. 'supersede' (default): accepted, and the
   * earlier operation ends Canceled / CanceledAndSupersededDueToAnotherOperation (Azure/azure-cli#21156,
   * the service team: "the previous one gets cancelled and superseded by the new one ... by design").
   * 'conflict': refused 409 AnotherOperationInProgress, as older reports show.
   */
  readonly concurrentPut: 'supersede' | 'conflict';
  /**
   * 'ignore' (default): If-Match on a gateway PUT has no effect. ApplicationGateways_CreateOrUpdate
   * declares no If-Match parameter (azure-rest-api-specs applicationGateway.json, 2024-05-01), and
   * the network provider is reported to ignore ETags on PUT (azure-rest-api-specs#6789, an NSG).
   * 'honour': 412 PreconditionFailed on a stale etag, for a test that wants optimistic concurrency.
   */
  readonly ifMatch: 'ignore' | 'honour';
}

export const DEFAULT_BEHAVIOUR: ArmBehaviour = { concurrentPut: 'supersede', ifMatch: 'ignore' };

/** A request as a test hook sees it, before the emulator handles it. */
export interface ArmRequestInfo {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  /** The caller's object id; undefined when the token is missing or unknown (ARM then answers 401). */
  readonly principalId: string | undefined;
}

/** A gateway PUT's long-running operation, for test hooks: accepted, then settled. */
export interface PutEvent {
  readonly resourceGroup: string;
  readonly name: string;
  /** Who sent the PUT (only that principal may read its status). */
  readonly principalId: string;
  readonly operationId: string;
  readonly status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
}

/**
 * Test hooks: points in a caller's protocol where a test acts as another writer would. Not Azure
 * behaviour: Azure has no such hooks; they only choose *when* another real request arrives.
 */
export interface ArmHooks {
  /** Awaited before each request is handled (a hook may send requests of its own meanwhile). */
  readonly beforeRequest: Array<(request: ArmRequestInfo) => void | Promise<void>>;
  /** A gateway PUT was accepted and its operation started (status InProgress). */
  readonly putAccepted: Array<(event: PutEvent) => void>;
  /** A gateway PUT's operation ended: Succeeded (its configuration is now stored), Failed or Canceled. */
  readonly putSettled: Array<(event: PutEvent) => void>;
}

/** Calls every listener, ignoring their errors: a test's listener must not break the emulator. */
export function notify<E>(listeners: ReadonlyArray<(event: E) => void>, event: E): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch {
      // ignored on purpose (see above)
    }
  }
}

export interface ArmState {
  readonly subscriptionId: string;
  /** The emulator's base URL, known once the server listens. */
  url: string;
  behaviour: ArmBehaviour;
  readonly principals: Principals;
  readonly rbac: Rbac;
  readonly gateways: Map<string, StoredGateway>;
  readonly publicIps: Map<string, Json>;
  readonly operations: Map<string, Operation>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly listeners: Array<(rg: string, name: string, gw: Json) => void>;
  readonly requests: Array<{ method: string; path: string; status: number }>;
  readonly rejectedPuts: Array<{ status: number; code: string }>;
  putCount: number;
  /** Accepted PUTs whose operation a later PUT canceled. */
  canceledPuts: number;
  putDurationMs: number;
  maxConcurrentPutsSeen: number;
  readonly faults: PutFault[];
  readonly hooks: ArmHooks;
}

export function newArmState(subscriptionId: string, behaviour: Partial<ArmBehaviour> = {}): ArmState {
  const rbac = new Rbac();
  for (const role of BUILT_IN_ROLES) rbac.defineRole(role);
  return {
    subscriptionId,
    url: '',
    behaviour: { ...DEFAULT_BEHAVIOUR, ...behaviour },
    principals: new Principals(),
    rbac,
    gateways: new Map(),
    publicIps: new Map(),
    operations: new Map(),
    timers: new Set(),
    listeners: [],
    requests: [],
    rejectedPuts: [],
    putCount: 0,
    canceledPuts: 0,
    putDurationMs: 50,
    maxConcurrentPutsSeen: 0,
    faults: [],
    hooks: { beforeRequest: [], putAccepted: [], putSettled: [] },
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
