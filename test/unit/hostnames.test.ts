import { describe, expect, it } from 'vitest';
import { parseHostname } from '../../lib/hostnames';

describe('parseHostname', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['  www.example.com ', 'www.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['a-b.example.com', 'a-b.example.com'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
  ])('normalises %s to %s', (input, expected) => {
    expect(parseHostname(input)).toEqual({ ok: true, hostname: expected });
  });

  it.each([
    ['*.example.com', /wildcard/],
    ['192.0.2.10', /IP address/],
    ['2001:db8::1', /IP address/],
    ['[2001:db8::1]', /IP address/],
    ['under_score.example.com', /underscore/],
    [`${'a'.repeat(64)}.example.com`, /longer than 63/],
    [`${'abcdefghi.'.repeat(25)}example.com`, /longer than 253/],
    ['localhost', /two labels/],
    ['-bad.example.com', /invalid label/],
    ['bad-.example.com', /invalid label/],
    ['a..b.com', /empty label|not a valid/],
    ['https://example.com/', /not a URL/],
    ['example.123', /all-numeric|not a valid/],
    ['', /empty/],
  ])('rejects %s', (input, reason) => {
    expect(parseHostname(input)).toMatchObject({ ok: false, code: 'InvalidInput', message: expect.stringMatching(reason) });
  });

  it('rejects values that are not strings', () => {
    expect(parseHostname(42).ok).toBe(false);
    expect(parseHostname({ hostname: 'a.com' }).ok).toBe(false);
    expect(parseHostname(null).ok).toBe(false);
  });
});
