import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, parseHostnameEntries, parseJsonBody } from '../../lib/requests';

function parse(text: string, max = 5) {
  const body = parseJsonBody(text, 'application/json');
  if (!body.ok) return body;
  return parseHostnameEntries(body.value, { max });
}

describe('starter request parsing', () => {
  it('accepts the documented body and normalises names', () => {
    const result = parse('{"hostnames":[{"hostname":"WWW.Contoso.com."},{"hostname":"bücher.de"}]}');
    expect(result).toEqual({
      ok: true,
      value: [
        { hostname: 'www.contoso.com', fields: {} },
        { hostname: 'xn--bcher-kva.de', fields: {} },
      ],
    });
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
    ['{"hostnames":[{"hostname":"*.a.com"}]}', /wildcard/],
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

describe('error messages never echo what looks like a secret', () => {
  const ecKey = (require('node:crypto') as typeof import('node:crypto'))
    .generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  const base64 = ecKey.replace(/-----[^-]+-----|\s/g, '');
  /** Every 8-character window of the key's base64: none may appear in a message. */
  const windows = Array.from({ length: base64.length - 8 }, (_, i) => base64.slice(i, i + 8));

  it.each([
    ['a SEC1 EC private key pasted as the hostname', { hostnames: [{ hostname: ecKey }] }],
    ['the same key as one line', { hostnames: [{ hostname: base64 }] }],
    ['the key as an unknown field name', { hostnames: [{ hostname: 'a.contoso.com', [base64.slice(0, 60)]: 1 }] }],
    ['the key as a top-level field name', { [base64.slice(10, 70)]: true, hostnames: [] }],
  ])('%s', (_what, body) => {
    const result = parse(JSON.stringify(body));
    expect(result.ok).toBe(false);
    const text = JSON.stringify(result);
    for (const window of windows) expect(text).not.toContain(window);
  });

  it('still shows a short plain hostname it refuses', () => {
    expect(parse(JSON.stringify({ hostnames: [{ hostname: 'bad_name.contoso.com' }] }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('"bad_name.contoso.com"'),
    });
  });
});
