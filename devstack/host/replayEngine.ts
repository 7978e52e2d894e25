/**
 * Runs orchestrations through durable-functions' own replay engine, as the extension does: the
 * harness keeps each instance's history, calls the registered orchestration handler with it
 * (history in), and turns the actions it returns into new history (actions out). Entity actions
 * are handed to orchestrationEntities.ts.
 */
import { ExecutorProbe, probeOrchestrationContext } from './executorProbe';
import { checkDuplicate, checkStart, customStatusProblem, functionNamed } from './hostRules';
import type { InvocationContexts } from './invocationContext';
import { Instance, isTerminal, newExecutionId, newInstance, ParentLink, recordCustomStatus } from './instanceStore';
import { decodeActionInput, flattenActions, LibAction, OrchestratorState, parseOrchestrationFailure } from './libraryShapes';
import { ExtensionRejection, OrchestrationEntities } from './orchestrationEntities';
import { nonDeterminism, replaySchedule } from './replayCheck';
import type { HostRuntime } from './runtime';
import { LOCK_SCHEMA, schemaPayloadFields } from './schema';
import { TaskDispatcher, Work } from './taskDispatch';
import { HarnessError, HistoryEvent } from './types';
import { clone, errorMessage, serialize } from './values';
import { ACTION_NAMES, ActionType, DEFAULT_HTTP_ASYNC_REQUEST_SLEEP_MS, EventType, LONG_RUNNING_TIMER_INTERVAL, MAXIMUM_SHORT_TIMER_DURATION } from './wire';

/** What the harness emulates: everything but durable HTTP (8); locks (13, 14) only with schema V4. */
const SUPPORTED_ACTIONS = new Set<number>([
  ActionType.CallActivity,
  ActionType.CallActivityWithRetry,
  ActionType.CallSubOrchestrator,
  ActionType.CallSubOrchestratorWithRetry,
  ActionType.ContinueAsNew,
  ActionType.CreateTimer,
  ActionType.WaitForExternalEvent,
  ActionType.WhenAny,
  ActionType.WhenAll,
  ActionType.CallEntity,
  ActionType.SignalEntity,
]);

export class ReplayEngine {
  private readonly dispatcher: TaskDispatcher;

  constructor(
    private readonly runtime: HostRuntime,
    private readonly contexts: InvocationContexts,
    private readonly entities: OrchestrationEntities,
  ) {
    this.dispatcher = new TaskDispatcher(
      runtime,
      contexts,
      (name, instanceId, input, parent) => this.createInstance(name, instanceId, input, parent),
      entities,
    );
  }

  /**
   * A client's start (DurableClient.StartNewAsync): the extension's argument checks, then DTFx's
   * de-duplication against the existing instance (hostRules.ts), then a new execution.
   */
  startInstance(name: string, instanceId: string, input: unknown): Instance {
    checkStart(this.runtime.registry, name, instanceId);
    checkDuplicate(this.runtime.instances.get(instanceId)?.runtimeStatus);
    return this.createInstance(functionNamed(this.runtime.registry, name, 'orchestrationTrigger') ?? name, instanceId, input);
  }

  /**
   * Creates an instance, overwriting whatever the id held. Sub-orchestrations come here without any
   * de-duplication: DTFx.AzureStorage OrchestrationSessionManager "do[es] de-duplication when creating
   * top-level orchestrations but not for sub-orchestrations", and a start message with a new
   * execution id loads no history (AzureTableTrackingStore.GetHistoryEventsAsync skips another
   * execution's rows), so a running instance of that id is replaced: its pending results are dropped
   * (TaskOrchestrationDispatcher.ReconcileMessagesWithState, "ExecutionId … does not match") and its
   * own parent, if any, never hears back.
   */
  createInstance(name: string, instanceId: string, input: unknown, parent?: ParentLink): Instance {
    const runtime = this.runtime;
    if (runtime.closed) throw new HarnessError('The harness is closed.');
    const fn = runtime.registry.get(name);
    if (!fn || fn.triggerType !== 'orchestrationTrigger')
      throw new HarnessError(`createInstance: '${name}' is not a registered orchestrator (the caller checks first).`);
    const existing = runtime.instances.get(instanceId);
    if (existing) {
      if (!isTerminal(existing)) {
        runtime.timers.dropFor(existing);
        runtime.note(`instance ${instanceId} (${existing.name}, ${existing.runtimeStatus}) is overwritten by a new execution of ${name}`);
      }
      existing.generation++;
      existing.wake?.();
    }
    const instance = newInstance({ instanceId, name, input, parent, nowMs: runtime.clockMs, executionStarted: this.executionStarted(name, input, parent) });
    runtime.instances.set(instance);
    const driver = this.drive(instance);
    runtime.drivers.add(driver);
    void driver.finally(() => runtime.drivers.delete(driver));
    runtime.changed();
    return instance;
  }

