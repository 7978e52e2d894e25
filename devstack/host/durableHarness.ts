/**
 * Plays the Azure Functions host and the Durable Task extension for tests, on this machine where
 * Core Tools cannot be installed.
 *
 * Orchestrations run through durable-functions' own replay engine: the harness keeps each
 * instance's history, calls the registered orchestration handler with it (history in), and turns
 * the actions it returns into new history (actions out), running the real activity handlers.
 * Time is virtual: it moves only when a durable timer fires (or `advance` is called), so an
 * orchestration that waits a day finishes in milliseconds.
 *
 * HTTP and timer triggers get a real `DurableClient` (`df.getClient(context)`); its calls land on a
 * loopback server that speaks the extension's RPC API, so `startNew`, `getStatus`, `raiseEvent`,
 * `terminate` and `purgeInstanceHistory` go through the library's real client code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import type { HttpResponseInit, LogLevel, Timer } from '@azure/functions';
import type { BindingMetadata, RegisteredFunction, Registry } from './functionsCore';

// ---------------------------------------------------------------------------------------------
// Wire vocabulary of durable-functions 3.x (lib/src/history/HistoryEventType.js, actions/ActionType.js)

const EventType = {
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
  EventRaised: 15,
} as const;

const ActionType = {
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

const ACTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ActionType).map(([k, v]) => [v, k]));
const SUPPORTED_ACTIONS = new Set<number>([0, 1, 2, 3, 4, 5, 6, 11, 12]);

/** ReplaySchema.V4 (the newest this library knows): nested actions, long timers split. */
const UPPER_SCHEMA_VERSION = 3;
/** The values the extension sends for Azure Storage: timers over 6 days are split into 3-day legs. */
const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
const MAXIMUM_SHORT_TIMER_DURATION = '6.00:00:00';
const LOCAL_ORIGIN = 'http://localhost:7071';
const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
const RPC_PATH = '/durabletask/';
const OUT_OF_PROC_DATA_LABEL = '\n\n$OutOfProcData$:';

// ---------------------------------------------------------------------------------------------
// Public types

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
   * 'quiescent' (default, deterministic): a timer fires only when nothing else runs, one at a time.
   * 'wallClock': each timer fires once its real delay has passed, whatever else runs — like the
   * real host, where instances' timers are independent. Benchmarks use it; tests keep the default.
   */
  timerMode?: 'quiescent' | 'wallClock';
  /** Receives every captured log line and the harness's own notes (e.g. `console.log`). */
  log?: (line: string) => void;
  /**
   * Fault injection: called after each real activity run with the activity name and how many times
   * it has run for that instance (1-based). Returning true simulates the host dying before it
   * recorded the result: the result is dropped, the orchestration is replayed from its stored
   * history and the activity is scheduled and run again.
   */
  crashAfterActivity?: (activityName: string, attempt: number) => boolean;
  taskHubName?: string;
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

// ---------------------------------------------------------------------------------------------
// Shapes read from durable-functions' objects (3.5). They are internals: when the library changes
// them the harness fails with a HarnessError naming what it could not find.

interface LibAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: Date;
  isCanceled?: boolean;
  compoundActions?: LibAction[];
  externalEventName?: string;
  retryOptions?: LibRetryOptions;
}

interface LibRetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

interface LibTask {
  id: number | string | false;
  actionObj: LibAction | 'noOp' | undefined;
  parent?: LibTask;
  // RetryableTask
  isWaitingOnTimer?: boolean;
  attemptNumber?: number;
  retryOptions?: LibRetryOptions;
}

interface LibExecutor {
  openTasks: Record<string, LibTask>;
}

interface OrchestratorState {
  isDone: boolean;
  actions: unknown[];
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

// ---------------------------------------------------------------------------------------------
// Internal state

interface ParentLink {
  instance: Instance;
  generation: number;
  taskId: number;
}

interface Instance {
  instanceId: string;
  name: string;
  input: unknown;
  parent?: ParentLink;
  runtimeStatus: RuntimeStatus;
  output: unknown;
  customStatus: unknown;
  customStatuses: unknown[];
  createdTime: number;
  lastUpdatedTime: number;
  /** Committed history (episodes that finished). */
  history: HistoryEvent[];
  /** Events that arrived and wait for the next episode. */
  inbox: HistoryEvent[];
  /** Task ids whose work was dispatched in this execution (cleared by continue-as-new). */
  dispatched: Set<number>;
  /** Bumped by continue-as-new, terminate and purge: results of older work are dropped. */
  generation: number;
  replayRequested: boolean;
  activityRuns: Map<string, number>;
  harnessError?: HarnessError;
  done: Promise<void>;
  markDone: () => void;
  wake?: () => void;
}

interface PendingTimer {
  instance: Instance;
  generation: number;
  taskId: number;
  fireAt: number;
  realReadyAt: number;
  seq: number;
}

interface Work {
  events: HistoryEvent[];
  start: () => void;
}

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

function isTerminal(instance: Instance): boolean {
  return TERMINAL.has(instance.runtimeStatus);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
}

/** Action inputs: a string is JSON-encoded by the library (`Utils.processInput`), anything else is not. */
function decodeActionInput(input: unknown): unknown {
  return typeof input === 'string' ? JSON.parse(input) : input;
}

function encodeActionInput(input: unknown): string | undefined {
  return input === undefined ? undefined : typeof input === 'string' ? input : JSON.stringify(input);
}

function serialize(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function flattenActions(actions: unknown): LibAction[] {
  const leaves: LibAction[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object' && 'actionType' in node) {
      const action = node as LibAction;
      if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
        (action.compoundActions ?? []).forEach(visit);
      } else {
        leaves.push(action);
      }
    }
  };
  visit(actions);
  return leaves;
}

