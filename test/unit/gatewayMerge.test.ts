import { describe, expect, it } from 'vitest';
import type { ApplicationGateway } from '@azure/arm-network';
import { hostname } from '../fixtures/hostnames';
import { MergeResult, choosePriority, mergeBindings, missingBindings } from '../../lib/gatewayMerge';

const GW = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/gw';
const settings = { backendPoolName: 'backend', httpSettingsName: 'http-settings', rulePriorityStart: 100 };

function baseGateway(): ApplicationGateway {
  return {
    id: GW,
    name: 'gw',
    frontendIPConfigurations: [{ name: 'fe', id: `${GW}/frontendIPConfigurations/fe`, publicIPAddress: { id: '/pip' } }],
    frontendPorts: [{ name: 'port_80', id: `${GW}/frontendPorts/port_80`, port: 80 }],
    backendAddressPools: [{ name: 'backend', id: `${GW}/backendAddressPools/backend` }],
    backendHttpSettingsCollection: [{ name: 'http-settings', id: `${GW}/backendHttpSettingsCollection/http-settings` }],
    sslCertificates: [],
    httpListeners: [{ name: 'http', id: `${GW}/httpListeners/http`, protocol: 'Http', frontendPort: { id: `${GW}/frontendPorts/port_80` } }],
    requestRoutingRules: [{ name: 'r', id: `${GW}/requestRoutingRules/r`, priority: 100, ruleType: 'Basic', httpListener: { id: `${GW}/httpListeners/http` } }],
  };
}

const secret = (n: string) => `https://vault.example/secrets/${n}`;

