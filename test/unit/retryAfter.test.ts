/**
 * Retry-After as the ACME transport reads it (RFC 9110 §10.2.3): delay-seconds or an HTTP-date in
 * any of its three forms (§5.6.7), rounded up so that no wait ends early; anything else is ignored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_SECONDS, headerSeconds } from '../../lib/retryAfter';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0, 400);

describe('a Retry-After header', () => {
  it.each([
    ['3', 3],
    [' 3 ', 3],
    ['0', 0],
    ['Mon, 30 Nov 2026 12:00:05 GMT', 5],
    ['Monday, 30-Nov-26 12:00:05 GMT', 5],
    ['Mon Nov 30 12:00:05 2026', 5],
    ['Mon, 30 Nov 2026 12:00:00 GMT', 0],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['99999999999999999999', MAX_RETRY_AFTER_SECONDS],
    ['\t7 ', 7],
    // A leap second: the instant after 23:59:59.
    ['Mon, 30 Nov 2026 23:59:60 GMT', 43_200],
    // Two-digit years: 2076 would be more than 50 years ahead by a month, so it is 1976.
    ['Friday, 31-Dec-76 23:59:59 GMT', 0],
    // 2075 is 49 years ahead: it stays 2075, and the cap applies.
    ['Saturday, 30-Nov-75 12:00:05 GMT', MAX_RETRY_AFTER_SECONDS],
  ])('%j is %d s from now', (header, seconds) => {
    expect(headerSeconds(header, NOW)).toBe(seconds);
  });

  it.each([
    '',
    '1.5',
    '-5',
    '+5',
    '0x10',
    '1e3',
    'retry in 2030',
    'garbage 99999',
    'Mon, 31 Feb 2026 12:00:05 GMT',
    'Mon, 30 Nov 2026 25:00:05 GMT',
    '30 Nov 2026',
  ])('%j is no Retry-After', (header) => {
    expect(headerSeconds(header, NOW)).toBeUndefined();
  });

  it('is none when the header is not one string', () => {
    expect(headerSeconds(['3', '4'], NOW)).toBeUndefined();
    expect(headerSeconds(undefined, NOW)).toBeUndefined();
  });

  it('never ends a wait before the date it names, nor a second after', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), fc.integer({ min: 0, max: 999 }), (aheadMs, nowFraction) => {
        const now = Date.UTC(2026, 0, 1) + nowFraction;
        // HTTP-dates have whole seconds: the date named is a whole second at or after now + aheadMs.
        const at = Math.ceil((now + aheadMs) / 1000) * 1000;
        const seconds = headerSeconds(new Date(at).toUTCString(), now)!;
        expect(now + seconds * 1000).toBeGreaterThanOrEqual(at);
        expect(now + seconds * 1000 - at).toBeLessThan(1000);
      }),
    );
  });

  it('reads any delay-seconds as itself, up to the cap', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(headerSeconds(String(n), NOW)).toBe(Math.min(n, MAX_RETRY_AFTER_SECONDS));
      }),
    );
  });
});