function isRetryable(task: LibTask | undefined): task is LibTask & { retryOptions: LibRetryOptions } {
  return !!task && typeof task.retryOptions === 'object' && typeof task.isWaitingOnTimer === 'boolean';
}

/** The delay DTFx's RetryInterceptor waits after failed attempt `attempt` (1-based). */
function retryDelayMs(options: LibRetryOptions, attempt: number): number {
  const coefficient = typeof options.backoffCoefficient === 'number' ? options.backoffCoefficient : 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, attempt - 1);
  const max = options.maxRetryIntervalInMilliseconds;
  return typeof max === 'number' && max > 0 ? Math.min(delay, max) : delay;
}

function parseOrchestrationFailure(error: unknown): { message: string; state?: OrchestratorState } {
  const text = errorMessage(error);
  const at = text.indexOf(OUT_OF_PROC_DATA_LABEL);
  if (at >= 0) {
    try {
      const state = JSON.parse(text.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as OrchestratorState;
      return { message: state.error ?? text.slice(0, at), state };
    } catch {
      // fall through: report the raw text
    }
  }
  return { message: text };
}

/** Matches a Functions route template (`orders/{id}`, `{name?}`, `{id:int}`, `{*rest}`) against a path. */
function matchRoute(template: string, pathname: string): Record<string, string> | undefined {
  const path = pathname.replace(/^\/api\//, '').replace(/^\/+|\/+$/g, '');
  const parts = path === '' ? [] : path.split('/');
  const segments = template.replace(/^\/+|\/+$/g, '').split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const part = parts[i];
    const param = /^\{(\*?)([A-Za-z_][\w]*)(?::[^}?]*)?(\?)?\}$/.exec(segment);
    if (param) {
      const [, catchAll, name = '', optional] = param;
      if (catchAll) {
        params[name] = decodeURIComponent(parts.slice(i).join('/'));
        return params;
      }
      if (part === undefined) {
        if (optional) continue;
        return undefined;
      }
      params[name] = decodeURIComponent(part);
    } else if (part === undefined || part.toLowerCase() !== segment.toLowerCase()) {
      return undefined;
    }
  }
  return parts.length <= segments.length ? params : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------

export class DurableHarness {
  readonly logs: LogEntry[] = [];

  private readonly registry: Registry;
  private readonly maxRealTimerDelayMs: number;
  private readonly timerMode: 'quiescent' | 'wallClock';
  private readonly taskHubName: string;
  private readonly systemKey = randomBytes(16).toString('base64url');
  private clockMs: number;
  private readonly instances = new Map<string, Instance>();
  private timers: PendingTimer[] = [];
  private timerSeq = 0;
  private runningActivities = 0;
  private runningEpisodes = 0;
  private readonly inflight = new Set<Promise<void>>();
  private readonly drivers = new Set<Promise<void>>();
  private changeWaiters: Array<() => void> = [];
  private pumping = false;
  private closed = false;
  private server?: Server;
  private serverStarting?: Promise<void>;
  private port = 0;

  constructor(private readonly options: DurableHarnessOptions) {
    this.registry = options.registry;
    this.maxRealTimerDelayMs = Math.max(0, options.maxRealTimerDelayMs ?? 0);
    this.timerMode = options.timerMode ?? 'quiescent';
    this.taskHubName = options.taskHubName ?? 'TestHubName';
    this.clockMs = (options.startTime ?? new Date()).getTime();
  }

  // ----- virtual clock ------------------------------------------------------------------------

  now(): Date {
    return new Date(this.clockMs);
  }

  /** Moves the virtual clock forward (timers due by then fire at the next quiet moment). */
  advance(ms: number): Date {
    if (ms < 0) throw new RangeError('The virtual clock only moves forward.');
    this.clockMs += ms;
    this.changed();
    return this.now();
  }

  // ----- orchestration instances ---------------------------------------------------------------

  async startNew(orchestratorName: string, options: StartOptions = {}): Promise<string> {
    return this.createInstance(orchestratorName, options.instanceId ?? randomUUID().replace(/-/g, ''), options.input).instanceId;
  }

  has(instanceId: string): boolean {
    return this.instances.has(instanceId);
  }

  instanceIds(): string[] {
    return [...this.instances.keys()];
  }

  getStatus(instanceId: string): InstanceStatus {
    return this.statusOf(this.requireInstance(instanceId));
  }

  /** Every distinct `customStatus` the instance reported, in order (consecutive repeats collapsed). */
  customStatusHistory(instanceId: string): unknown[] {
    return clone(this.requireInstance(instanceId).customStatuses);
  }

  async waitForCompletion(instanceId: string, options: { timeoutMs?: number } = {}): Promise<InstanceStatus> {
    const instance = this.requireInstance(instanceId);
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([instance.done.then(() => 'done' as const), timedOut]);
      if (outcome === 'timeout') {
        throw new Error(
          `Instance ${instanceId} (${instance.name}) did not finish within ${timeoutMs} ms: ` +
            `runtimeStatus=${instance.runtimeStatus}, virtual time ${this.now().toISOString()}, ` +
            `customStatus history ${JSON.stringify(instance.customStatuses)}, ${this.describePending(instance)}.`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
    if (instance.harnessError) throw instance.harnessError;
    return this.statusOf(instance);
  }

  /** Resolves when every instance (including ones started meanwhile) has finished. */
  async waitForIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const open = [...this.instances.values()].filter((i) => !isTerminal(i));
      if (open.length === 0) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `Instances still running: ${open
            .map((i) => `${i.instanceId} (${i.name}, customStatus history ${JSON.stringify(i.customStatuses)}, ${this.describePending(i)})`)
            .join('; ')}.`,
        );
      }
      await Promise.race([Promise.all(open.map((i) => i.done)), delay(remaining)]);
    }
  }

  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    this.raiseEventInternal(this.requireInstance(instanceId), eventName, eventData === undefined ? undefined : JSON.stringify(eventData));
  }

  /** Like the extension, terminating a finished instance is a no-op. */
  async terminate(instanceId: string, reason: string): Promise<void> {
    const instance = this.requireInstance(instanceId);
    if (isTerminal(instance)) return;
    instance.generation++;
    instance.runtimeStatus = 'Terminated';
    instance.output = reason;
    instance.lastUpdatedTime = this.clockMs;
    instance.history.push(this.event(EventType.ExecutionTerminated, { Input: reason }));
    this.note(`instance ${instanceId} (${instance.name}) terminated: ${reason}`);
    this.notifyParent(instance, false, `Orchestrator function '${instance.name}' was terminated: ${reason}`);
    this.finish(instance);
  }

  /** Deletes a finished instance's history and status; returns whether there was one. */
  async purge(instanceId: string): Promise<boolean> {
    const instance = this.instances.get(instanceId);
    if (!instance) return false;
    if (!isTerminal(instance)) {
      throw new Error(`Cannot purge instance ${instanceId}: it is ${instance.runtimeStatus}; terminate it first.`);
    }
    this.instances.delete(instanceId);
    return true;
  }

  // ----- triggers ------------------------------------------------------------------------------

  /** Invokes an HTTP-triggered function the way the host would, with a durable client if it asks for one. */
  async callHttp(functionName: string, call: HttpCall): Promise<HttpResult> {
    const fn = this.registry.require(functionName);
    if (fn.triggerType !== 'httpTrigger') {
      throw new HarnessError(`Function "${functionName}" is a ${fn.triggerType}, not an HTTP function.`);
    }
    const method = call.method.toUpperCase();
    const methods = (fn.trigger.methods ?? []).map((m) => m.toUpperCase());
    if (methods.length > 0 && !methods.includes(method)) {
      // The host answers 404 when no function matches the route and method.
      return plainResult(404, {}, `DurableHarness: ${functionName} accepts ${methods.join(', ')}, not ${method}.`);
    }
    const headers: Record<string, string> = { ...(call.headers ?? {}) };
    let body: string | undefined;
    if (typeof call.body === 'string') {
      body = call.body;
    } else if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const url = new URL(call.url);
    const params = call.params ?? matchRoute(fn.trigger.route ?? fn.name, url.pathname) ?? {};
    const request = new HttpRequest({
      method,
      url: call.url,
      body: body === undefined ? undefined : { string: body },
      headers,
      params,
      query: call.query,
    });
    const context = await this.createContext(fn);
    let result: unknown;
    try {
      result = await fn.handler(request, context);
    } catch (error) {
      // The host turns an unhandled exception into a bare 500; the message goes to the logs.
      this.captureLog(fn.name, 'error', `Unhandled exception: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return plainResult(500, {}, '');
    }
    return toHttpResult(result);
  }

  /** Invokes a timer-triggered function (with a durable client if it asks for one). */
  async callTimer(functionName: string, timerInfo?: Partial<Timer>): Promise<unknown> {
    const fn = this.registry.require(functionName);
    if (fn.triggerType !== 'timerTrigger') {
      throw new HarnessError(`Function "${functionName}" is a ${fn.triggerType}, not a timer function.`);
    }
    const now = this.now().toISOString();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: now, next: now, lastUpdated: now },
      ...timerInfo,
    };
    const context = await this.createContext(fn);
    return fn.handler(timer, context);
  }

  /** The base URL of the loopback server behind the durable client (starts it if needed). */
  async rpcBaseUrl(): Promise<string> {
    await this.ensureServer();
    return `http://127.0.0.1:${this.port}${RPC_PATH}`;
  }

  /**
   * Points a management URL the client produced (`statusQueryGetUri`, …, on localhost:7071) at the
   * harness's server, which answers the webhook API too, so a test can poll it like a caller would.
   */
  resolveWebhookUrl(uri: string): string {
    if (!this.server) throw new HarnessError('The durable client server is not running; call callHttp or rpcBaseUrl first.');
    const url = new URL(uri);
    return `http://127.0.0.1:${this.port}${url.pathname}${url.search}`;
  }

  /** Stops the RPC server and waits for running activities and drivers to wind down. */
  async close(): Promise<void> {
    this.closed = true;
    for (const instance of this.instances.values()) instance.wake?.();
    this.changed();
    await Promise.allSettled([...this.inflight]);
    await Promise.allSettled([...this.drivers]);
    if (this.serverStarting) await this.serverStarting.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  // ----- instance lifecycle --------------------------------------------------------------------

  private requireInstance(instanceId: string): Instance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`No orchestration instance with id "${instanceId}".`);
    return instance;
  }

  private createInstance(name: string, instanceId: string, input: unknown, parent?: ParentLink): Instance {
    if (this.closed) throw new HarnessError('The harness is closed.');
    const fn = this.registry.get(name);
    if (!fn || fn.triggerType !== 'orchestrationTrigger') {
      throw new Error(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    }
    const existing = this.instances.get(instanceId);
    if (existing && !isTerminal(existing)) {
      throw new Error(`An orchestration with instance id '${instanceId}' is already ${existing.runtimeStatus}.`);
    }
    if (existing) existing.generation++;
    let markDone!: () => void;
    const done = new Promise<void>((resolve) => (markDone = resolve));
    const instance: Instance = {
      instanceId,
      name,
      input: clone(input),
      parent,
      runtimeStatus: 'Pending',
      output: undefined,
      customStatus: undefined,
      customStatuses: [],
      createdTime: this.clockMs,
      lastUpdatedTime: this.clockMs,
      history: [],
      inbox: [this.executionStarted(name, input, parent)],
      dispatched: new Set(),
      generation: 0,
      replayRequested: false,
      activityRuns: new Map(),
      done,
      markDone,
    };
    this.instances.set(instanceId, instance);
    const driver = this.drive(instance);
    this.drivers.add(driver);
    void driver.finally(() => this.drivers.delete(driver));
    this.changed();
    return instance;
  }

  private executionStarted(name: string, input: unknown, parent?: ParentLink): HistoryEvent {
    return this.event(EventType.ExecutionStarted, {
      Name: name,
      Input: input === undefined ? undefined : JSON.stringify(input),
      ...(parent ? { ParentInstance: { Name: parent.instance.name, TaskScheduleId: parent.taskId, OrchestrationInstance: { InstanceId: parent.instance.instanceId } } } : {}),
    });
  }

  private event(eventType: number, fields: Record<string, unknown> = {}, eventId = -1, timestampMs = this.clockMs): HistoryEvent {
    return { EventType: eventType, EventId: eventId, IsPlayed: false, Timestamp: iso(timestampMs), ...fields };
  }

  private finish(instance: Instance): void {
    this.timers = this.timers.filter((t) => t.instance !== instance);
    instance.wake?.();
    instance.markDone();
    this.changed();
  }

  /** One driver per instance: waits for events, runs an episode per batch, until the instance ends. */
  private async drive(instance: Instance): Promise<void> {
    while (!this.closed && !isTerminal(instance) && this.instances.get(instance.instanceId) === instance) {
      if (instance.inbox.length === 0 && !instance.replayRequested) {
        await new Promise<void>((resolve) => (instance.wake = resolve));
        instance.wake = undefined;
        continue;
      }
      const batch = instance.inbox.splice(0);
      instance.replayRequested = false;
      this.runningEpisodes++;
      try {
        await this.runEpisode(instance, batch);
      } catch (error) {
        this.failWithHarnessError(instance, error instanceof HarnessError ? error : new HarnessError(`Episode of ${instance.instanceId} crashed the harness: ${errorMessage(error)}`));
      } finally {
        this.runningEpisodes--;
        this.changed();
      }
    }
  }

  private failWithHarnessError(instance: Instance, error: HarnessError): void {
    if (isTerminal(instance)) return;
    instance.harnessError = error;
    instance.generation++;
    instance.runtimeStatus = 'Failed';
    instance.output = `DurableHarness: ${error.message}`;
    instance.lastUpdatedTime = this.clockMs;
    this.note(`instance ${instance.instanceId} (${instance.name}): ${error.message}`);
    this.notifyParent(instance, false, `Orchestrator function '${instance.name}' failed: ${instance.output as string}`);
    this.finish(instance);
  }

  /**
   * One orchestrator episode, as the extension runs it: replay the committed history plus the new
   * events, then commit `OrchestratorStarted, <new events>, <scheduled events>, OrchestratorCompleted`.
   */
  private async runEpisode(instance: Instance, batch: HistoryEvent[]): Promise<void> {
    const fn = this.registry.require(instance.name);
    const generation = instance.generation;
    const startedAt = this.clockMs;
    const started = this.event(EventType.OrchestratorStarted, {}, -1, startedAt);
    const fresh = batch.map((e) => ({ ...e, IsPlayed: false }));
    const replayed = instance.history.map((e) => ({ ...e, IsPlayed: true }));
    const payload = {
      // A fresh copy each time: the library rewrites Timestamps into Dates in place.
      history: clone([...replayed, started, ...fresh]),
      input: clone(instance.input),
      instanceId: instance.instanceId,
      isReplaying: replayed.length > 0,
      parentInstanceId: instance.parent?.instance.instanceId ?? '',
      upperSchemaVersion: UPPER_SCHEMA_VERSION,
      longRunningTimerIntervalDuration: LONG_RUNNING_TIMER_INTERVAL,
      maximumShortTimerDuration: MAXIMUM_SHORT_TIMER_DURATION,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    const context = await this.createContext(fn, instance.instanceId);
    let state: OrchestratorState | undefined;
    let failure: string | undefined;
    try {
      state = (await fn.handler(payload, context)) as OrchestratorState;
    } catch (error) {
      const parsed = parseOrchestrationFailure(error);
      if (!parsed.state) {
        // Not an OrchestrationFailureError: the replay engine itself rejected the history, which
        // means the harness built it wrong. Fail the test, not just the orchestration.
        throw new HarnessError(`the durable-functions replay engine rejected the history of ${instance.instanceId}: ${parsed.message}`);
      }
      failure = parsed.message;
      state = parsed.state;
    }
    if (instance.generation !== generation || isTerminal(instance)) return; // terminated meanwhile
    if (instance.runtimeStatus === 'Pending') instance.runtimeStatus = 'Running';
    instance.lastUpdatedTime = startedAt;
    this.recordCustomStatus(instance, state?.customStatus);

    const leaves = flattenActions(state?.actions ?? []);
    const unsupported = leaves.find((a) => !SUPPORTED_ACTIONS.has(a.actionType));
    if (unsupported) {
      throw new HarnessError(
        `orchestration ${instance.name} used ${ACTION_NAMES[unsupported.actionType] ?? 'unknown action'} (action type ${unsupported.actionType}), which DurableHarness does not emulate (entities and durable HTTP are not supported).`,
      );
    }
    const episode = [started, ...fresh];

    if (failure !== undefined) {
      const output = `Orchestrator function '${instance.name}' failed: ${failure}`;
      this.commit(instance, episode, [], this.event(EventType.ExecutionCompleted, { OrchestrationStatus: 'Failed', Result: output }));
      instance.runtimeStatus = 'Failed';
      instance.output = output;
      this.note(`instance ${instance.instanceId} (${instance.name}) failed: ${failure}`);
      this.notifyParent(instance, false, output);
      this.finish(instance);
      return;
    }
    if (!state) throw new HarnessError(`orchestration ${instance.name} returned nothing.`);

    if (state.isDone) {
      const continueAsNew = leaves.find((a) => a.actionType === ActionType.ContinueAsNew);
      if (continueAsNew) {
        this.continueAsNew(instance, decodeActionInput(continueAsNew.input));
        return;
      }
      this.commit(instance, episode, [], this.event(EventType.ExecutionCompleted, { OrchestrationStatus: 'Completed', Result: serialize(state.output) }));
      instance.runtimeStatus = 'Completed';
      instance.output = clone(state.output);
      this.notifyParent(instance, true, serialize(state.output));
      this.finish(instance);
      return;
    }

    const executor = (context as unknown as { df?: { taskOrchestratorExecutor?: LibExecutor } }).df?.taskOrchestratorExecutor;
    if (!executor || typeof executor.openTasks !== 'object') {
      throw new HarnessError('cannot read the open tasks of the durable-functions executor (context.df.taskOrchestratorExecutor.openTasks); the library internals changed.');
    }
    // Task ids are the executor's sequence numbers (assigned when a task is yielded, and for
    // retries while the failure is replayed); its open-task table is the exact id → task map.
    const works: Work[] = [];
    for (const [key, task] of Object.entries(executor.openTasks)) {
      const taskId = Number(key);
      if (!Number.isInteger(taskId) || instance.dispatched.has(taskId)) continue;
      const work = this.workFor(instance, taskId, task, startedAt);
      instance.dispatched.add(taskId);
      if (work) works.push(work);
    }
    // A timer the orchestrator cancelled (the other branch of Task.any won) must not move the clock.
    this.timers = this.timers.filter((t) => {
      if (t.instance !== instance) return true;
      const action = executor.openTasks[String(t.taskId)]?.actionObj;
      return !(action && typeof action === 'object' && action.isCanceled);
    });
    this.commit(instance, episode, works.flatMap((w) => w.events));
    for (const work of works) work.start();
  }

  private commit(instance: Instance, episode: HistoryEvent[], scheduled: HistoryEvent[], closing?: HistoryEvent): void {
    instance.history.push(...episode, ...scheduled, this.event(EventType.OrchestratorCompleted));
    if (closing) instance.history.push(closing);
  }

  private continueAsNew(instance: Instance, input: unknown): void {
    // Events raised but not yet consumed carry over to the new execution, as in DTFx.
    const carried = instance.inbox.filter((e) => e.EventType === EventType.EventRaised);
    instance.generation++;
    instance.input = clone(input);
    instance.history = [];
    instance.dispatched = new Set();
    instance.activityRuns = new Map();
    instance.inbox = [this.executionStarted(instance.name, input, instance.parent), ...carried];
    this.timers = this.timers.filter((t) => t.instance !== instance);
    this.note(`instance ${instance.instanceId} (${instance.name}) continued as new`);
  }

  private alreadyRecorded(instance: Instance, eventType: number, taskId: number): boolean {
    return instance.history.some((e) => e.EventType === eventType && e.EventId === taskId);
  }

  /** Turns one newly opened task into the events to commit and the work to start after commit. */
  private workFor(instance: Instance, taskId: number, task: LibTask, nowMs: number): Work | undefined {
    const generation = instance.generation;
    const action = task.actionObj;
    if (action === 'noOp') {
      // Follow-ups of callActivityWithRetry / callSubOrchestratorWithRetry: after a failure the
      // library waits for a timer (id n+1), then for the next attempt's result (id n+2).
      const retry = task.parent;
      if (!isRetryable(retry) || !retry.actionObj || retry.actionObj === 'noOp') {
        throw new HarnessError(`task ${taskId} of ${instance.name} is a bare NoOpTask the harness does not understand.`);
      }
      if (retry.isWaitingOnTimer) {
        const failedAttempt = (retry.attemptNumber ?? 2) - 1;
        return this.timerWork(instance, generation, taskId, nowMs + retryDelayMs(retry.retryOptions, failedAttempt));
      }
      return this.callWork(instance, generation, taskId, retry.actionObj);
    }
    if (!action || typeof action !== 'object' || typeof action.actionType !== 'number') {
      throw new HarnessError(`task ${taskId} of ${instance.name} has no action the harness understands.`);
    }
    if (action.actionType === ActionType.CreateTimer) {
      if (action.isCanceled) return undefined;
      return this.timerWork(instance, generation, taskId, new Date(action.fireAt ?? nowMs).getTime());
    }
    return this.callWork(instance, generation, taskId, action);
  }

  private callWork(instance: Instance, generation: number, taskId: number, action: LibAction): Work {
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const name = action.functionName ?? '';
        const events = this.alreadyRecorded(instance, EventType.TaskScheduled, taskId)
          ? []
          : [this.event(EventType.TaskScheduled, { Name: name, Input: encodeActionInput(action.input) }, taskId)];
        return { events, start: () => this.runActivity(instance, generation, taskId, name, decodeActionInput(action.input)) };
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = action.functionName ?? '';
        const childId = action.instanceId || `${instance.instanceId}:${taskId}`;
        const input = action.input;
        return {
          // Unlike activity inputs, sub-orchestration inputs are not pre-encoded by the library.
          events: [this.event(EventType.SubOrchestrationInstanceCreated, { Name: name, InstanceId: childId, Input: input === undefined ? undefined : serialize(input) }, taskId)],
          start: () => {
            try {
              this.createInstance(name, childId, input, { instance, generation, taskId });
            } catch (error) {
              this.deliver(instance, generation, this.event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: taskId, Reason: errorMessage(error), Details: '' }));
            }
          },
        };
      }
      default:
        throw new HarnessError(`task ${taskId} of ${instance.name} is a ${ACTION_NAMES[action.actionType] ?? action.actionType} action the harness cannot schedule.`);
    }
  }

  private timerWork(instance: Instance, generation: number, taskId: number, fireAt: number): Work {
    return {
      events: [this.event(EventType.TimerCreated, { FireAt: iso(fireAt) }, taskId)],
      start: () => {
        const realDelay = Math.min(Math.max(0, fireAt - this.clockMs), this.maxRealTimerDelayMs);
        this.timers.push({ instance, generation, taskId, fireAt, realReadyAt: Date.now() + realDelay, seq: this.timerSeq++ });
        this.changed();
      },
    };
  }

  private runActivity(instance: Instance, generation: number, taskId: number, name: string, input: unknown): void {
    this.runningActivities++;
    const attempt = (instance.activityRuns.get(name) ?? 0) + 1;
    instance.activityRuns.set(name, attempt);
    const run = (async () => {
      let outcome: HistoryEvent;
      try {
        const fn = this.registry.get(name);
        if (!fn || fn.triggerType !== 'activityTrigger') {
          throw new Error(`The function '${name}' doesn't exist, is disabled, or is not an activity function.`);
        }
        const context = await this.createContext(fn, instance.instanceId);
        const result = await fn.handler(clone(input), context);
        outcome = this.event(EventType.TaskCompleted, { TaskScheduledId: taskId, Result: serialize(result) });
      } catch (error) {
        // The extension's wording; the library hands the orchestrator Error(Reason + " \n " + Details).
        outcome = this.event(EventType.TaskFailed, {
          TaskScheduledId: taskId,
          Reason: `Activity function '${name}' failed: ${errorMessage(error)}`,
          Details: error instanceof Error ? (error.stack ?? '') : '',
        });
      }
      if (this.options.crashAfterActivity?.(name, attempt) && instance.generation === generation && !isTerminal(instance)) {
        this.note(`host "crashed" after activity ${name} (attempt ${attempt}) of ${instance.instanceId} ran; replaying from stored history`);
        instance.dispatched.delete(taskId);
        instance.replayRequested = true;
        instance.wake?.();
        return;
      }
      this.deliver(instance, generation, outcome);
    })().finally(() => {
      this.runningActivities--;
      this.inflight.delete(run);
      this.changed();
    });
    this.inflight.add(run);
  }

  private deliver(instance: Instance, generation: number, event: HistoryEvent): void {
    if (instance.generation !== generation || isTerminal(instance) || this.instances.get(instance.instanceId) !== instance) return;
    instance.inbox.push({ ...event, Timestamp: iso(this.clockMs) });
    instance.wake?.();
    this.changed();
  }

  private notifyParent(instance: Instance, succeeded: boolean, resultOrReason: string): void {
    const parent = instance.parent;
    if (!parent) return;
    const event = succeeded
      ? this.event(EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: parent.taskId, Result: resultOrReason })
      : this.event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: parent.taskId, Reason: resultOrReason, Details: '' });
    this.deliver(parent.instance, parent.generation, event);
  }

  private raiseEventInternal(instance: Instance, name: string, serializedData: string | undefined): boolean {
    if (isTerminal(instance)) return false;
    this.deliver(instance, instance.generation, this.event(EventType.EventRaised, { Name: name, Input: serializedData }));
    return true;
  }

  private recordCustomStatus(instance: Instance, customStatus: unknown): void {
    instance.customStatus = clone(customStatus);
    if (customStatus === undefined) return;
    const last = instance.customStatuses[instance.customStatuses.length - 1];
    if (instance.customStatuses.length === 0 || JSON.stringify(last) !== JSON.stringify(customStatus)) {
      instance.customStatuses.push(clone(customStatus));
    }
  }

  private statusOf(instance: Instance): InstanceStatus {
    return {
      instanceId: instance.instanceId,
      name: instance.name,
      runtimeStatus: instance.runtimeStatus,
      input: clone(instance.input),
      output: clone(instance.output),
      customStatus: clone(instance.customStatus),
      createdTime: new Date(instance.createdTime),
      lastUpdatedTime: new Date(instance.lastUpdatedTime),
      history: clone(instance.history),
    };
  }

  private describePending(instance: Instance): string {
    const timers = this.timers.filter((t) => t.instance === instance).map((t) => `timer ${t.taskId} at ${iso(t.fireAt)}`);
    const parts = [`${this.runningActivities} activities running harness-wide`, ...timers];
    if (instance.inbox.length > 0) parts.push(`${instance.inbox.length} events queued`);
    return parts.join(', ');
  }

  // ----- durable timers and the virtual clock --------------------------------------------------

  private changed(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const resolve of waiters) resolve();
    if (this.timers.length > 0 && !this.pumping && !this.closed) void this.pumpTimers();
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  /**
   * Nothing runs and nothing waits to be replayed: the only thing that can happen next is a timer.
   * Virtual time jumps only then, so an activity in flight never "takes" virtual hours.
   */
  private isQuiescent(): boolean {
    if (this.runningActivities > 0 || this.runningEpisodes > 0) return false;
    for (const instance of this.instances.values()) {
      if (!isTerminal(instance) && (instance.inbox.length > 0 || instance.replayRequested)) return false;
    }
    return true;
  }

  /** Fires due timers one at a time, earliest first, each only when the system is quiet. */
  private async pumpTimers(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.closed && this.timers.length > 0) {
        if (this.timerMode === 'wallClock') {
          const now = Date.now();
          const ready = this.timers.filter((t) => t.realReadyAt <= now).sort((a, b) => a.fireAt - b.fireAt || a.seq - b.seq);
          if (ready.length === 0) {
            const soonest = Math.min(...this.timers.map((t) => t.realReadyAt));
            await Promise.race([delay(Math.max(1, soonest - now)), this.nextChange()]);
            continue;
          }
          this.timers = this.timers.filter((t) => !ready.includes(t));
          for (const t of ready) {
            if (t.fireAt > this.clockMs) this.clockMs = t.fireAt;
            this.deliver(t.instance, t.generation, this.event(EventType.TimerFired, { TimerId: t.taskId, FireAt: iso(t.fireAt) }));
          }
          continue;
        }
        if (!this.isQuiescent()) {
          await this.nextChange();
          continue;
        }
        const next = this.timers.reduce((a, b) => (b.fireAt < a.fireAt || (b.fireAt === a.fireAt && b.seq < a.seq) ? b : a));
        const wait = next.realReadyAt - Date.now();
        if (wait > 0) {
          await Promise.race([delay(wait), this.nextChange()]);
          continue;
        }
        // Let promise chains that are about to queue work (an HTTP starter, a driver) do so first.
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.isQuiescent() || !this.timers.includes(next)) continue;
        this.timers = this.timers.filter((t) => t !== next);
        if (next.fireAt > this.clockMs) this.clockMs = next.fireAt;
        this.deliver(next.instance, next.generation, this.event(EventType.TimerFired, { TimerId: next.taskId, FireAt: iso(next.fireAt) }));
      }
    } finally {
      this.pumping = false;
    }
  }

  // ----- invocation contexts and logs ----------------------------------------------------------

  private async createContext(fn: RegisteredFunction, instanceId?: string): Promise<InvocationContext> {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: fn.name,
      logHandler: (level, ...args) => this.captureLog(fn.name, level, format(...args), instanceId),
      options: {
        trigger: { ...fn.trigger },
        return: fn.returnBinding ? { ...fn.returnBinding } : undefined,
        extraInputs: fn.extraInputs.map((b) => ({ ...b })),
        extraOutputs: fn.extraOutputs.map((b) => ({ ...b })),
      },
    });
    const clientBindings = fn.extraInputs.filter(isDurableClientBinding);
    if (clientBindings.length > 0) {
      const data = await this.clientBindingData();
      for (const binding of clientBindings) context.extraInputs.set(binding.name, clone(data));
    }
    return context;
  }

  private captureLog(functionName: string, level: LogLevel, message: string, instanceId?: string): void {
    this.logs.push({ functionName, level, message, ...(instanceId ? { instanceId } : {}) });
    this.options.log?.(`[${functionName}${instanceId ? ` ${instanceId}` : ''}] ${level}: ${message}`);
  }

  private note(message: string): void {
    this.logs.push({ functionName: 'DurableHarness', level: 'harness', message });
    this.options.log?.(`[DurableHarness] ${message}`);
  }

  // ----- the durable client's side of the extension --------------------------------------------

  /** What the extension puts in a `durableClient` input binding; URL templates as the real host's. */
  private async clientBindingData(): Promise<Record<string, unknown>> {
    const rpcBaseUrl = await this.rpcBaseUrl();
    const base = `${LOCAL_ORIGIN}${WEBHOOK_PATH}`;
    const hub = `taskHub=${this.taskHubName}&connection=Storage&code=${this.systemKey}`;
    return {
      taskHubName: this.taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=${this.systemKey}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${this.systemKey}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${base}/instances/INSTANCEID?${hub}`,
        sendEventPostUri: `${base}/instances/INSTANCEID/raiseEvent/{eventName}?${hub}`,
        terminatePostUri: `${base}/instances/INSTANCEID/terminate?reason={text}&${hub}`,
        rewindPostUri: `${base}/instances/INSTANCEID/rewind?reason={text}&${hub}`,
        purgeHistoryDeleteUri: `${base}/instances/INSTANCEID?${hub}`,
        restartPostUri: `${base}/instances/INSTANCEID/restart?${hub}`,
        suspendPostUri: `${base}/instances/INSTANCEID/suspend?reason={text}&${hub}`,
        resumePostUri: `${base}/instances/INSTANCEID/resume?reason={text}&${hub}`,
      },
      baseUrl: base,
      requiredQueryStringParameters: `code=${this.systemKey}`,
      rpcBaseUrl,
      httpBaseUrl: `${rpcBaseUrl}`,
      maxGrpcMessageSizeInBytes: 0,
      grpcHttpClientTimeout: '00:01:40',
    };
  }

  private managementPayload(instanceId: string): Record<string, string> {
    const base = `${LOCAL_ORIGIN}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
    const hub = `taskHub=${this.taskHubName}&connection=Storage&code=${this.systemKey}`;
    return {
      id: instanceId,
      statusQueryGetUri: `${base}?${hub}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${hub}`,
      terminatePostUri: `${base}/terminate?reason={text}&${hub}`,
      purgeHistoryDeleteUri: `${base}?${hub}`,
    };
  }

  private async ensureServer(): Promise<void> {
    if (this.server) return;
    if (this.closed) throw new HarnessError('The harness is closed.');
    this.serverStarting ??= new Promise<void>((resolve, reject) => {
      const server = createServer((req, res) => {
        this.serveRpc(req, res).catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { message: errorMessage(error) });
          else res.end();
        });
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
    await this.serverStarting;
  }

  /** The extension's HTTP API as durable-functions' DurableClient calls it (rpcBaseUrl and webhook paths). */
  private async serveRpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    let path: string;
    if (url.pathname.startsWith(RPC_PATH)) path = url.pathname.slice(RPC_PATH.length);
    else if (url.pathname.startsWith(`${WEBHOOK_PATH}/`)) path = url.pathname.slice(WEBHOOK_PATH.length + 1);
    else return sendJson(res, 404, { message: `Unknown path ${url.pathname}` });
    const segments = path.split('/').map(decodeURIComponent);

    if (segments[0] === 'orchestrators' && method === 'POST' && segments[1]) {
      const name = segments[1];
      const requestedId = segments[2];
      let input: unknown;
      try {
        input = body === '' ? undefined : JSON.parse(body);
      } catch {
        return sendJson(res, 400, { message: 'The request body is not valid JSON.' });
      }
      let instanceId: string;
      try {
        instanceId = this.createInstance(name, requestedId ?? randomUUID().replace(/-/g, ''), input).instanceId;
      } catch (error) {
        const message = errorMessage(error);
        return sendJson(res, message.includes('already') ? 409 : 400, { message });
      }
      const payload = this.managementPayload(instanceId);
      return sendJson(res, 202, payload, { Location: payload.statusQueryGetUri ?? '' });
    }

    if (segments[0] !== 'instances') {
      // Entities (`entities/...`) and anything else this harness does not emulate.
      return sendJson(res, 501, { message: `DurableHarness does not implement ${method} ${path}.` });
    }
    const instanceId = segments[1] ?? '';
    const operation = segments[2];

    if (instanceId === '') {
      const statuses = [...this.instances.values()].filter((i) => matchesFilter(i, url.searchParams)).map((i) => this.statusJson(i, url.searchParams));
      if (method === 'GET') return sendJson(res, 200, statuses);
      if (method === 'DELETE') {
        let deleted = 0;
        for (const instance of [...this.instances.values()]) {
          if (isTerminal(instance) && matchesFilter(instance, url.searchParams)) {
            this.instances.delete(instance.instanceId);
            deleted++;
          }
        }
        return sendJson(res, deleted > 0 ? 200 : 404, { instancesDeleted: deleted });
      }
      return sendJson(res, 405, { message: `${method} not allowed on instances/.` });
    }

    const instance = this.instances.get(instanceId);
    if (!instance) return sendJson(res, 404, { message: `No instance with ID '${instanceId}' found.` });

    if (operation === undefined && method === 'GET') {
      // The webhook API's codes: 202 while it runs, 200 when completed, 400 failed or terminated.
      const code = instance.runtimeStatus === 'Completed' ? 200 : isTerminal(instance) ? 400 : 202;
      return sendJson(res, code, this.statusJson(instance, url.searchParams));
    }
    if (operation === undefined && method === 'DELETE') {
      if (!isTerminal(instance)) return sendJson(res, 400, { message: `Instance '${instanceId}' is still ${instance.runtimeStatus}.` });
      this.instances.delete(instanceId);
      return sendJson(res, 200, { instancesDeleted: 1 });
    }
    if (operation === 'raiseEvent' && method === 'POST' && segments[3]) {
      const accepted = this.raiseEventInternal(instance, segments[3], body === '' ? undefined : body);
      return accepted ? sendEmpty(res, 202) : sendJson(res, 410, { message: `Instance '${instanceId}' has already finished.` });
    }
    if (operation === 'terminate' && method === 'POST') {
      if (isTerminal(instance)) return sendJson(res, 410, { message: `Instance '${instanceId}' has already finished.` });
      await this.terminate(instanceId, url.searchParams.get('reason') ?? '');
      return sendEmpty(res, 202);
    }
    // suspend, resume, rewind, restart.
    return sendJson(res, 501, { message: `DurableHarness does not implement ${operation ?? method} for instances.` });
  }

  private statusJson(instance: Instance, query: URLSearchParams): Record<string, unknown> {
    const status: Record<string, unknown> = {
      name: instance.name,
      instanceId: instance.instanceId,
      runtimeStatus: instance.runtimeStatus,
      input: query.get('showInput') === 'false' ? null : (instance.input ?? null),
      customStatus: instance.customStatus ?? null,
      output: instance.output ?? null,
      createdTime: iso(instance.createdTime),
      lastUpdatedTime: iso(instance.lastUpdatedTime),
    };
    if (query.get('showHistory') === 'true') status.history = clone(instance.history);
    return status;
  }
}

