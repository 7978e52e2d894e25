import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../functions/http';
import { MAX_BODY_BYTES } from '../../lib/requests';

const request = (body: string, headers: Record<string, string> = {}) =>
  new HttpRequest({ method: 'POST', url: 'http://localhost/api/x', headers, body: { string: body } });

describe('reading a starter body', () => {
  it('answers 413 for an oversized body sent without Content-Length, not 400', async () => {
    const req = request('x'.repeat(200_000));
    expect(req.headers.get('content-length')).toBeNull();
    const result = await readBody(req);
    expect(result).toMatchObject({ ok: false, response: { status: 413, jsonBody: { error: { code: 'PayloadTooLarge' } } } });
  });

  it('answers 413 from a declared Content-Length without reading the body', async () => {
    const result = await readBody(request('{}', { 'content-length': String(MAX_BODY_BYTES + 1) }));
    expect(result).toMatchObject({ ok: false, response: { status: 413 } });
  });

  it('reads a body up to the bound, multi-byte characters included', async () => {
    const text = JSON.stringify({ hostnames: [{ hostname: 'bücher.example' }] });
    expect(await readBody(request(text))).toEqual({ ok: true, text });
    const exact = 'é'.repeat(MAX_BODY_BYTES / 2);
    expect(await readBody(request(exact))).toEqual({ ok: true, text: exact });
  });
});
