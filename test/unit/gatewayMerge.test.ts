import { describe, expect, it } from 'vitest';
import type { ApplicationGateway } from '@azure/arm-network';
import { hostname } from '../fixtures/hostnames';
import { MergeResult, choosePriority, mergeBindings } from '../../lib/gatewayMerge';

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
    expect(second).toEqual({ ok: true, changed: false, gateway: merged(first).gateway });
  });

  it('reuses a hand-made HTTPS listener for the hostname instead of adding a duplicate', () => {
    const gw = baseGateway();
    gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: 'manual', id: `${GW}/sslCertificates/manual`, data: 'PFX', password: 'x' });
    gw.httpListeners?.push({ name: 'manual-l', id: `${GW}/httpListeners/manual-l`, protocol: 'Https', hostName: 'a.example.com', frontendPort: { id: `${GW}/frontendPorts/p443` }, sslCertificate: { id: `${GW}/sslCertificates/manual` } });
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
    const result = mergeBindings(baseGateway(), [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], { ...settings, backendPoolName: 'nope' });
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
  it("refuses to take over a hand-made listener that also serves other hostnames", () => {
    const gw = baseGateway();
    gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: 'multi', id: `${GW}/sslCertificates/multi`, keyVaultSecretId: 'https://vault.example/secrets/multi' });
    gw.httpListeners?.push({ name: 'multi-l', id: `${GW}/httpListeners/multi-l`, protocol: 'Https', hostNames: ['a.example.com', 'b.example.com'], frontendPort: { id: `${GW}/frontendPorts/p443` }, sslCertificate: { id: `${GW}/sslCertificates/multi` } });
    const result = mergeBindings(gw, [{ hostname: hostname('a.example.com'), keyVaultSecretId: secret('a') }], settings);
    expect(result).toEqual({ ok: false, code: 'ApplicationGatewayUpdateFailed', message: expect.stringMatching(/together with b\.example\.com/) });
  });

  it('keeps a certificate shared with other listeners (a wildcard) and gives the hostname its own', () => {
    const gw = baseGateway();
    gw.frontendPorts?.push({ name: 'p443', id: `${GW}/frontendPorts/p443`, port: 443 });
    gw.sslCertificates?.push({ name: 'wild', id: `${GW}/sslCertificates/wild`, keyVaultSecretId: 'https://vault.example/secrets/wild' });
    for (const h of ['a', 'b']) {
      gw.httpListeners?.push({ name: `${h}-l`, id: `${GW}/httpListeners/${h}-l`, protocol: 'Https', hostName: `${h}.example.com`, frontendPort: { id: `${GW}/frontendPorts/p443` }, sslCertificate: { id: `${GW}/sslCertificates/wild` } });
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