  private executionStarted(name: string, input: unknown, parent?: ParentLink): HistoryEvent {
    return this.runtime.event(EventType.ExecutionStarted, {
      Name: name,
      Input: input === undefined ? undefined : JSON.stringify(input),
      ...(parent
        ? { ParentInstance: { Name: parent.instance.name, TaskScheduleId: parent.taskId, OrchestrationInstance: { InstanceId: parent.instance.instanceId } } }
        : {}),
    });
  }

  /** One driver per instance: waits for events, runs an episode per batch, until the instance ends. */
  private async drive(instance: Instance): Promise<void> {
    const runtime = this.runtime;
    while (!runtime.closed && !isTerminal(instance) && runtime.instances.isCurrent(instance)) {
      if (instance.inbox.length === 0 && !instance.replayRequested) {
        await new Promise<void>((resolve) => (instance.wake = resolve));
        instance.wake = undefined;
        continue;
      }
      const batch = instance.inbox.splice(0);
      instance.replayRequested = false;
      runtime.runningEpisodes++;
      try {
        await this.runEpisode(instance, batch);
      } catch (error) {
        runtime.failWithHarnessError(
          instance,
          error instanceof HarnessError ? error : new HarnessError(`Episode of ${instance.instanceId} crashed the harness: ${errorMessage(error)}`),
        );
      } finally {
        runtime.runningEpisodes--;
        runtime.changed();
      }
    }
  }

  /**
   * One orchestrator episode, as the extension runs it: replay the committed history plus the new
   * events, then commit `OrchestratorStarted, <new events>, <scheduled events>, OrchestratorCompleted`.
   */
  private async runEpisode(instance: Instance, batch: HistoryEvent[]): Promise<void> {
    const runtime = this.runtime;
    const generation = instance.generation;
    const startedAt = runtime.clockMs;
    const started = runtime.event(EventType.OrchestratorStarted, {}, -1, startedAt);
    const fresh = batch.map((e) => ({ ...e, IsPlayed: false }));
    const { state, failure, rejected, probe } = await this.invoke(instance, started, fresh);
    if (instance.generation !== generation || isTerminal(instance)) return; // terminated meanwhile
    if (instance.runtimeStatus === 'Pending') instance.runtimeStatus = 'Running';
    instance.lastUpdatedTime = startedAt;
    const episode = [started, ...fresh];

    if (rejected !== undefined) {
      // Not an OrchestrationFailureError: the replay engine itself rejected the history, which
      // means the harness built it wrong. Fail the test, not just the orchestration.
      throw new HarnessError(`the durable-functions replay engine rejected the history of ${instance.instanceId}: ${rejected}`);
    }
    if (!state) throw new HarnessError(`orchestration ${instance.name} returned nothing.`);

    // The shim applies the custom status before it replays any action
    // (OutOfProcOrchestrationShim.ScheduleDurableTaskEvents); when SetCustomStatus throws, it
    // schedules nothing, yet DTFx still replays the past events against the (empty) schedule, and a
    // mismatch there wins over the shim's exception (it is thrown while ExecuteCore replays).
    const statusProblem = customStatusProblem(state.customStatus);
    const nondeterministic = nonDeterminism(instance.history, statusProblem ? new Map() : replaySchedule(probe));
    if (nondeterministic) {
      recordCustomStatus(instance, statusProblem ? undefined : state.customStatus);
      return this.fail(instance, episode, nondeterministic, []);
    }
    if (statusProblem) {
      // The failed SetCustomStatus left no status (TaskOrchestrationShim → DTFx GetStatus → null).
      recordCustomStatus(instance, undefined);
      return this.fail(instance, episode, this.shimFailure(instance, statusProblem, failure !== undefined), []);
    }
    recordCustomStatus(instance, state.customStatus);

    const leaves = flattenActions(state.actions ?? []);
    // The extension schedules every action in the list, once per occurrence. durable-functions
    // 3.x copies an already scheduled task's action into a new Task.any/Task.all's compound
    // action, so that task is scheduled twice and every later task id shifts (open issue
    // Azure/azure-functions-durable-js#574). Refused here, as the real host would run it twice.
    const seen = new Set<object>();
    const repeated = leaves.find((action) => seen.size === seen.add(action).size);
    if (repeated) {
      throw new HarnessError(
        `orchestration ${instance.name} put an already scheduled ${ACTION_NAMES[repeated.actionType] ?? 'action'} (${String((repeated as { functionName?: string }).functionName ?? '')}) into a new Task.any/Task.all; ` +
          'the extension would schedule it a second time (durable-js#574): yield it alone, or only with tasks not scheduled yet.',
      );
    }
    const unsupported = leaves.find((a) => !this.supports(a.actionType));
    if (unsupported) {
      throw new HarnessError(
        `orchestration ${instance.name} used ${ACTION_NAMES[unsupported.actionType] ?? 'unknown action'} (action type ${unsupported.actionType}), which DurableHarness does not emulate ` +
          `(durable HTTP is not supported; entity locks need outOfProcSchemaVersion V4, this harness advertises ${runtime.schemaVersion}).`,
      );
    }
    const executor = probe.executor();
    try {
      // OutOfProcOrchestrationShim replays every action the orchestrator returned before it acts on
      // its end (ScheduleDurableTaskEvents), so signals and releases recorded in a last episode,
      // even a failing one, are sent.
      const outgoing = this.entities.fireAndForgetWork(instance, probe.fireAndForget);
      if (failure !== undefined) return this.fail(instance, episode, this.shimFailure(instance, failure, false), outgoing);
      if (state.isDone)
        return this.end(instance, episode, state, leaves, [...outgoing, ...this.entities.implicitReleaseWork(instance, executor.sequenceNumber ?? 0)]);
      // Task ids are the executor's sequence numbers (assigned when a task is yielded, and for
      // retries while the failure is replayed); its open-task table is the exact id → task map.
      const works: Work[] = [...outgoing];
      for (const [key, task] of Object.entries(executor.openTasks)) {
        const taskId = Number(key);
        if (!Number.isInteger(taskId) || instance.dispatched.has(taskId)) continue;
        const work = this.dispatcher.workFor(instance, taskId, task, startedAt);
        instance.dispatched.add(taskId);
        if (work) works.push(work);
      }
      this.refuseWorkPastADroppedCall(instance, works);
      // A timer the orchestrator cancelled (the other branch of Task.any won) must not move the clock.
      runtime.timers.dropCancelled(instance, (taskId) => {
        const action = executor.openTasks[String(taskId)]?.actionObj;
        return !!(action && typeof action === 'object' && action.isCanceled);
      });
      const ordered = inIdOrder(works);
      this.commit(
        instance,
        episode,
        ordered.flatMap((w) => w.events),
      );
      for (const work of ordered) work.start();
    } catch (error) {
      if (!(error instanceof ExtensionRejection)) throw error;
      this.fail(instance, episode, this.shimFailure(instance, error.message, failure !== undefined), []);
    }
  }

