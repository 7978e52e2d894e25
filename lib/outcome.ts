/**
 * The one result shape. Expected failures (DNS points elsewhere, the CA refused, bad input) are
 * values; only what a retry can cure is thrown. Success carries its fields flat beside `ok`, so
 * activity outputs stay plain JSON across the durable boundary.
 */
import type { ErrorCode } from './status';

export interface Failure {
  readonly ok: false;
  readonly code: ErrorCode;
  /** What a person reads: names the thing and the fix, never a secret. */
  readonly message: string;
  /** When the refusal lifts (a CA's Retry-After, in seconds), if the peer said so. */
  readonly retryAfterSeconds?: number;
}

export type Outcome<T extends object = object> = ({ readonly ok: true } & T) | Failure;

export function fail(code: ErrorCode, message: string, retryAfterSeconds?: number): Failure {
  return retryAfterSeconds === undefined ? { ok: false, code, message } : { ok: false, code, message, retryAfterSeconds };
}

/** The success case of an Outcome with these fields. */
export function ok<T extends object>(fields: T): { readonly ok: true } & T {
  return { ok: true, ...fields };
}
