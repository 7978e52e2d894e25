import { describe, expect, it } from 'vitest';
import { judgeResolution } from '../../lib/dnsCheck';

const GW4 = '203.0.113.10';
const GW6 = '2001:db8::10';

describe('does a hostname lead to the gateway, and only to it', () => {
  it('accepts A → the gateway without AAAA, and reaches it over IPv4', () => {
    expect(judgeResolution('a.contoso.com', { chain: ['a.contoso.com'], addresses: [GW4], addresses6: [] }, GW4)).toEqual({ ok: true, reachable: [GW4] });
  });

  it('refuses an AAAA record to another server, naming it, even when the A record is right', () => {
    const verdict = judgeResolution('a.contoso.com', { chain: ['a.contoso.com', 'edge.cdn.example'], addresses: [GW4], addresses6: ['2001:db8::99'] }, GW4, [
      GW4,
    ]);
    expect(verdict).toMatchObject({
      ok: false,
      code: 'HostnameNotResolvingToApplicationGateway',
      message: expect.stringMatching(/via edge\.cdn\.example.*IPv6 address 2001:db8::99.*tries IPv6 first/),
    });
  });

  it("accepts AAAA → one of the gateway's own frontends (written any way), and reaches it over IPv6 first", () => {
    const verdict = judgeResolution('a.contoso.com', { chain: ['a.contoso.com'], addresses: [GW4], addresses6: ['2001:0db8:0000::0010'] }, GW4, [GW4, GW6]);
    expect(verdict).toEqual({ ok: true, reachable: ['2001:0db8:0000::0010', GW4] });
  });

  it('refuses an extra A record to another server beside the gateway, naming it (the CA may pick it)', () => {
    expect(judgeResolution('a.contoso.com', { chain: ['a.contoso.com'], addresses: ['198.51.100.7', GW4], addresses6: [] }, GW4)).toMatchObject({
      ok: false,
      code: 'HostnameNotResolvingToApplicationGateway',
      message: expect.stringMatching(/also resolves to 198\.51\.100\.7/),
    });
  });

  it('refuses a name without the gateway in its A records', () => {
    expect(judgeResolution('a.contoso.com', { chain: ['a.contoso.com'], addresses: [], addresses6: [GW6] }, GW4, [GW4, GW6])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/does not resolve to any IPv4/),
    });
  });
});
