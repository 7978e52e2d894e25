/**
 * The Durable Task Framework's determinism check, as it runs for an out-of-proc orchestration.
 *
 * durable-functions has none: on replay it ignores the scheduling events (TaskScheduled, …) and
 * hands each result to whatever task now has that id (lib/src/orchestrations/
 * TaskOrchestrationExecutor.js, processEvent). The check is host-side:
 * - the extension replays the worker's actions through the .NET context API, in order, awaiting each
 *   one before the next (Listener/OutOfProcOrchestrationShim.cs, ProcessAsyncActionsV2); every
 *   ScheduleTask / CreateTimer / CreateSubOrchestrationInstance / SendEvent takes the next sequence
 *   number (DTFx TaskOrchestrationContext.idCounter);
 * - DTFx replays the stored history in order (TaskOrchestrationExecutor.ExecuteCore); each past
 *   TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated and EventSent must find an action of
 *   the same kind and name (ignoring case) under its EventId among the actions scheduled so far
 *   (TaskOrchestrationContext.HandleTaskScheduledEvent, HandleTimerCreatedEvent,
 *   HandleSubOrchestrationCreatedEvent, HandleEventSentEvent), else NonDeterministicOrchestrationException
 *   ("Non-Deterministic workflow detected: " + details, Exceptions/NonDeterministicOrchestrationException.cs),
 *   which ExecuteCore catches and turns into FailOrchestration: the instance ends Failed with that
 *   message as its output, no "Orchestrator function … failed" prefix (added in DTFx #595, 2021).
 *
 * The shim awaits each action when the previous one completes, which is when the library's
 * generator yields the next task; so "scheduled so far" is: the library gave the task its id while
 * processing an earlier history event (executorProbe.ts records when).
 * Messages are DTFx's, word for word, quirks included (a double space, "named but", a stray ')').
 */
import type { ExecutorProbe } from './executorProbe';
import type { LibAction, LibTask } from './libraryShapes';
import type { HistoryEvent } from './types';
import { ActionType, ENTITY_RELEASE_EVENT, ENTITY_REQUEST_EVENT, EventType } from './wire';

type ReplayAction =
  | { type: 'ScheduleTaskOrchestratorAction'; name: string }
  | { type: 'CreateTimerOrchestratorAction' }
  | { type: 'CreateSubOrchestrationAction'; name: string }
  | { type: 'SendEventOrchestratorAction'; eventName: string };

interface Scheduled {
  action: ReplayAction;
  /** The history index the library was processing when it scheduled the action. */
  at: number;
}

/** DurableOrchestrationContext.DefaultVersion: orchestrations and activities are unversioned. */
const DEFAULT_VERSION = '';
/** HttpOptions.HttpTaskActivityReservedName: durable HTTP runs as this activity. */
const HTTP_ACTIVITY = 'BuiltIn::HttpActivity';
const ASK = 'Was a change made to the orchestrator code after this instance had already started running?';

/** The actions the replay scheduled, by sequence number, as the shim hands them to DTFx. */
export function replaySchedule(probe: Pick<ExecutorProbe, 'tracked' | 'fireAndForget'>): Map<number, Scheduled> {
  const schedule = new Map<number, Scheduled>();
  for (const { id, task, at } of probe.tracked) {
    const action = actionOfTask(task);
    if (action) schedule.set(id, { action, at });
  }
  for (const { action, firstId, count, at } of probe.fireAndForget) {
    // A signal is one SendEvent "op"; a release one SendEvent "release" per locked entity.
    const eventName = action.actionType === ActionType.ReleaseEntities ? ENTITY_RELEASE_EVENT : ENTITY_REQUEST_EVENT;
    for (let id = firstId; id < firstId + count; id++) schedule.set(id, { action: { type: 'SendEventOrchestratorAction', eventName }, at });
  }
  return schedule;
}

function actionOfTask(task: LibTask): ReplayAction | undefined {
  const action = task.actionObj;
  if (action === 'noOp') {
    // RetryableTask.trySetValue appends, after each failed attempt, a timer and then the next
    // attempt: children are [attempt 1, timer, attempt 2, timer, …] (DTFx RetryInterceptor.Invoke).
    const retry = task.parent;
    const index = retry?.children?.indexOf(task) ?? -1;
    if (!retry || index < 1 || !retry.actionObj || retry.actionObj === 'noOp') return undefined;
    return index % 2 === 1 ? { type: 'CreateTimerOrchestratorAction' } : actionOf(retry.actionObj);
  }
  return action ? actionOf(action) : undefined;
}

