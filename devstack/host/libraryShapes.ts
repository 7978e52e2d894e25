/**
 * Shapes read from durable-functions' objects (3.5) and the small codecs around them. They are
 * internals: when the library changes them the harness fails with a HarnessError naming what it
 * could not find.
 */
import { ActionType, OUT_OF_PROC_DATA_LABEL } from './wire';
import { errorMessage } from './values';

export interface LibAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: Date;
  isCanceled?: boolean;
  compoundActions?: LibAction[];
  externalEventName?: string;
  retryOptions?: LibRetryOptions;
  // CallEntityAction / SignalEntityAction (instanceId is the entity's @name@key)
  operation?: string;
  // LockEntitiesAction
  lockRequestId?: string;
  lockSet?: Array<{ name: string; key: string }>;
}

export interface LibRetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

export interface LibTask {
  id: number | string | false;
  actionObj: LibAction | 'noOp' | undefined;
  parent?: LibTask;
  /** CompoundTask (WhenAll, WhenAny, RetryableTask, LongTimerTask): its tasks, in the order they were added. */
  children?: LibTask[];
  // RetryableTask
  isWaitingOnTimer?: boolean;
  attemptNumber?: number;
  retryOptions?: LibRetryOptions;
}

export interface LibExecutor {
  openTasks: Record<string, LibTask>;
  /** The next task id (TaskOrchestrationExecutor.sequenceNumber). */
  sequenceNumber?: number;
  recordFireAndForgetAction?: (action: LibAction, increment?: number) => unknown;
}

export interface OrchestratorState {
  isDone: boolean;
  actions: unknown[];
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

/** Action inputs: a string is JSON-encoded by the library (`Utils.processInput`), anything else is not. */
export function decodeActionInput(input: unknown): unknown {
  return typeof input === 'string' ? JSON.parse(input) : input;
}

export function encodeActionInput(input: unknown): string | undefined {
  return input === undefined ? undefined : typeof input === 'string' ? input : JSON.stringify(input);
}

export function flattenActions(actions: unknown): LibAction[] {
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

export function isRetryable(task: LibTask | undefined): task is LibTask & { retryOptions: LibRetryOptions } {
  return !!task && typeof task.retryOptions === 'object' && typeof task.isWaitingOnTimer === 'boolean';
}

/** The delay DTFx's RetryInterceptor waits after failed attempt `attempt` (1-based). */
export function retryDelayMs(options: LibRetryOptions, attempt: number): number {
  const coefficient = typeof options.backoffCoefficient === 'number' ? options.backoffCoefficient : 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, attempt - 1);
  const max = options.maxRetryIntervalInMilliseconds;
  return typeof max === 'number' && max > 0 ? Math.min(delay, max) : delay;
}

export function parseOrchestrationFailure(error: unknown): { message: string; state?: OrchestratorState } {
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
