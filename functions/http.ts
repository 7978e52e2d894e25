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

/**
 * Reads the body, refusing it with 413 as soon as it passes MAX_BODY_BYTES — declared or not: a
 * body sent without Content-Length (chunked) is read chunk by chunk and never buffered past the bound.
 */
export async function readBody(request: HttpRequest): Promise<{ ok: true; text: string } | { ok: false; response: HttpResponseInit }> {
  const tooLarge = { ok: false as const, response: errorResponse(413, 'PayloadTooLarge', `The body is larger than ${MAX_BODY_BYTES} bytes`) };
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return tooLarge;
  try {
    if (!request.body) return { ok: true, text: '' };
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        return tooLarge;
      }
      chunks.push(value);
    }
    return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
  } catch {
    return { ok: false, response: errorResponse(400, 'InvalidInput', 'The body could not be read') };
  }
}

/** Runs a starter; an AppError escaping it (e.g. the durable status could not be read) becomes a coded 503. */
export async function answerErrors(
  run: () => HttpResponseInit | HttpResponse | Promise<HttpResponseInit | HttpResponse>,
): Promise<HttpResponseInit | HttpResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError && error.retryable) return errorResponse(503, 'ServiceUnavailable', error.detail);
    throw error;
  }
}
