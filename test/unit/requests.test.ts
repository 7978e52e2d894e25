import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, parseHostnameEntries, parseJsonBody } from '../../lib/requests';

function parse(text: string, max = 5) {
  const body = parseJsonBody(text, 'application/json');
  if (!body.ok) return body;
  return parseHostnameEntries(body.value, { max });
}

describe('starter request parsing', () => {
  it('accepts the documented body and normalises names', () => {
    const result = parse('{"hostnames":[{"hostname":"WWW.Example.com."},{"hostname":"bücher.example"}]}');
    expect(result).toEqual({ ok: true, value: [
      { hostname: 'www.example.com', fields: {} },
      { hostname: 'xn--bcher-kva.example', fields: {} },
    ] });
  });

  it.each([
    ['', /empty/],
    ['{', /not valid JSON/],
    ['[]', /JSON object/],
    ['{}', /"hostnames" is required/],
    ['{"hostnames":"a.com"}', /must be an array/],
    ['{"hostnames":[]}', /must not be empty/],
    ['{"hostnames":["a.com"]}', /must be an object/],
    ['{"hostnames":[{"hostname":["a.com"]}]}', /must be a string/],
    ['{"hostnames":[{"hostname":"a.com","extra":1}]}', /unknown field "extra"/],
    ['{"hostnames":[{"hostname":"a.com"}],"other":true}', /Unknown field "other"/],
    ['{"hostnames":[{"hostname":"A.com"},{"hostname":"a.COM."}]}', /duplicates hostnames\[0\]/],
    ['{"hostnames":[{"hostname":"*.a.com"}]}', /wildcards/],
    ['{"__proto__":{"polluted":1},"hostnames":[{"hostname":"a.com"}]}', /forbidden key/],
    ['{"hostnames":[{"hostname":"a.com","constructor":{"prototype":{}}}]}', /forbidden key/],
  ])('rejects %s', (text, message) => {
    expect(parse(text)).toMatchObject({ ok: false, code: 'InvalidInput', message: expect.stringMatching(message) });
  });

  it('enforces the per-request limit', () => {
    const list = Array.from({ length: 6 }, (_, i) => ({ hostname: `h${i}.example.com` }));
    expect(parse(JSON.stringify({ hostnames: list }), 5)).toMatchObject({ ok: false, message: expect.stringMatching(/at most 5/) });
  });

  it('refuses other content types and oversized bodies', () => {
    expect(parseJsonBody('{}', 'text/plain').ok).toBe(false);
    expect(parseJsonBody(' '.repeat(MAX_BODY_BYTES + 1), 'application/json').ok).toBe(false);
    expect(parseJsonBody('{}', 'application/json; charset=utf-8').ok).toBe(true);
  });
});
