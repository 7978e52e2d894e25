/**
 * Registers an activity under its contract name and applies the boundary rules in one place:
 * expected failures (a non-retryable AppError) become values, retryable ones are rethrown with
 * their code for the durable retry policy, and anything unknown is logged without its text (SDK
 * errors can carry request ids and URLs) and rethrown as a retryable InternalError.
 */
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ActivityInput, ActivityName, ActivityOutput } from '../lib/activityContracts';
import { getConfig, type AppConfig } from '../lib/config';
import { AppError } from '../lib/errors';
import { fail } from '../lib/outcome';

/**
 * What crosses the boundary when an activity throws: the coded message only. The durable host
 * stores an error's stack as the failure's details (visible in the instance history), and an SDK
 * error may carry request ids or URLs, so neither the cause nor a stack goes with it.
 */
function boundaryError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

export type ActivityImpl<K extends ActivityName> = (input: ActivityInput<K>, config: AppConfig, context: InvocationContext) => Promise<ActivityOutput<K>>;

export function defineActivity<K extends ActivityName>(name: K, impl: ActivityImpl<K>): ActivityImpl<K> {
  df.app.activity(name, {
    handler: async (input: unknown, context: InvocationContext) => {
      try {
        return await impl(input as ActivityInput<K>, getConfig(), context);
      } catch (error) {
        if (error instanceof AppError) {
          context.warn(`${name}: ${error.message}`);
          if (!error.retryable) return fail(error.code, error.detail);
          throw boundaryError(error.message);
        }
        const kind = error instanceof Error ? error.name : typeof error;
        const code = (error as { code?: unknown }).code;
        context.error(`${name}: unexpected ${kind}${typeof code === 'string' ? ` (${code})` : ''}`);
        throw boundaryError(new AppError('InternalError', `${name} failed unexpectedly`, true).message);
      }
    },
  });
  return impl;
}
