/** The harness's public types: what tests pass in and read back. */
import type { LogLevel } from '@azure/functions';
import type { Registry } from './functionsCore';
import type { TimerLatenessOptions } from './timerLateness';
import type { ReplaySchemaVersion } from './wire';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export interface InstanceStatus {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  /** The return value; for `Failed` the host's message, for `Terminated` the reason. */
  output: unknown;
  customStatus: unknown;
  createdTime: Date;
  lastUpdatedTime: Date;
  history: HistoryEvent[];
}

export interface LogEntry {
  functionName: string;
  level: LogLevel | 'harness';
  message: string;
  instanceId?: string;
}

export interface DurableHarnessOptions {
  registry: Registry;
  /** Where the virtual clock starts; defaults to the real time at construction. */
  startTime?: Date;
  /**
   * A durable timer also waits up to this many real milliseconds before firing, so that real
   * servers an orchestration polls (Pebble validating a challenge) get real time to progress.
   */
  maxRealTimerDelayMs?: number;
  /**
   * Real milliseconds a durable timer waits per virtual millisecond, before the cap of
   * maxRealTimerDelayMs (default 1: a timer waits its own length, up to the cap). Below 1 the
   * harness runs time faster by that factor, uniformly: with 1/20 a 1 s poll waits 50 ms and a
   * 30 s backoff 1.5 s, so an orchestration's patience keeps its proportions.
   */
  realTimeScale?: number;
  /**
   * host.json's extensions.durableTask.maxConcurrentActivityFunctions: at most this many activity
   * functions run at once on the (one) worker; the others wait their turn in the work-item queue
   * (DurableTaskOptions.MaxConcurrentActivityFunctions; learn.microsoft.com/azure/azure-functions/
   * durable/durable-functions-bindings#host-json). Default: the host's outside the Consumption
   * plan, 10 × the machine's processors.
   */
  maxConcurrentActivityFunctions?: number;
  /**
   * 'quiescent' (default, deterministic): a timer fires only when nothing else runs, one at a time.
   * 'wallClock': each timer fires once its real delay has passed, whatever else runs — like the
   * real host, where instances' timers are independent. Benchmarks use it; tests keep the default.
   */
  timerMode?: 'quiescent' | 'wallClock';
  /**
   * Durable timers fire late by up to `maxMs` (default 30 s) of virtual time, deterministically per
   * `seed`, as on the Azure Storage provider where idle control queues are polled only every
   * maxQueuePollingInterval (timerLateness.ts). Never early: TimerFired keeps the requested FireAt,
   * the orchestration wakes at the later time. Off by default.
   */
  timerLateness?: TimerLatenessOptions;
  /** Receives every captured log line and the harness's own notes (e.g. `console.log`). */
  log?: (line: string) => void;
  /**
   * Fault injection: called after each real activity run with the activity name and how many times
   * it has run for that instance (1-based). Returning true simulates the host dying before it
   * recorded the result: the result is dropped, the orchestration is replayed from its stored
   * history and the activity is scheduled and run again.
   */
  crashAfterActivity?: (activityName: string, attempt: number) => boolean;
  /**
   * Fault injection for entities: called after an entity function ran a batch, with the entity and
   * how many batches that entity has run (1-based). Returning true simulates the host dying before
   * the batch was committed: its state, responses and signals are dropped and its messages, never
   * deleted from the queue, are delivered again.
   */
  crashAfterEntityBatch?: (entity: EntityIdentity, attempt: number) => boolean;
  /**
   * The out-of-proc schema the extension advertises (ReplaySchema.V2, V3 or V4 from wire.ts);
   * defaults to what the extension bundle delivers today, V4 (the reasoning is in schema.ts). Below
   * V4, `context.df.lock` fails with durable-functions' own error.
   */
  outOfProcSchemaVersion?: ReplaySchemaVersion;
  /**
   * host.json `durableTask.maxEntityOperationBatchSize`: the most operations one entity batch
   * holds. The extension's default is 50 on the Consumption plan and 5000 elsewhere
   * (AzureStorageDurabilityProviderFactory.cs); the harness defaults to the smaller one.
   */
  maxEntityOperationBatchSize?: number;
  taskHubName?: string;
}

/** An entity's id as the extension keeps it: the name lower-cased (EntityScheduler/EntityId.cs). */
export interface EntityIdentity {
  name: string;
  key: string;
}

/** What the task hub holds for an entity: whether it exists and its state, parsed from its JSON text. */
export interface EntitySnapshot {
  exists: boolean;
  state: unknown;
}

export interface StartOptions {
  instanceId?: string;
  input?: unknown;
}

export interface HttpCall {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | object;
  /** Route parameters; derived from the registered route and the URL when omitted. */
  params?: Record<string, string>;
  query?: Record<string, string>;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): any;
}

/** A problem in the harness's emulation (not in the orchestration): tests should fail on it. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}
