/**
 * Errors that cross the durable boundary. Error classes do not survive it (an activity failure
 * reaches the orchestrator as `Error(reason + details)`), so the code travels inside the message
 * as a `[Code]` prefix and is parsed back on the other side.
 */
import { ErrorCode, ErrorCodes, isErrorCode } from './status';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** True when trying again later can help (throttling, a busy gateway, a flaky network). */
    readonly retryable = false,
  ) {
    super(`[${code}] ${message}`);
  }

  /** The message without the code prefix: what a person reads. */
  get detail(): string {
    return this.message.replace(/^\[[A-Za-z]+\] /, '');
  }
}

export interface CodedFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Recovers code and message from anything an activity or sub-orchestration threw. Unknown errors
 * become `InternalError` with a generic message: their text may hold SDK dumps, URLs with
 * tokens or stack traces, none of which belong in `customStatus`.
 */
export function toCodedFailure(error: unknown): CodedFailure {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const match = /\[([A-Za-z]+)\] ([^\n]*)/.exec(text);
  if (match && isErrorCode(match[1])) {
    return { code: match[1], message: (match[2] ?? '').trim() };
  }
  return { code: ErrorCodes.InternalError, message: 'An unexpected error occurred; see the function logs for details.' };
}

/** @azure/identity's errors carry no HTTP status; retrying them does not help. */
export function isCredentialError(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? '';
  return name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError';
}

/**
 * The value of a settled read, or its error thrown: reads made at once (Promise.allSettled) and
 * then taken one by one in the order they would have been made one after another answer exactly
 * as those sequential reads did, whichever of them failed first in time.
 */
export function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
