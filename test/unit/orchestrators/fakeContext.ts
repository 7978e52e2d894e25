/**
 * Runs an orchestrator generator against a scripted, in-memory durable context: no servers, no
 * replay engine. Activities and sub-orchestrations answer from a script (a thrown error is an
 * activity that failed after its retries), timers move a virtual clock, and every call, timer
 * and customStatus is recorded so a test can assert the orchestrator's branch.
 *
 * The durable engine's own behaviour (replay, history, retries) is covered by the devstack host
 * tests; this is for the orchestrators' decisions.
 */
import { createHash } from 'node:crypto';
import type { EntityContext, OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { ActivityInput, ActivityName, ActivityOutput } from '../../../lib/activityContracts';
import type { OrchestratorInput, OrchestratorName, OrchestratorOutput } from '../../../orchestrators/contracts';
import { GATEWAY_QUEUE_ENTITY, gatewayQueueEntity } from '../../../orchestrators/gatewayQueueEntity';
import { CERTIFICATE_CLAIM_ENTITY, certificateClaimEntity } from '../../../orchestrators/certificateClaimEntity';
import { ACME_ORDER_LEDGER_ENTITY } from '../../../orchestrators/acmeOrderLedger';
import { acmeOrderLedgerEntity } from '../../../orchestrators/acmeOrderLedgerEntity';

export type ActivityScript = { [K in ActivityName]?: (input: ActivityInput<K>, call: number) => ActivityOutput<K> };
export type SubOrchestrationScript = { [K in OrchestratorName]?: (input: OrchestratorInput<K>, instanceId: string) => OrchestratorOutput<K> };

export type Call =
  | { readonly kind: 'activity'; readonly name: ActivityName; readonly input: unknown }
  | { readonly kind: 'subOrchestration'; readonly name: OrchestratorName; readonly input: unknown; readonly instanceId: string }
  | { readonly kind: 'timer'; readonly seconds: number }
  | { readonly kind: 'entity'; readonly entity: string; readonly operation: string; readonly input: unknown; readonly signal: boolean }
  | { readonly kind: 'all'; readonly names: readonly string[] }
  | { readonly kind: 'any'; readonly names: readonly string[] };

interface FakeTask extends Task {
  readonly run: () => unknown;
  readonly kind: 'activity' | 'subOrchestration' | 'timer' | 'all' | 'any' | 'entity';
  readonly children?: FakeTask[];
  readonly fireAt?: Date;
}

export interface FakeRun {
  /** What the orchestrator returned, or undefined when it threw. */
  readonly output: unknown;
  /** What it threw, if it did. */
  readonly error?: Error;
  readonly calls: Call[];
  readonly statuses: unknown[];
  readonly lastStatus: unknown;
  readonly entityStates: Map<string, unknown>;
  /** Activity names in the order they were scheduled. */
  activityNames(): string[];
  inputsOf<K extends ActivityName>(name: K): ActivityInput<K>[];
}

/** An entity function as registered with df.app.entity; it runs against state kept by the fake. */
export type EntityFunction = (context: EntityContext<unknown>) => void;

/** The app's own entities, used unless a test passes others. */
export const APP_ENTITIES: Record<string, EntityFunction> = {
  [GATEWAY_QUEUE_ENTITY]: gatewayQueueEntity as EntityFunction,
  [CERTIFICATE_CLAIM_ENTITY]: certificateClaimEntity as EntityFunction,
  [ACME_ORDER_LEDGER_ENTITY]: acmeOrderLedgerEntity as EntityFunction,
};

export interface FakeOptions<K extends OrchestratorName> {
  readonly name: K;
  readonly input: OrchestratorInput<K>;
  readonly activities: ActivityScript;
  readonly subOrchestrations?: SubOrchestrationScript;
  /** Entity functions by name; their states live in `entityStates` (shared across runs when passed in). */
  readonly entities?: Record<string, EntityFunction>;
  readonly entityStates?: Map<string, unknown>;
  readonly instanceId?: string;
  readonly start?: Date;
  /** Guards against an orchestrator that never ends. */
  readonly maxSteps?: number;
}

/** The fake's newGuid: a GUID-shaped hash of the name (the real one also depends only on instance and name). */
export function fakeGuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function runOrchestrator<K extends OrchestratorName>(handler: OrchestrationHandler, options: FakeOptions<K>): FakeRun {
  let now = options.start ?? new Date('2030-01-01T00:00:00Z');
  const calls: Call[] = [];
  const statuses: unknown[] = [];
  const counts = new Map<string, number>();
  const instanceId = options.instanceId ?? 'fake-instance';

  const settle = (task: FakeTask): void => {
    if (task.isCompleted) return;
    try {
      task.result = task.run();
      task.isFaulted = false;
    } catch (error) {
      task.result = error;
      task.isFaulted = true;
    }
    task.isCompleted = true;
  };
  const make = (kind: FakeTask['kind'], run: () => unknown, extra: Partial<FakeTask> = {}): FakeTask =>
    ({ kind, run, isCompleted: false, isFaulted: false, result: undefined, ...extra }) as FakeTask;

  const entityStates = options.entityStates ?? new Map<string, unknown>();
  /** Runs one entity operation the way the extension does: state in, state and answer out, as JSON. */
  const runEntity = (entityId: { name: string; key: string }, operation: string, input: unknown, signal: boolean): unknown => {
    const id = `@${entityId.name.toLowerCase()}@${entityId.key}`;
    calls.push({ kind: 'entity', entity: id, operation, input, signal });
    const fn = (options.entities ?? APP_ENTITIES)[entityId.name];
    if (!fn) throw new Error(`fake context: no entity ${entityId.name}`);
    let state = entityStates.has(id) ? JSON.parse(JSON.stringify(entityStates.get(id))) : undefined;
    let answer: unknown;
    fn({
      df: {
        operationName: operation,
        isNewlyConstructed: state === undefined,
        getState: (init?: () => unknown) => (state ??= init?.()),
        setState: (next: unknown) => {
          state = next;
        },
        getInput: () => JSON.parse(JSON.stringify(input ?? null)),
        return: (value: unknown) => {
          answer = value;
        },
        destructOnExit: () => {
          state = undefined;
        },
      },
    } as unknown as EntityContext<unknown>);
    if (state === undefined) entityStates.delete(id);
    else entityStates.set(id, JSON.parse(JSON.stringify(state)));
    return JSON.parse(JSON.stringify(answer ?? null));
  };

  const df = {
    instanceId,
    callEntity: (entityId: { name: string; key: string }, operation: string, input: unknown) =>
      make('entity', () => runEntity(entityId, operation, input, false)),
    signalEntity: (entityId: { name: string; key: string }, operation: string, input: unknown) => {
      runEntity(entityId, operation, input, true);
    },
    isReplaying: false,
    get currentUtcDateTime() {
      return now;
    },
    getInput: () => structuredClone(options.input),
    setCustomStatus: (status: unknown) => {
      // The host stores customStatus as JSON: what a poller sees is the round trip.
      statuses.push(JSON.parse(JSON.stringify(status)));
    },
    newGuid: fakeGuid,
    callActivityWithRetry: (name: ActivityName, _retry: unknown, input: unknown) =>
      make('activity', () => {
        calls.push({ kind: 'activity', name, input });
        const call = (counts.get(name) ?? 0) + 1;
        counts.set(name, call);
        const script = options.activities[name] as ((input: unknown, call: number) => unknown) | undefined;
        if (!script) throw new Error(`fake context: no script for activity ${name}`);
        // Activity outputs cross the boundary as JSON.
        return JSON.parse(JSON.stringify(script(JSON.parse(JSON.stringify(input)), call)) ?? 'null');
      }),
    callSubOrchestrator: (name: OrchestratorName, input: unknown, childId: string) =>
      make('subOrchestration', () => {
        calls.push({ kind: 'subOrchestration', name, input, instanceId: childId });
        const script = options.subOrchestrations?.[name] as ((input: unknown, id: string) => unknown) | undefined;
        if (!script) throw new Error(`fake context: no script for sub-orchestration ${name}`);
        return JSON.parse(JSON.stringify(script(JSON.parse(JSON.stringify(input)), childId)));
      }),
    createTimer: (fireAt: Date) =>
      make(
        'timer',
        () => {
          calls.push({ kind: 'timer', seconds: (fireAt.getTime() - now.getTime()) / 1000 });
          if (fireAt > now) now = fireAt;
          return undefined;
        },
        { fireAt },
      ),
    Task: {
      all: (tasks: FakeTask[]) =>
        make(
          'all',
          () => {
            calls.push({ kind: 'all', names: tasks.map((t) => t.kind) });
            tasks.forEach(settle);
            const failed = tasks.find((t) => t.isFaulted);
            if (failed) throw failed.result;
            return tasks.map((t) => t.result);
          },
          { children: tasks },
        ),
      any: (tasks: FakeTask[]) =>
        make(
          'any',
          () => {
            // Task.any schedules every task; the first in the list ends first (deterministic, and
            // enough to test the bookkeeping), the others have run by the time they are read.
            calls.push({ kind: 'any', names: tasks.map((t) => t.kind) });
            const winner = tasks[0];
            if (!winner) throw new Error('fake context: Task.any of nothing');
            tasks.forEach(settle);
            return winner;
          },
          { children: tasks },
        ),
    },
  };
  const context = { df, log: () => undefined, warn: () => undefined, error: () => undefined } as unknown as OrchestrationContext;

  const generator = handler(context) as Generator<Task, unknown, unknown>;
  let output: unknown;
  let error: Error | undefined;
  let next: IteratorResult<Task, unknown>;
  let steps = 0;
  try {
    next = generator.next();
    while (!next.done) {
      if ((steps += 1) > (options.maxSteps ?? 10_000)) throw new Error('fake context: the orchestrator did not end');
      const task = next.value as FakeTask;
      settle(task);
      next = task.isFaulted ? generator.throw(task.result) : generator.next(task.result);
    }
    output = next.value;
  } catch (thrown) {
    error = thrown as Error;
  }

  return {
    output,
    ...(error ? { error } : {}),
    calls,
    statuses,
    lastStatus: statuses[statuses.length - 1],
    entityStates,
    activityNames: () => calls.flatMap((c) => (c.kind === 'activity' ? [c.name] : [])),
    inputsOf: <N extends ActivityName>(name: N) => calls.flatMap((c) => (c.kind === 'activity' && c.name === name ? [c.input as ActivityInput<N>] : [])),
  };
}

/** A failure an activity throws once its retries are spent, in the coded form activities use. */
export function activityFailure(code: string, message: string): Error {
  return new Error(`[${code}] ${message}`);
}