function actionOf(action: LibAction): ReplayAction | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { type: 'ScheduleTaskOrchestratorAction', name: action.functionName ?? '' };
    case ActionType.CallHttp:
      return { type: 'ScheduleTaskOrchestratorAction', name: HTTP_ACTIVITY };
    case ActionType.CreateTimer:
      return { type: 'CreateTimerOrchestratorAction' };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return { type: 'CreateSubOrchestrationAction', name: action.functionName ?? '' };
    case ActionType.CallEntity:
    case ActionType.LockEntities:
      return { type: 'SendEventOrchestratorAction', eventName: ENTITY_REQUEST_EVENT };
    default:
      return undefined;
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Replays the past events against the schedule as DTFx does; returns the failure message of the first
 * mismatch, or undefined. `past` are the committed events, at the start of the history the library saw.
 */
export function nonDeterminism(past: readonly HistoryEvent[], schedule: ReadonlyMap<number, Scheduled>): string | undefined {
  const open = new Map(schedule);
  for (let index = 0; index < past.length; index++) {
    const event = past[index] as HistoryEvent;
    if (!isSchedulingEvent(event.EventType)) continue;
    const id = event.EventId;
    const found = open.get(id);
    const current = found && found.at < index ? found.action : undefined;
    const problem = mismatch(event, current);
    if (problem) return `Non-Deterministic workflow detected: ${problem}`;
    open.delete(id);
  }
  return undefined;
}

function isSchedulingEvent(eventType: number): boolean {
  return (
    eventType === EventType.TaskScheduled ||
    eventType === EventType.TimerCreated ||
    eventType === EventType.SubOrchestrationInstanceCreated ||
    eventType === EventType.EventSent
  );
}

function mismatch(event: HistoryEvent, current: ReplayAction | undefined): string | undefined {
  const id = event.EventId;
  const name = String(event.Name ?? '');
  const version = String(event.Version ?? DEFAULT_VERSION);
  const instanceId = String(event.InstanceId ?? '');
  switch (event.EventType) {
    case EventType.TaskScheduled:
      if (!current) {
        return `A previous execution of this orchestration scheduled an activity task with sequence ID ${id} and name '${name}' (version '${version}'), but the current replay execution hasn't (yet?) scheduled this task. ${ASK}`;
      }
      if (current.type !== 'ScheduleTaskOrchestratorAction') {
        return `A previous execution of this orchestration scheduled an activity task with sequence number ${id} named '${name}', but the current orchestration replay instead produced a ${current.type} action with this sequence number. ${ASK}`;
      }
      if (!same(name, current.name)) {
        return `A previous execution of this orchestration scheduled an activity task with sequence number ${id} named '${name}', but the current orchestration replay instead scheduled an activity task named '${current.name}' with this sequence number.  ${ASK}`;
      }
      return undefined;
    case EventType.TimerCreated:
      if (!current)
        return `A previous execution of this orchestration scheduled a timer task with sequence number ${id} but the current replay execution hasn't (yet?) scheduled this task. ${ASK}`;
      if (current.type !== 'CreateTimerOrchestratorAction') {
        return `A previous execution of this orchestration scheduled a timer task with sequence number ${id} named but the current orchestration replay instead produced a ${current.type} action with this sequence number. ${ASK}`;
      }
      return undefined;
    case EventType.SubOrchestrationInstanceCreated: {
      const what = `A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID ${id} and name '${name}' (version '${version}', instance ID '${instanceId}'), but the current`;
      if (!current) return `${what} replay execution hasn't (yet?) scheduled this task. ${ASK}`;
      if (current.type !== 'CreateSubOrchestrationAction')
        return `${what} orchestration replay instead produced a ${current.type} action at this sequence number. ${ASK}`;
      if (!same(name, current.name))
        return `${what} orchestration replay instead scheduled a sub-orchestration task with name ${current.name} at this sequence number. ${ASK}`;
      return undefined;
    }
    default: {
      // EventSent; `type` is the event's EventType enum name.
      const what = `A previous execution of this orchestration scheduled a send event task with sequence ID ${id}, type 'EventSent'`;
      if (!current) return `${what} name '${name}', instance ID '${instanceId}', but the current replay execution hasn't (yet?) scheduled this task. ${ASK}`;
      if (current.type !== 'SendEventOrchestratorAction') {
        return `${what}, name '${name}', instance ID '${instanceId}', but the current orchestration replay instead scheduled a ${current.type} task at this sequence number. ${ASK}`;
      }
      if (!same(name, current.eventName)) {
        return `${what}, name '${name}', instance ID '${instanceId}'), but the current orchestration replay instead scheduled a send event task with name ${current.eventName}at this sequence number. ${ASK}`;
      }
      return undefined;
    }
  }
}