  /**
   * How an exception from the shim ends the orchestration (TaskOrchestrationShim.
   * InvokeUserCodeAndHandleResults): normally wrapped as "Orchestrator function '…' failed: …"; when
   * the orchestrator itself threw, the shim replays inside the catch block, and what it throws there
   * escapes unwrapped (only OrchestrationFailureException is caught), so DTFx fails the instance with
   * the bare message.
   */
  private shimFailure(instance: Instance, message: string, orchestratorThrew: boolean): string {
    return orchestratorThrew ? message : `Orchestrator function '${instance.name}' failed: ${message}`;
  }

  /**
   * A call the extension dropped (taskDispatch.ts) took no sequence number in DTFx, so every later
   * action gets its predecessor's number there and results reach the wrong tasks. The harness keeps
   * durable-functions' numbering and refuses, rather than pretend, an orchestration that gets there.
   */
  private refuseWorkPastADroppedCall(instance: Instance, works: Work[]): void {
    if (instance.dropped.size === 0) return;
    const firstDropped = Math.min(...instance.dropped.keys());
    const later = works.find((w) => (w.events[0]?.EventId ?? -1) > firstDropped);
    if (later) {
      throw new HarnessError(
        `orchestration ${instance.name} went on to task ${later.events[0]?.EventId} after the extension dropped task ${firstDropped} ` +
          `(${instance.dropped.get(firstDropped)}); in the host the later tasks' ids shift and results reach the wrong tasks, which DurableHarness does not emulate.`,
      );
    }
  }

  /**
   * Calls the orchestration handler with the history; an orchestrator error comes back as `failure`,
   * any other error of the library as `rejected` (the probe's records are kept for the replay check).
   */
  private async invoke(
    instance: Instance,
    started: HistoryEvent,
    fresh: HistoryEvent[],
  ): Promise<{ state: OrchestratorState | undefined; failure: string | undefined; rejected: string | undefined; probe: ExecutorProbe }> {
    const fn = this.runtime.registry.require(instance.name);
    const payload = {
      // A fresh copy each time, as the host's wire gives (the library rewrites Timestamps into
      // Dates in place). Committed events never change, so each one's text is made once.
      history: JSON.parse(
        `[${[...instance.history.map((e) => playedText(e)), JSON.stringify(started), ...fresh.map((e) => JSON.stringify(e))].join(',')}]`,
      ) as HistoryEvent[],
      input: clone(instance.input),
      instanceId: instance.instanceId,
      isReplaying: instance.history.length > 0,
      parentInstanceId: instance.parent?.instance.instanceId ?? '',
      ...schemaPayloadFields(this.runtime.schemaVersion),
      longRunningTimerIntervalDuration: LONG_RUNNING_TIMER_INTERVAL,
      maximumShortTimerDuration: MAXIMUM_SHORT_TIMER_DURATION,
      defaultHttpAsyncRequestSleepTimeMillseconds: DEFAULT_HTTP_ASYNC_REQUEST_SLEEP_MS,
    };
    const context = await this.contexts.create(fn, instance.instanceId);
    const probe = probeOrchestrationContext(context);
    try {
      return { state: (await fn.handler(payload, context)) as OrchestratorState, failure: undefined, rejected: undefined, probe };
    } catch (error) {
      const parsed = parseOrchestrationFailure(error);
      if (!parsed.state) return { state: undefined, failure: undefined, rejected: parsed.message, probe };
      return { state: parsed.state, failure: parsed.message, rejected: undefined, probe };
    }
  }

