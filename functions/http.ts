/** HTTP plumbing shared by the starters: JSON error bodies that carry a code and never a stack trace. */
import { HttpRequest, HttpResponse, HttpResponseInit } from '@azure/functions';
import { AppError } from '../lib/errors';
import type { ErrorCode } from '../lib/status';
import { MAX_BODY_BYTES } from '../lib/requests';

/** HTTP-only codes next to the customStatus vocabulary: a running duplicate (409), an oversized body (413), a status read that failed (503). */
export type HttpErrorCode = ErrorCode | 'Conflict' | 'PayloadTooLarge' | 'ServiceUnavailable';

export function errorResponse(status: number, code: HttpErrorCode, message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error: { code, message }, ...extra }, headers: { 'Content-Type': 'application/json' } };
}

/** Reads at most MAX_BODY_BYTES + 1 so an oversized body is refused without buffering all of it. */
export async function readBody(request: HttpRequest): Promise<{ ok: true; text: string } | { ok: false; response: HttpResponseInit }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return { ok: false, response: errorResponse(413, 'PayloadTooLarge', `The body is larger than ${MAX_BODY_BYTES} bytes`) };
  try {
    return { ok: true, text: await request.text() };
  } catch {
    return { ok: false, response: errorResponse(400, 'InvalidInput', 'The body could not be read') };
  }
}

/** Runs a starter; an AppError escaping it (e.g. the durable status could not be read) becomes a coded 503. */
export async function answerErrors(run: () => HttpResponseInit | HttpResponse | Promise<HttpResponseInit | HttpResponse>): Promise<HttpResponseInit | HttpResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError && error.retryable) return errorResponse(503, 'ServiceUnavailable', error.detail);
    throw error;
  }
}