/** Asserts the merge succeeded and returns it. */
function merged(result: MergeResult): Extract<MergeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected a merge, got ${result.code}: ${result.message}`);
  return result;
}

describe('mergeBindings', () => {
  it('adds port 443, a certificate, a listener and a rule with a free priority, keeping what exists', () => {
    const result = mergeBindings(baseGateway(), [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], settings);
    const gw = merged(result).gateway;
    expect(merged(result).changed).toBe(true);
    expect(gw.frontendPorts?.map((p) => p.port)).toEqual([80, 443]);
    expect(gw.sslCertificates).toHaveLength(1);
    expect(gw.sslCertificates?.[0]?.keyVaultSecretId).toBe(secret('a'));
    const https = gw.httpListeners?.find((l) => l.protocol === 'Https');
    expect(https?.hostName).toBe('a.example.com');
    expect(https?.sslCertificate?.id).toBe(gw.sslCertificates?.[0]?.id);
    expect(gw.requestRoutingRules?.map((r) => r.priority)).toEqual([100, 101]);
    expect(gw.httpListeners?.[0]?.name).toBe('http');
  });

  it('is idempotent: merging the same binding twice changes nothing the second time', () => {
    const first = mergeBindings(baseGateway(), [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], settings);
    const second = mergeBindings(merged(first).gateway, [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], settings);
    expect(second).toEqual({ ok: true, changed: false, gateway: merged(first).gateway, refused: [] });
  });

  it('reuses a hand-made HTTPS listener for the hostname instead of adding a duplicate', () => {
    const gw = baseGateway();
    gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: 'manual', id: `${GW}/sslCertificates/manual`, data: 'PFX', password: 'x' });
    gw.httpListeners?.push({
      name: 'manual-l',
      id: `${GW}/httpListeners/manual-l`,
      protocol: 'Https',
      hostName: 'a.example.com',
      frontendPort: { id: `${GW}/frontendPorts/p443` },
      sslCertificate: { id: `${GW}/sslCertificates/manual` },
    });
    gw.requestRoutingRules?.push({ name: 'manual-r', priority: 5, httpListener: { id: `${GW}/httpListeners/manual-l` } });
    const result = mergeBindings(gw, [{ hostname: hostname('A.example.com'), keyVaultSecretId: secret('a') }], settings);
    expect(merged(result).gateway.httpListeners).toHaveLength(2);
    expect(merged(result).gateway.requestRoutingRules).toHaveLength(2);
    expect(merged(result).gateway.sslCertificates).toEqual([{ name: 'manual', id: `${GW}/sslCertificates/manual`, keyVaultSecretId: secret('a') }]);
  });

  it('gives every binding of a batch its own unique priority', () => {
    const bindings = ['a', 'b', 'c'].map((n) => ({ hostname: hostname(`${n}.example.com`), keyVaultSecretId: secret(n) }));
    const result = mergeBindings(baseGateway(), bindings, settings);
    merged(result);
    const priorities = merged(result).gateway.requestRoutingRules?.map((r) => r.priority) ?? [];
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(priorities).toEqual([100, 101, 102, 103]);
  });

  it('reports a missing backend pool instead of writing a broken reference', () => {
    const result = mergeBindings(baseGateway(), [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], {
      ...settings,
      backendPoolName: 'nope',
    });
    expect(result).toEqual({ ok: false, code: 'ApplicationGatewayUpdateFailed', message: expect.stringMatching(/backend pool "nope"/) });
  });
});

describe('choosePriority', () => {
  it('takes the lowest free value from the start, wrapping below it when the top is full', () => {
    expect(choosePriority(new Set([100, 101]), 100)).toBe(102);
    expect(choosePriority(new Set([20000]), 20000)).toBe(1);
    const all = new Set(Array.from({ length: 20000 }, (_, i) => i + 1));
    expect(choosePriority(all, 1)).toBeUndefined();
  });
});

describe('mergeBindings never breaks what others configured', () => {
  it('refuses to take over a hand-made listener that also serves other hostnames', () => {
    const gw = baseGateway();
    gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: 'multi', id: `${GW}/sslCertificates/multi`, keyVaultSecretId: 'https://vault.example/secrets/multi' });
    gw.httpListeners?.push({
      name: 'multi-l',
      id: `${GW}/httpListeners/multi-l`,
      protocol: 'Https',
      hostNames: ['a.example.com', 'b.example.com'],
      frontendPort: { id: `${GW}/frontendPorts/p443` },
      sslCertificate: { id: `${GW}/sslCertificates/multi` },
    });
    const result = mergeBindings(
      gw,
      [
        { hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') },
        { hostname: hostname('c.example.com'), keyVaultSecretId: secret('c') },
      ],
      settings,
    );
    // Refused by name; the other hostname of the same write is still bound.
    expect(merged(result).refused).toEqual([
      { hostname: 'a.example.com', code: 'ApplicationGatewayBindingConflict', message: expect.stringMatching(/together with b\.example\.com/) },
    ]);
    expect(merged(result).gateway.httpListeners?.map((l) => l.name)).toEqual(['http', 'multi-l', 'acme-https-c-example-com']);
    expect(merged(result).gateway.sslCertificates?.find((c) => c.name === 'multi')?.keyVaultSecretId).toBe('https://vault.example/secrets/multi');
  });

  it('keeps a certificate shared with other listeners (a wildcard) and gives the hostname its own', () => {
    const gw = baseGateway();
    gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: 'wild', id: `${GW}/sslCertificates/wild`, keyVaultSecretId: 'https://vault.example/secrets/wild' });
    for (const h of ['a', 'b']) {
      gw.httpListeners?.push({
        name: `${h}-l`,
        id: `${GW}/httpListeners/${h}-l`,
        protocol: 'Https',
        hostName: `${h}.example.com`,
        frontendPort: { id: `${GW}/frontendPorts/p443` },
        sslCertificate: { id: `${GW}/sslCertificates/wild` },
      });
    }
    const result = mergeBindings(gw, [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], settings);
    merged(result);
    const wild = merged(result).gateway.sslCertificates?.find((c) => c.name === 'wild');
    expect(wild?.keyVaultSecretId).toBe('https://vault.example/secrets/wild');
    const a = merged(result).gateway.httpListeners?.find((l) => l.name === 'a-l');
    const b = merged(result).gateway.httpListeners?.find((l) => l.name === 'b-l');
    expect(a?.sslCertificate?.id).not.toBe(`${GW}/sslCertificates/wild`);
    expect(b?.sslCertificate?.id).toBe(`${GW}/sslCertificates/wild`);
  });
});

describe('mergeBindings and listener precedence', () => {
  const withListener = (gw: ApplicationGateway, name: string, priority: number, hosts: string[] | undefined) => {
    if (!gw.frontendPorts?.some((p) => p.port === 443)) gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: `${name}-cert`, id: `${GW}/sslCertificates/${name}-cert`, keyVaultSecretId: `https://vault.example/secrets/${name}` });
    gw.httpListeners?.push({
      name,
      id: `${GW}/httpListeners/${name}`,
      protocol: 'Https',
      frontendIPConfiguration: { id: `${GW}/frontendIPConfigurations/fe` },
      frontendPort: { id: `${GW}/frontendPorts/p443` },
      sslCertificate: { id: `${GW}/sslCertificates/${name}-cert` },
      ...(hosts ? (hosts.length === 1 ? { hostName: hosts[0] } : { hostNames: hosts }) : {}),
    });
    gw.requestRoutingRules?.push({
      name: `${name}-rule`,
      id: `${GW}/requestRoutingRules/${name}-rule`,
      priority,
      ruleType: 'Basic',
      httpListener: { id: `${GW}/httpListeners/${name}` },
    });
    return gw;
  };
  const bind = (gw: ApplicationGateway, ...hosts: string[]) =>
    merged(
      mergeBindings(
        gw,
        hosts.map((h) => ({ hostname: hostname(h), keyVaultSecretId: secret(h) })),
        { ...settings, rulePriorityStart: 10000 },
      ),
    );

  it('refuses a hostname a wildcard listener with a lower priority number would serve, and binds the others', () => {
    const result = bind(withListener(baseGateway(), 'wild', 100, ['*.contoso.com']), 'shop.contoso.com', 'www.fabrikam.com');
    expect(result.refused).toEqual([
      {
        hostname: 'shop.contoso.com',
        code: 'ApplicationGatewayListenerShadowed',
        message: expect.stringMatching(/"wild", a wildcard listener routed by rule "wild-rule" at priority 100.*priority 10000/),
      },
    ]);
    expect(result.gateway.httpListeners?.map((l) => l.hostName)).toContain('www.fabrikam.com');
    expect(result.gateway.httpListeners?.map((l) => l.hostName)).not.toContain('shop.contoso.com');
  });

  it('matches wildcards across labels and with ?, case-insensitively', () => {
    expect(bind(withListener(baseGateway(), 'wild', 100, ['*.Contoso.com']), 'a.b.contoso.com').refused).toHaveLength(1);
    expect(bind(withListener(baseGateway(), 'q', 100, ['shop?.contoso.com']), 'shop1.contoso.com').refused).toHaveLength(1);
    expect(bind(withListener(baseGateway(), 'q', 100, ['shop?.contoso.com']), 'shop12.contoso.com').refused).toHaveLength(0);
  });

  it('refuses a hostname a basic listener (no host name) on the same port would catch first', () => {
    const result = bind(withListener(baseGateway(), 'catchall', 50, undefined), 'a.example.com');
    expect(result.refused[0]).toMatchObject({ code: 'ApplicationGatewayListenerShadowed', message: expect.stringMatching(/a basic listener/) });
  });

  it('binds when the wildcard or basic listener comes after our rules', () => {
    const gw = withListener(withListener(baseGateway(), 'wild', 19000, ['*.contoso.com']), 'catchall', 19500, undefined);
    expect(bind(gw, 'shop.contoso.com').refused).toEqual([]);
  });

  it('ignores listeners on another port or frontend IP, and listeners no rule routes', () => {
    const gw = baseGateway();
    gw.frontendIPConfigurations?.push({ name: 'private', id: `${GW}/frontendIPConfigurations/private` });
    gw.frontendPorts?.push({ name: 'p8443', id: `${GW}/frontendPorts/p8443`, port: 8443 });
    gw.httpListeners?.push({ name: 'other-port', id: `${GW}/httpListeners/other-port`, protocol: 'Https', frontendPort: { id: `${GW}/frontendPorts/p8443` } });
    gw.requestRoutingRules?.push({ name: 'op', id: `${GW}/requestRoutingRules/op`, priority: 1, httpListener: { id: `${GW}/httpListeners/other-port` } });
    withListener(gw, 'private-basic', 2, undefined);
    (gw.httpListeners?.find((l) => l.name === 'private-basic') ?? {}).frontendIPConfiguration = { id: `${GW}/frontendIPConfigurations/private` };
    gw.httpListeners?.push({ name: 'unrouted', id: `${GW}/httpListeners/unrouted`, protocol: 'Https', frontendPort: { id: `${GW}/frontendPorts/p443` } });
    expect(bind(gw, 'a.example.com').refused).toEqual([]);
  });

  it('never repoints a certificate named like ours that another listener uses', () => {
    const gw = withListener(baseGateway(), 'other', 19000, ['other.example.com']);
    const cert = gw.sslCertificates?.find((c) => c.name === 'other-cert');
    if (cert) cert.name = 'acme-a-example-com';
    const result = bind(gw, 'a.example.com');
    expect(result.refused).toEqual([
      {
        hostname: 'a.example.com',
        code: 'ApplicationGatewayBindingConflict',
        message: expect.stringMatching(/"acme-a-example-com" is also used by listener\(s\) "other"/),
      },
    ]);
    expect(result.gateway.sslCertificates?.find((c) => c.name === 'acme-a-example-com')?.keyVaultSecretId).toBe('https://vault.example/secrets/other');
    expect(result.changed).toBe(false);
  });
});