  private supports(actionType: number): boolean {
    if (actionType === ActionType.LockEntities || actionType === ActionType.ReleaseEntities) return this.runtime.schemaVersion >= LOCK_SCHEMA;
    return SUPPORTED_ACTIONS.has(actionType);
  }

  /** The orchestration failed; `output` is the reason DTFx records (FailOrchestration: the exception's message). */
  private fail(instance: Instance, episode: HistoryEvent[], output: string, outgoing: Work[]): void {
    const runtime = this.runtime;
    const ordered = inIdOrder(outgoing);
    this.commit(
      instance,
      episode,
      ordered.flatMap((w) => w.events),
      runtime.event(EventType.ExecutionCompleted, { OrchestrationStatus: 'Failed', Result: output }),
    );
    for (const work of ordered) work.start();
    instance.runtimeStatus = 'Failed';
    instance.output = output;
    runtime.note(`instance ${instance.instanceId} (${instance.name}) failed: ${output}`);
    runtime.notifyParent(instance, false, output);
    runtime.finish(instance);
  }

  /** The orchestrator returned (or continued as new): last messages out, then the end. */
  private end(instance: Instance, episode: HistoryEvent[], state: OrchestratorState, leaves: LibAction[], outgoing: Work[]): void {
    const runtime = this.runtime;
    const ordered = inIdOrder(outgoing);
    const continueAsNew = leaves.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (continueAsNew) {
      for (const work of ordered) work.start();
      this.continueAsNew(instance, decodeActionInput(continueAsNew.input));
      return;
    }
    this.commit(
      instance,
      episode,
      ordered.flatMap((w) => w.events),
      runtime.event(EventType.ExecutionCompleted, { OrchestrationStatus: 'Completed', Result: serialize(state.output) }),
    );
    for (const work of ordered) work.start();
    instance.runtimeStatus = 'Completed';
    instance.output = clone(state.output);
    runtime.notifyParent(instance, true, serialize(state.output));
    runtime.finish(instance);
  }

  private commit(instance: Instance, episode: HistoryEvent[], scheduled: HistoryEvent[], closing?: HistoryEvent): void {
    instance.history.push(...[...episode, ...scheduled, this.runtime.event(EventType.OrchestratorCompleted)].map(deepFreeze));
    if (closing) instance.history.push(deepFreeze(closing));
  }

  private continueAsNew(instance: Instance, input: unknown): void {
    // Events raised but not yet consumed carry over to the new execution, as in DTFx.
    const carried = instance.inbox.filter((e) => e.EventType === EventType.EventRaised);
    instance.generation++;
    instance.input = clone(input);
    instance.history = [];
    instance.dispatched = new Set();
    instance.dropped = new Map();
    instance.activityRuns = new Map();
    instance.executionId = newExecutionId();
    instance.entityLock = undefined;
    instance.inbox = [this.executionStarted(instance.name, input, instance.parent), ...carried];
    this.runtime.timers.dropFor(instance);
    this.runtime.note(`instance ${instance.instanceId} (${instance.name}) continued as new`);
  }
}

/** Events in task-id order, as the extension replays actions; work without events keeps its place at the end. */
function inIdOrder(works: Work[]): Work[] {
  const key = (w: Work): number => w.events[0]?.EventId ?? Number.POSITIVE_INFINITY;
  return [...works].sort((a, b) => key(a) - key(b));
}

/** The JSON text of a committed event as a replay sends it (IsPlayed), made once per event: committed events are frozen. */
const PLAYED_TEXT = new WeakMap<HistoryEvent, string>();
function playedText(event: HistoryEvent): string {
  let text = PLAYED_TEXT.get(event);
  if (text === undefined) {
    text = JSON.stringify({ ...event, IsPlayed: true });
    if (Object.isFrozen(event)) PLAYED_TEXT.set(event, text);
  }
  return text;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
