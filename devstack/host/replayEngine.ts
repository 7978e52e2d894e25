/**
 * Runs orchestrations through durable-functions' own replay engine, as the extension does: the
 * harness keeps each instance's history, calls the registered orchestration handler with it
 * (history in), and turns the actions it returns into new history (actions out).
 */
import type { InvocationContexts } from './invocationContext';
import { Instance, isTerminal, newInstance, ParentLink, recordCustomStatus } from './instanceStore';
import { decodeActionInput, flattenActions, LibExecutor, OrchestratorState, parseOrchestrationFailure } from './libraryShapes';
import type { HostRuntime } from './runtime';
import { TaskDispatcher, Work } from './taskDispatch';
import { HarnessError, HistoryEvent } from './types';
import { clone, errorMessage, serialize } from './values';
import {
  ACTION_NAMES,
  ActionType,
  DEFAULT_HTTP_ASYNC_REQUEST_SLEEP_MS,
  EventType,
  LONG_RUNNING_TIMER_INTERVAL,
  MAXIMUM_SHORT_TIMER_DURATION,
  UPPER_SCHEMA_VERSION,
} from './wire';

/** What the harness emulates: no entities (7, 9, 13, 14) and no durable HTTP (8). */
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
]);

export class ReplayEngine {
  private readonly dispatcher: TaskDispatcher;

  constructor(
    private readonly runtime: HostRuntime,
    private readonly contexts: InvocationContexts,
  ) {
    this.dispatcher = new TaskDispatcher(runtime, contexts, (name, instanceId, input, parent) => this.createInstance(name, instanceId, input, parent));
  }

  createInstance(name: string, instanceId: string, input: unknown, parent?: ParentLink): Instance {
    const runtime = this.runtime;
    if (runtime.closed) throw new HarnessError('The harness is closed.');
    const fn = runtime.registry.get(name);
    if (!fn || fn.triggerType !== 'orchestrationTrigger') {
      throw new Error(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    }
    const existing = runtime.instances.get(instanceId);
    if (existing && !isTerminal(existing)) {
      throw new Error(`An orchestration with instance id '${instanceId}' is already ${existing.runtimeStatus}.`);
    }
    if (existing) existing.generation++;
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
      ...(parent ? { ParentInstance: { Name: parent.instance.name, TaskScheduleId: parent.taskId, OrchestrationInstance: { InstanceId: parent.instance.instanceId } } } : {}),
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
        runtime.failWithHarnessError(instance, error instanceof HarnessError ? error : new HarnessError(`Episode of ${instance.instanceId} crashed the harness: ${errorMessage(error)}`));
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
    const fn = runtime.registry.require(instance.name);
    const generation = instance.generation;
    const startedAt = runtime.clockMs;
    const started = runtime.event(EventType.OrchestratorStarted, {}, -1, startedAt);
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
      defaultHttpAsyncRequestSleepTimeMillseconds: DEFAULT_HTTP_ASYNC_REQUEST_SLEEP_MS,
    };
    const context = await this.contexts.create(fn, instance.instanceId);
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
    recordCustomStatus(instance, state?.customStatus);

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
      this.commit(instance, episode, [], runtime.event(EventType.ExecutionCompleted, { OrchestrationStatus: 'Failed', Result: output }));
      instance.runtimeStatus = 'Failed';
      instance.output = output;
      runtime.note(`instance ${instance.instanceId} (${instance.name}) failed: ${failure}`);
      runtime.notifyParent(instance, false, output);
      runtime.finish(instance);
      return;
    }
    if (!state) throw new HarnessError(`orchestration ${instance.name} returned nothing.`);

    if (state.isDone) {
      const continueAsNew = leaves.find((a) => a.actionType === ActionType.ContinueAsNew);
      if (continueAsNew) {
        this.continueAsNew(instance, decodeActionInput(continueAsNew.input));
        return;
      }
      this.commit(instance, episode, [], runtime.event(EventType.ExecutionCompleted, { OrchestrationStatus: 'Completed', Result: serialize(state.output) }));
      instance.runtimeStatus = 'Completed';
      instance.output = clone(state.output);
      runtime.notifyParent(instance, true, serialize(state.output));
      runtime.finish(instance);
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
      const work = this.dispatcher.workFor(instance, taskId, task, startedAt);
      instance.dispatched.add(taskId);
      if (work) works.push(work);
    }
    // A timer the orchestrator cancelled (the other branch of Task.any won) must not move the clock.
    runtime.timers.dropCancelled(instance, (taskId) => {
      const action = executor.openTasks[String(taskId)]?.actionObj;
      return !!(action && typeof action === 'object' && action.isCanceled);
    });
    this.commit(instance, episode, works.flatMap((w) => w.events));
    for (const work of works) work.start();
  }

  private commit(instance: Instance, episode: HistoryEvent[], scheduled: HistoryEvent[], closing?: HistoryEvent): void {
    instance.history.push(...episode, ...scheduled, this.runtime.event(EventType.OrchestratorCompleted));
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
    this.runtime.timers.dropFor(instance);
    this.runtime.note(`instance ${instance.instanceId} (${instance.name}) continued as new`);
  }
}