describe('missingBindings (read after write)', () => {
  const binding = (h: string) => ({ hostname: hostname(h), keyVaultSecretId: secret(h) });

  it('finds nothing missing right after a merge', () => {
    const gw = merged(mergeBindings(baseGateway(), [binding('a.example.com'), binding('b.example.com')], settings)).gateway;
    expect(missingBindings(gw, [binding('a.example.com'), binding('b.example.com')])).toEqual([]);
  });

  it('reports a listener removed, a certificate repointed and a rule dropped by another writer', () => {
    const gw = merged(
      mergeBindings(
        baseGateway(),
        ['a', 'b', 'c'].map((h) => binding(`${h}.example.com`)),
        settings,
      ),
    ).gateway;
    gw.httpListeners = gw.httpListeners?.filter((l) => l.hostName !== 'a.example.com');
    const certB = gw.sslCertificates?.find((c) => c.name === 'acme-b-example-com');
    if (certB) certB.keyVaultSecretId = 'https://vault.example/secrets/someone-else';
    gw.requestRoutingRules = gw.requestRoutingRules?.filter((r) => r.name !== 'acme-rule-c-example-com');
    expect(
      missingBindings(
        gw,
        ['a', 'b', 'c'].map((h) => binding(`${h}.example.com`)),
      ),
    ).toEqual([
      { hostname: 'a.example.com', code: 'ApplicationGatewayUpdateLost', message: expect.stringMatching(/no HTTPS listener/) },
      { hostname: 'b.example.com', code: 'ApplicationGatewayUpdateLost', message: expect.stringMatching(/does not use the Key Vault secret/) },
      { hostname: 'c.example.com', code: 'ApplicationGatewayUpdateLost', message: expect.stringMatching(/no rule routes/) },
    ]);
  });
});