function isDurableClientBinding(binding: BindingMetadata): boolean {
  // The two type names durable-functions' getClient accepts.
  return binding.type === 'durableClient' || binding.type === 'orchestrationClient';
}

function matchesFilter(instance: Instance, query: URLSearchParams): boolean {
  const statuses = query.get('runtimeStatus');
  if (statuses && !statuses.split(',').includes(instance.runtimeStatus)) return false;
  const from = query.get('createdTimeFrom');
  if (from && instance.createdTime < Date.parse(from)) return false;
  const to = query.get('createdTimeTo');
  if (to && instance.createdTime > Date.parse(to)) return false;
  return true;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

function plainResult(status: number, headers: Record<string, string>, body: string): HttpResult {
  return {
    status,
    headers,
    body,
    json: () => JSON.parse(body),
  };
}

function isHttpResponseLike(value: unknown): value is HttpResponse {
  return (
    value instanceof HttpResponse ||
    (!!value && typeof value === 'object' && typeof (value as HttpResponse).text === 'function' && (value as HttpResponse).headers instanceof Headers)
  );
}

/** What the host sends back for a handler's HttpResponse or HttpResponseInit. */
async function toHttpResult(result: unknown): Promise<HttpResult> {
  if (result === undefined || result === null) {
    // Assumption: no response object means an empty success; the host's exact code is not pinned here.
    return plainResult(204, {}, '');
  }
  if (typeof result !== 'object') {
    throw new HarnessError('The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".');
  }
  const response = isHttpResponseLike(result) ? result : new HttpResponse(result as HttpResponseInit);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return plainResult(response.status, headers, await response.text());
}
