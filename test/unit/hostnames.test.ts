import { describe, expect, it } from 'vitest';
import { parseHostname } from '../../lib/hostnames';

describe('parseHostname', () => {
  it.each([
    ['Contoso.COM', 'contoso.com'],
    ['contoso.com.', 'contoso.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['Bücher.De.', 'xn--bcher-kva.de'],
    ['a-b.contoso.com', 'a-b.contoso.com'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['東京.jp', 'xn--1lqs71d.jp'],
    ['straße.de', 'xn--strae-oqa.de'],
    [`${'a'.repeat(63)}.contoso.com`, `${'a'.repeat(63)}.contoso.com`],
  ])('takes %s as %s (only case, one trailing dot and punycode change)', (input, expected) => {
    expect(parseHostname(input)).toEqual({ ok: true, hostname: expected });
  });

  it.each([
    ['*.contoso.com', /wildcard/],
    ['192.0.2.10', /IP address/],
    ['2001:db8::1', /IP address/],
    ['[2001:db8::1]', /IP address/],
    ['under_score.contoso.com', /underscore/],
    [`${'a'.repeat(64)}.contoso.com`, /longer than 63/],
    [`${'abcdefghi.'.repeat(25)}contoso.com`, /longer than 253/],
    ['intranet', /two labels/],
    ['-bad.contoso.com', /invalid label/],
    ['bad-.contoso.com', /invalid label/],
    ['a..b.com', /empty label|not a valid/],
    ['https://contoso.com/', /not a URL/],
    ['contoso.123', /all-numeric|not a valid/],
    ['', /empty/],
    ['  www.contoso.com ', /whitespace/],
    // IDNA would map these to other names: refused rather than silently rewritten.
    ['ｗｗｗ.contoso.com', /rewritten by IDNA to a different name \(www\.contoso\.com\)/],
    ['soft\u00adhyphen.contoso.com', /rewritten by IDNA/],
    ['www\u3002contoso.com', /rewritten by IDNA/],
    // Latin "p" and "a" with Cyrillic "а" (U+0430) in one label.
    ['p\u0430ypal.com', /mixes scripts/],
    ['www.contoso.test', /special-use name "test"/],
    ['printer.local', /special-use name "local"/],
    ['db.internal', /special-use name "internal"/],
    ['www.example.com', /special-use name "example\.com"/],
    ['a.localhost', /special-use name "localhost"/],
    ['nas.home.arpa', /special-use name "home\.arpa"/],
  ])('refuses %s', (input, reason) => {
    expect(parseHostname(input)).toMatchObject({ ok: false, code: 'InvalidInput', message: expect.stringMatching(reason) });
  });

  it('accepts the script mixes UTS #39 allows in one label (Japanese: Han, Hiragana, Katakana, Latin)', () => {
    expect(parseHostname('ひらがなカタカナ漢字abc.jp')).toMatchObject({ ok: true, hostname: expect.stringMatching(/^xn--.*\.jp$/) });
  });

  it('accepts special-use names only when allowed (a test CA)', () => {
    expect(parseHostname('www.contoso.test', { allowReserved: true })).toEqual({ ok: true, hostname: 'www.contoso.test' });
  });

  it('never repeats a long or odd label in its refusal', () => {
    const keyLike = `MHcCAQEEIBkLcj6${'a'.repeat(60)}Zq`;
    const refusal = parseHostname(`${keyLike}.contoso.com`);
    expect(refusal.ok).toBe(false);
    expect(JSON.stringify(refusal)).not.toMatch(/mhccaqeeibklcj6/i);
  });

  it('rejects values that are not strings', () => {
    expect(parseHostname(42).ok).toBe(false);
    expect(parseHostname({ hostname: 'a.com' }).ok).toBe(false);
    expect(parseHostname(null).ok).toBe(false);
  });
});
