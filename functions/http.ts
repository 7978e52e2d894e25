/** HTTP plumbing shared by the starters: JSON error bodies that carry a code and never a stack trace. */
import { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ErrorCode } from '../lib/status';
import { MAX_BODY_BYTES } from '../lib/requests';

export function errorResponse(status: number, code: ErrorCode | 'Conflict' | 'PayloadTooLarge', message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
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
