import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostname } from '../fixtures/hostnames';
import { Hostname, parseHostname } from '../../lib/hostnames';
import {
  batchInstanceId,
  decodeStem,
  isCutStem,
  encodeHostname,
  gatewayNames,
  importInstanceId,
  issuanceInstanceId,
  batchChildInstanceId,
  keyVaultCertificateName,
  nameStem,
} from '../../lib/naming';

/** A label: letters, digits and inner hyphens (runs of them too), 1–63 characters. */
const label = fc
  .tuple(fc.stringMatching(/^[a-z0-9]$/), fc.stringMatching(/^[a-z0-9-]{0,61}$/), fc.stringMatching(/^[a-z0-9]$/), fc.boolean())
  .map(([first, middle, last, single]) => (single ? first : `${first}${middle}${last}`));

/** Valid hostnames of every length up to 253, many long enough to be cut. */
const hostnames = fc
  .array(label, { minLength: 2, maxLength: 8 })
  .map((labels) => labels.join('.'))
  .filter((name) => parseHostname(name).ok)
  .map((name) => hostname(name));

/** Every name derived from one hostname, by kind. */
function derived(h: Hostname): Record<string, string> {
  return { kv: keyVaultCertificateName(h), ...gatewayNames(h), issue: issuanceInstanceId(h), import: importInstanceId(h) };
}

describe('names derived from hostnames', () => {
  it('does not let a-b.com and a.b.com collide', () => {
    expect(keyVaultCertificateName(hostname('a-b.com'))).not.toBe(keyVaultCertificateName(hostname('a.b.com')));
    expect(encodeHostname(hostname('a-b.com'))).toBe('a--b-com');
    expect(encodeHostname(hostname('a.b.com'))).toBe('a-b-com');
  });

  it('keeps a cut long name apart from the short hostname spelled like it (the reported collision)', () => {
    const long = hostname('aaaaaaaaaaaaaaaaaaaa-68da3f.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.robot.test');
    const short = hostname('aaaaaaaaaaaaaaaaaaaa-68da3f.bbbbbbbbbbbbbbbbbb.7ef0f3f44539');
    for (const kind of Object.keys(derived(long))) expect(derived(long)[kind]).not.toBe(derived(short)[kind]);
    expect(isCutStem(nameStem(long))).toBe(true);
    expect(isCutStem(nameStem(short))).toBe(false);
  });

  it('encodes reversibly and never produces the cut marker (property)', () => {
    fc.assert(
      fc.property(hostnames, (h) => {
        const encoded = encodeHostname(h);
        expect(isCutStem(encoded)).toBe(false);
        expect(decodeStem(encoded)).toBe(h);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives two different hostnames different names of every kind, cut or not (property)', () => {
    fc.assert(
      fc.property(hostnames, hostnames, (a, b) => {
        fc.pre(a !== b);
        const [da, db] = [derived(a), derived(b)];
        for (const kind of Object.keys(da)) expect(da[kind]).not.toBe(db[kind]);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a cut name and a full name apart even when the short one copies its prefix and hash (property)', () => {
    fc.assert(
      fc.property(
        hostnames.filter((h) => isCutStem(nameStem(h))),
        (long) => {
          // The hostname whose full encoding looks most like the cut stem: prefix, a dot, the hash.
          const [prefix, hash] = nameStem(long).split(/(?<!-)---(?!-)/) as [string, string];
          const lookalike = parseHostname(`${decodeStem(prefix)}.${hash}`);
          fc.pre(lookalike.ok);
          expect(nameStem(hostname(`${decodeStem(prefix)}.${hash}`))).not.toBe(nameStem(long));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('produces Key Vault-legal names no longer than 127 and gateway names no longer than 80 (property)', () => {
    fc.assert(
      fc.property(hostnames, (h) => {
        expect(keyVaultCertificateName(h)).toMatch(/^[0-9A-Za-z-]{1,127}$/);
        for (const name of Object.values(gatewayNames(h))) expect(name.length).toBeLessThanOrEqual(80);
        expect(issuanceInstanceId(h).length).toBeLessThanOrEqual(256);
      }),
      { numRuns: 2000 },
    );
  });

  it('never gives a batch the id of a single hostname, and derives batch ids independent of order', () => {
    const [a, b] = [hostname('a.example.com'), hostname('b.example.com')];
    expect(batchInstanceId([a, b])).toBe(batchInstanceId([b, a]));
    expect(batchInstanceId([a, b])).not.toBe(batchInstanceId([a]));
    const hex = batchInstanceId([a, b]).slice('batch-'.length);
    expect(issuanceInstanceId(hostname(`batch.${hex}`))).not.toBe(batchInstanceId([a, b]));
    fc.assert(fc.property(hostnames, (h) => !issuanceInstanceId(h).startsWith('batch-')));
  });

  it("never gives a batch child a single run's id or another batch's child's, and keeps it within the host's 256 characters", () => {
    const [a, b] = [hostname('a.example.com'), hostname('b.example.com')];
    const batch = batchInstanceId([a, b]);
    fc.assert(
      fc.property(hostnames, (h) => {
        const child = batchChildInstanceId(batch, h);
        return child !== issuanceInstanceId(h) && child !== batchChildInstanceId(batchInstanceId([a]), h) && child.length <= 256;
      }),
    );
    expect(batchChildInstanceId(batch, a)).not.toBe(batchChildInstanceId(batch, b));
  });

  it('derives the same instance id for the same hostname', () => {
    expect(issuanceInstanceId(hostname('WWW.Example.com'))).toBe(issuanceInstanceId(hostname('www.example.com')));
  });
});
