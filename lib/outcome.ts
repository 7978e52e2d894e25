/**
 * What an activity returns. Expected failures (DNS points elsewhere, the CA refused) are values;
 * an activity throws only what a durable retry can cure.
 */
import type { ErrorCode } from './status';

export type Failure = { readonly ok: false; readonly code: ErrorCode; readonly message: string };
export type Outcome<T extends object = object> = ({ readonly ok: true } & T) | Failure;

export function fail(code: ErrorCode, message: string): Failure {
  return { ok: false, code, message };
}
