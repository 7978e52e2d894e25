import { describe, expect, it } from 'vitest';
import { csrSubject } from '../../lib/adapters/keyVault';
import { csrCoversExactly } from '../../lib/csr';

const long = `${'a'.repeat(40)}.${'b'.repeat(40)}.example.com`;

describe('the subject of the CSR Key Vault makes', () => {
  it('is the hostname as CN up to 64 octets', () => {
    const sixtyFour = `${'a'.repeat(52)}.example.com`;
    expect(sixtyFour).toHaveLength(64);
    expect(csrSubject(sixtyFour)).toBe(`CN=${sixtyFour}`);
  });

  it('carries no CN for a longer hostname (it travels in the SAN alone), and is never empty', () => {
    expect(long.length).toBeGreaterThan(64);
    expect(csrSubject(long)).not.toMatch(/CN=/);
    expect(csrSubject(long)).toMatch(/^O=.+/);
  });
});

describe('reusing a pending CSR', () => {
  it('accepts exactly the hostnames, with or without a CN among them', () => {
    expect(csrCoversExactly({ commonName: 'a.example.com', dnsNames: ['a.example.com'] }, ['a.example.com'])).toBe(true);
    expect(csrCoversExactly({ dnsNames: [long] }, [long])).toBe(true);
  });

  it('refuses other names, a CN outside the SANs, and a CN over 64 octets (a CA would refuse it after validation)', () => {
    expect(csrCoversExactly({ commonName: 'a.example.com', dnsNames: ['a.example.com', 'b.example.com'] }, ['a.example.com'])).toBe(false);
    expect(csrCoversExactly({ commonName: 'x.example.com', dnsNames: ['a.example.com'] }, ['a.example.com'])).toBe(false);
    expect(csrCoversExactly({ commonName: long, dnsNames: [long] }, [long])).toBe(false);
  });
});
