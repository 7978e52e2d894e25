/**
 * The durable-functions wire vocabulary the harness mirrors, in one place.
 *
 * Source: durable-functions 3.5.0 (node_modules/durable-functions/package.json), compiled files under
 * node_modules/durable-functions/lib/src/:
 * - history/HistoryEventType.js        → EventType
 * - actions/ActionType.js              → ActionType
 * - orchestrations/ReplaySchema.js     → ReplaySchema, LATEST_REPLAY_SCHEMA (the schema the extension
 *                                        advertises is a harness option: see schema.ts)
 * - util/testingUtils.js               → the timer durations and HTTP sleep default
 *                                        (DurableOrchestrationInput's defaults, the values the extension sends)
 * - error/OrchestrationFailureError.js → OUT_OF_PROC_DATA_LABEL
 * - Constants.js                       → LOCAL_ORIGIN (Constants.DefaultLocalOrigin)
 * - durableClient/getClient.js         → DURABLE_CLIENT_BINDING_TYPES (isDurableClientInput)
 * test/devstack/wire.test.ts loads those modules and fails when a value here differs.
 *
 * WEBHOOK_PATH, RPC_PATH and the entity message names belong to the Durable extension (the host
 * side), not to the library.
 */

/** The durable-functions version these values were read from (test/devstack/wire.test.ts checks it). */
export const DURABLE_FUNCTIONS_VERSION = '3.5.0';

/** History event types (HistoryEventType). Only the ones the harness writes or reads. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
} as const;

/** Action types an orchestrator returns (ActionType), all of them. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export const ACTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ActionType).map(([k, v]) => [v, k]));

/** The out-of-proc replay schemas (ReplaySchema): V2+ nest actions, V3+ split long timers, V4 adds locks. */
export const ReplaySchema = { V1: 0, V2: 1, V3: 2, V4: 3 } as const;
export type ReplaySchemaVersion = (typeof ReplaySchema)[keyof typeof ReplaySchema];
/** LatestReplaySchema: the newest schema this library knows. */
export const LATEST_REPLAY_SCHEMA = ReplaySchema.V4;
/** The values the extension sends for Azure Storage: timers over 6 days are split into 3-day legs. */
export const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
export const MAXIMUM_SHORT_TIMER_DURATION = '6.00:00:00';
/** How long the library's durable HTTP calls sleep between polls when the server sends no Retry-After. */
export const DEFAULT_HTTP_ASYNC_REQUEST_SLEEP_MS = 30_000;

/** Separates an orchestrator error's message from the JSON of the orchestrator's state. */
export const OUT_OF_PROC_DATA_LABEL = '\n\n$OutOfProcData$:';

/** The origin the library assumes for a local Functions host (management URLs point here). */
export const LOCAL_ORIGIN = 'http://localhost:7071';
/** The binding types the library's getClient accepts as a durable client input. */
export const DURABLE_CLIENT_BINDING_TYPES: readonly string[] = ['durableClient', 'orchestrationClient'];

/** The extension's webhook API and the RPC API the out-of-proc client calls (extension side). */
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
export const RPC_PATH = '/durabletask/';

/**
 * The names of the events that carry entity messages (extension
 * EntityScheduler/EntityMessageEventNames.cs): an operation or lock request is sent as "op", a lock
 * release as "release"; a response to a call or lock request is raised on the caller under the
 * request's id (ResponseMessageEventName = requestId.ToString()).
 */
export const ENTITY_REQUEST_EVENT = 'op';
export const ENTITY_RELEASE_EVENT = 'release';
/** The text the entity puts in a lock response (DurableEntityContext.SendLockResponseMessage); the caller ignores it. */
export const LOCK_ACQUIRED_RESULT = 'Lock Acquisition Completed';
