/**
 * An import must be fit to serve TLS: what the key matches is not enough. Each example from the
 * attack on the import starter is refused with a code that says why.
 */
import { describe, expect, it } from 'vitest';
import { validateImport } from '../../lib/importValidation';
import { DAY, Issued, issue } from '../fixtures/certificates';
import { hostname } from '../fixtures/hostnames';

const HOST = 'trust.import.test';
const NOW = new Date();
const root = issue({ cn: 'Trust Root', ca: true });
const intermediate = issue({ cn: 'Trust Intermediate', ca: true, issuer: root });

const check = (leaf: Issued, chain: Issued[] = []) =>
  validateImport(
    {
      hostname: hostname(HOST),
      privatekey: leaf.key.export({ type: 'pkcs8', format: 'pem' }) as string,
      certificate: [leaf, ...chain].map((c) => c.pem).join(''),
      password: undefined,
    },
    NOW,
  );

describe('an imported certificate must be fit to serve TLS', () => {
  it('accepts a server leaf with its chain, and one without any extended key usage', () => {
    expect(check(issue({ cn: HOST, sans: [HOST], issuer: intermediate }), [intermediate, root])).toMatchObject({ ok: true });
    expect(check(issue({ cn: HOST, sans: [HOST], eku: 'none' }))).toMatchObject({ ok: true });
  });

  it('refuses a self-signed CA certificate as the leaf', () => {
    expect(check(issue({ cn: HOST, sans: [HOST], ca: true }))).toMatchObject({
      ok: false,
      code: 'CertificateNotForServer',
      message: expect.stringMatching(/CA:TRUE/),
    });
  });

  it('refuses a leaf whose extended key usage is only clientAuth', () => {
    expect(check(issue({ cn: HOST, sans: [HOST], eku: 'clientAuth' }))).toMatchObject({
      ok: false,
      code: 'CertificateNotForServer',
      message: expect.stringMatching(/serverAuth/),
    });
  });

  it('refuses a chain with an expired intermediate', () => {
    const old = issue({
      cn: 'Old Intermediate',
      ca: true,
      issuer: root,
      notBefore: new Date(NOW.getTime() - 400 * DAY),
      notAfter: new Date(NOW.getTime() - DAY),
    });
    expect(check(issue({ cn: HOST, sans: [HOST], issuer: old }), [old, root])).toMatchObject({
      ok: false,
      code: 'CertificateChainInvalid',
      message: expect.stringMatching(/Certificate 2 .*expired since/),
    });
  });

  it('refuses an issuer that is not a CA', () => {
    const notCa = issue({ cn: 'Just A Leaf' });
    expect(check(issue({ cn: HOST, sans: [HOST], issuer: notCa }), [notCa])).toMatchObject({
      ok: false,
      code: 'CertificateChainInvalid',
      message: expect.stringMatching(/is not a CA/),
    });
  });
});
