/** One run per certificate: the claim entity's state machine, and what a run does when it loses. */
import { describe, expect, it } from 'vitest';
import { CLAIM_HOURS, ClaimState, STARTER_CLAIM_MINUTES, claim, holder, release } from '../../lib/certificateClaim';
import { Orchestrators } from '../../orchestrators/contracts';
import { issueCertificateOrchestrator } from '../../orchestrators/issueCertificate';
import { hostname } from '../fixtures/hostnames';
import { runOrchestrator } from './orchestrators/fakeContext';

const T0 = '2030-01-01T00:00:00.000Z';
const later = (hours: number) => new Date(new Date(T0).getTime() + hours * 3_600_000).toISOString();

describe('the certificate claim', () => {
  it('grants one run, refuses another while held, and frees on release', () => {
    const state: ClaimState = {};
    expect(claim(state, { instanceId: 'a', now: T0 })).toEqual({ granted: true });
    expect(claim(state, { instanceId: 'b', now: T0 })).toEqual({ granted: false, heldBy: 'a', until: later(CLAIM_HOURS) });
    expect(claim(state, { instanceId: 'a', now: T0 })).toEqual({ granted: true });
    release(state, { instanceId: 'b' });
    expect(holder(state, T0)).toBe('a');
    release(state, { instanceId: 'a' });
    expect(claim(state, { instanceId: 'b', now: T0 })).toEqual({ granted: true });
  });

  it("hands a starter's claim (its one-off token, a short lease) over to the run it starts, and to nobody else", () => {
    const state: ClaimState = {};
    const minutes = (m: number) => new Date(new Date(T0).getTime() + m * 60_000).toISOString();
    expect(claim(state, { instanceId: 'import-x#token-a', now: T0, leaseMinutes: STARTER_CLAIM_MINUTES })).toEqual({ granted: true });
    // Another request's token, and the same run id without the token, are refused while it holds.
    expect(claim(state, { instanceId: 'import-x#token-b', now: T0, leaseMinutes: STARTER_CLAIM_MINUTES })).toMatchObject({
      granted: false,
      heldBy: 'import-x#token-a',
      until: minutes(STARTER_CLAIM_MINUTES),
    });
    expect(claim(state, { instanceId: 'import-x', now: T0 })).toMatchObject({ granted: false });
    expect(claim(state, { instanceId: 'import-x', now: T0, handoverFrom: 'import-x#token-b' })).toMatchObject({ granted: false });
    // The other request's release does not free it; the run takes it over with its token, for CLAIM_HOURS.
    release(state, { instanceId: 'import-x#token-b' });
    expect(claim(state, { instanceId: 'import-x', now: T0, handoverFrom: 'import-x#token-a' })).toEqual({ granted: true });
    expect(state.owner).toEqual({ instanceId: 'import-x', until: later(CLAIM_HOURS) });
    // A lease is never longer than CLAIM_HOURS, whatever is asked.
    release(state, { instanceId: 'import-x' });
    claim(state, { instanceId: 'y', now: T0, leaseMinutes: 10_000 });
    expect(state.owner?.until).toBe(later(CLAIM_HOURS));
  });

  it("lets a dead starter's claim lapse after STARTER_CLAIM_MINUTES", () => {
    const state: ClaimState = {};
    claim(state, { instanceId: 'import-x#dead', now: T0, leaseMinutes: STARTER_CLAIM_MINUTES });
    const after = new Date(new Date(T0).getTime() + STARTER_CLAIM_MINUTES * 60_000).toISOString();
    expect(holder(state, after)).toBeUndefined();
    expect(claim(state, { instanceId: 'issue-x', now: after })).toEqual({ granted: true });
  });

  it('lets a claim lapse, so a run that died cannot block the certificate for ever', () => {
    const state: ClaimState = {};
    claim(state, { instanceId: 'dead', now: T0 });
    expect(holder(state, later(CLAIM_HOURS + 1))).toBeUndefined();
    expect(claim(state, { instanceId: 'next', now: later(CLAIM_HOURS + 1) })).toEqual({ granted: true });
  });

  it('makes a second issuance of a claimed certificate end CertificateBusy before any work', () => {
    const entityStates = new Map<string, unknown>();
    const host = hostname('busy.claim.test');
    entityStates.set('@certificateclaim@busy-claim-test', { owner: { instanceId: 'renew-busy-claim-test-x', until: '2099-01-01T00:00:00.000Z' } });
    const result = runOrchestrator(issueCertificateOrchestrator, {
      name: Orchestrators.IssueCertificate,
      input: { hostname: host },
      activities: {},
      entityStates,
    });
    expect(result.activityNames()).toEqual([]);
    expect(result.output).toEqual({ result: { ok: false, code: 'CertificateBusy', message: expect.stringContaining('renew-busy-claim-test-x') } });
  });
});
