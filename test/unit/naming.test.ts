import { describe, expect, it } from 'vitest';
import { hostname } from '../fixtures/hostnames';
import { batchInstanceId, encodeHostname, gatewayNames, issuanceInstanceId, keyVaultCertificateName } from '../../lib/naming';

describe('names derived from hostnames', () => {
  it('does not let a-b.com and a.b.com collide', () => {
    expect(keyVaultCertificateName(hostname('a-b.com'))).not.toBe(keyVaultCertificateName(hostname('a.b.com')));
    expect(encodeHostname(hostname('a-b.com'))).toBe('a--b-com');
    expect(encodeHostname(hostname('a.b.com'))).toBe('a-b-com');
  });

  it('keeps every pair of a tricky set distinct', () => {
    const names = ['a-b.c.com', 'a.b-c.com', 'a--b.com', 'a-b-c.com', 'a.b.c.com', 'xn--bcher-kva.example', 'xn.bcher-kva.example'].map(hostname);
    const encoded = new Set(names.map(keyVaultCertificateName));
    expect(encoded.size).toBe(names.length);
  });

  it('produces Key Vault-legal names no longer than 127 and gateway names no longer than 80', () => {
    const long = hostname(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.com`);
    const kv = keyVaultCertificateName(long);
    expect(kv).toMatch(/^[0-9A-Za-z-]{1,127}$/);
    for (const name of Object.values(gatewayNames(long))) expect(name.length).toBeLessThanOrEqual(80);
    const otherLong = hostname(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.org`);
    expect(keyVaultCertificateName(otherLong)).not.toBe(kv);
  });

  it('derives the same instance id for the same hostname and batch ids independent of order', () => {
    expect(issuanceInstanceId(hostname('WWW.Example.com'))).toBe(issuanceInstanceId(hostname('www.example.com')));
    const [a, b] = [hostname('a.example.com'), hostname('b.example.com')];
    expect(batchInstanceId([a, b])).toBe(batchInstanceId([b, a]));
    expect(batchInstanceId([a, b])).not.toBe(batchInstanceId([a]));
  });
});
