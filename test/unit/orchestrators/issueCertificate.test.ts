/**
 * The issuance recipe's branches, replayed with a scripted context (no servers): what runs, in
 * which order, and what the user sees, for every way a run can end.
 */
import { describe, expect, it } from 'vitest';
import type { ActivityScript } from './fakeContext';
import { APP_ENTITIES, activityFailure, runOrchestrator } from './fakeContext';
import { issueCertificateOrchestrator } from '../../../orchestrators/issueCertificate';
import { ORDER_ATTEMPTS, ORDER_POLL } from '../../../orchestrators/issuanceRecipe';
import { Orchestrators } from '../../../orchestrators/contracts';
import { hostname } from '../../fixtures/hostnames';
import { GATEWAY, gatewayActivities } from './gatewayScript';

const HOST = hostname('www.recipe.test');
const AUTHZ = 'https://ca.test/authz/1';
const SECRET = 'https://vault.test/secrets/www-recipe-test';
const ORDER = { orderUrl: 'https://ca.test/order/1', status: 'pending', authorizationUrls: [AUTHZ], finalizeUrl: 'https://ca.test/finalize/1' };
const CERT_URL = 'https://ca.test/cert/1';

function script(overrides: ActivityScript = {}): ActivityScript {
  return {
    getGatewayPublicIp: () => ({ ok: true, ip: '203.0.113.10', addresses: ['203.0.113.10'] }),
    checkDnsResolution: () => ({ ok: true, chain: [HOST], reachable: ['203.0.113.10'] }),
    checkKeyVaultName: () => ({ ok: true, state: 'free' }),
    createAcmeOrder: () => ({ ok: true, ...ORDER }),
    getAcmeHttp01Challenges: () => ({
      ok: true,
      challenges: [{ authorizationUrl: AUTHZ, challengeUrl: 'https://ca.test/chall/1', token: 'tok1', keyAuthorization: 'tok1.thumb', alreadyValid: false }],
    }),
    uploadChallengeFiles: () => ({ ok: true }),
    checkChallengeFiles: () => ({ ok: true }),
    answerChallenges: () => ({ ok: true }),
    createKeyVaultCsr: () => ({ ok: true, csrPem: '-----BEGIN CERTIFICATE REQUEST-----' }),
    checkOrderStatus: () => ({ ok: true, status: 'ready' }),
    finalizeOrder: () => ({ ok: true, status: 'valid', certificateUrl: CERT_URL }),
    mergeCertificate: () => ({ ok: true, version: 'v1', thumbprint: 'AB12', expiresOn: '2030-03-01T00:00:00.000Z', secretId: SECRET }),
    deleteChallengeFiles: () => ({ ok: true }),
    deactivateAuthorizations: () => ({ ok: true, deactivated: 1 }),
    ...gatewayActivities(),
    ...overrides,
  };
}

const run = (activities: ActivityScript, bindGateway = true) =>
  runOrchestrator(issueCertificateOrchestrator, {
    name: Orchestrators.IssueCertificate,
    input: { hostname: HOST, ...(bindGateway ? { bind: GATEWAY } : {}) },
    activities,
  });

describe('the issuance recipe', () => {
  it('runs the steps in order, makes the CSR while the CA validates, cleans up and binds the versionless secret id', () => {
    const result = run(script());
    expect(result.error).toBeUndefined();
    expect(result.activityNames()).toEqual([
      'getGatewayPublicIp',
      'checkKeyVaultName',
      'checkDnsResolution',
      'createAcmeOrder',
      'getAcmeHttp01Challenges',
      'uploadChallengeFiles',
      'checkChallengeFiles',
      'answerChallenges',
      'createKeyVaultCsr',
      'checkOrderStatus',
      'finalizeOrder',
      'deleteChallengeFiles',
      'mergeCertificate',
      'startGatewayUpdate',
      'checkGatewayUpdate',
    ]);
    // The Key Vault name is read while the gateway's address is read and DNS checked (one Task.any,
    // the name read alone afterwards); the CSR starts with the answer to the CA (another) and is read
    // alone when finalizing, after the order is polled; the files are deleted while finalizing (a third).
    expect(result.calls.filter((c) => c.kind === 'all' || c.kind === 'any')).toEqual([
      { kind: 'any', names: ['activity', 'activity'] },
      { kind: 'any', names: ['activity', 'activity'] },
      { kind: 'any', names: ['activity', 'activity'] },
    ]);
    expect(result.inputsOf('startGatewayUpdate')).toEqual([{ bindings: [{ hostname: HOST, keyVaultSecretId: SECRET }], force: false }]);
    // The order is read once, when the CSR is made (no timer: the CSR's time is the CA's to validate
    // in), and never again to find its authorizations, finalize URL or certificate: the CA named them.
    const answerAt = result.calls.findIndex((c) => c.kind === 'activity' && c.name === 'answerChallenges');
    const firstRead = result.calls.findIndex((c) => c.kind === 'activity' && c.name === 'checkOrderStatus');
    expect(result.calls.slice(answerAt, firstRead).filter((c) => c.kind === 'timer')).toEqual([]);
    expect(result.inputsOf('checkOrderStatus')).toHaveLength(1);
    expect(result.inputsOf('getAcmeHttp01Challenges')).toEqual([{ authorizationUrls: [AUTHZ] }]);
    expect(result.inputsOf('finalizeOrder')).toEqual([{ orderUrl: ORDER.orderUrl, finalizeUrl: ORDER.finalizeUrl, csrPem: expect.any(String) }]);
    expect(result.inputsOf('mergeCertificate')).toEqual([{ certificateUrl: CERT_URL, certificateName: 'www-recipe-test' }]);
    expect(result.lastStatus).toMatchObject({ status: 'Completed', error: null });
    expect(result.output).toMatchObject({ result: { ok: true, hostname: HOST, version: 'v1' }, gatewayUpdated: true });
  });

  it("uses the gateway's addresses a parent read for it instead of reading them again", () => {
    const result = runOrchestrator(issueCertificateOrchestrator, {
      name: Orchestrators.IssueCertificate,
      input: { hostname: HOST, gatewayAddresses: { ip: '198.51.100.7', addresses: ['198.51.100.7', '2001:db8::7'] } },
      activities: script(),
    });
    expect(result.activityNames()).not.toContain('getGatewayPublicIp');
    // The DNS check and the Key Vault name read run at once (one Task.any of the two).
    expect(result.activityNames().slice(0, 2).sort()).toEqual(['checkDnsResolution', 'checkKeyVaultName']);
    expect(result.calls.find((c) => c.kind === 'any')).toEqual({ kind: 'any', names: ['activity', 'activity'] });
    expect(result.inputsOf('checkDnsResolution')).toEqual([{ hostname: HOST, gatewayIp: '198.51.100.7', gatewayAddresses: ['198.51.100.7', '2001:db8::7'] }]);
    expect(result.output).toMatchObject({ result: { ok: true, gatewayIp: '198.51.100.7' } });
  });

  it('polls an order the CA is still issuing after finalization, and merges the certificate it then names', () => {
    const result = run(
      script({
        finalizeOrder: () => ({ ok: true, status: 'processing' }),
        checkOrderStatus: (_input, call) =>
          call === 1 ? { ok: true, status: 'ready' } : { ok: true, status: 'valid', certificateUrl: 'https://ca.test/cert/later' },
      }),
    );
    expect(result.inputsOf('checkOrderStatus')).toHaveLength(2);
    // finalizeOrder already read it for a few seconds: the next read is on a durable timer, never at once.
    const finalizedAt = result.calls.findIndex((c) => c.kind === 'activity' && c.name === 'finalizeOrder');
    expect(result.calls.slice(finalizedAt).filter((c) => c.kind === 'timer')[0]).toEqual({ kind: 'timer', seconds: ORDER_POLL.firstSeconds });
    expect(result.inputsOf('mergeCertificate')).toEqual([{ certificateUrl: 'https://ca.test/cert/later', certificateName: 'www-recipe-test' }]);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it.each([
    { retryAfterSeconds: 7, timer: 7 },
    { retryAfterSeconds: 999_999_999, timer: ORDER_POLL.maxRetryAfterSeconds },
  ])(
    "waits the CA's Retry-After of $retryAfterSeconds s (at most the cap) before reading an order still processing after finalize",
    ({ retryAfterSeconds, timer }) => {
      const result = run(
        script({
          finalizeOrder: () => ({ ok: true, status: 'processing', retryAfterSeconds }),
          checkOrderStatus: (_input, call) =>
            call === 1 ? { ok: true, status: 'ready' } : { ok: true, status: 'valid', certificateUrl: 'https://ca.test/cert/later' },
        }),
      );
      const finalizedAt = result.calls.findIndex((c) => c.kind === 'activity' && c.name === 'finalizeOrder');
      const mergedAt = result.calls.findIndex((c) => c.kind === 'activity' && c.name === 'mergeCertificate');
      expect(result.calls.slice(finalizedAt, mergedAt).filter((c) => c.kind === 'timer')).toEqual([{ kind: 'timer', seconds: timer }]);
      expect(result.lastStatus).toMatchObject({ status: 'Completed' });
    },
  );

  it("polls no sooner than the CA's Retry-After, and caps a huge one", () => {
    const result = run(
      script({
        checkOrderStatus: (_input, call) =>
          call === 1
            ? { ok: true, status: 'pending', retryAfterSeconds: 3 }
            : call === 2
              ? { ok: true, status: 'pending', retryAfterSeconds: 86_400 }
              : call === 3
                ? { ok: true, status: 'pending' }
                : { ok: true, status: 'ready' },
      }),
    );
    const finalizedAt = result.calls.findIndex((c) => c.kind === 'activity' && c.name === 'finalizeOrder');
    const timers = result.calls.slice(0, finalizedAt).flatMap((c) => (c.kind === 'timer' ? [c.seconds] : []));
    // 3 s (the CA's, over our 1 s), the cap (over our 2 s), then our own 4 s.
    expect(timers).toEqual([3, ORDER_POLL.maxRetryAfterSeconds, 4]);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it('fails with AcmeServerError when the CA calls the order valid but names no certificate', () => {
    const result = run(script({ finalizeOrder: () => ({ ok: true, status: 'processing' }), checkOrderStatus: () => ({ ok: true, status: 'valid' }) }));
    expect(result.activityNames()).not.toContain('mergeCertificate');
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'AcmeServerError', message: expect.stringMatching(/without a certificate URL/) });
  });

  it('stops before ordering when DNS points elsewhere, and ends Failed with the code', () => {
    const result = run(
      script({ checkDnsResolution: () => ({ ok: false, code: 'HostnameNotResolvingToApplicationGateway', message: 'points at 198.51.100.1' }) }),
    );
    // The Key Vault name was read alongside the gateway's address; no key is made for a hostname that does not point here.
    expect(result.activityNames()).toEqual(['getGatewayPublicIp', 'checkKeyVaultName', 'checkDnsResolution']);
    expect(result.error?.message).toMatch(/^\[HostnameNotResolvingToApplicationGateway\]/);
    expect(result.lastStatus).toEqual({ status: 'Failed', error: 'HostnameNotResolvingToApplicationGateway', message: 'points at 198.51.100.1' });
  });

  it("ends with the gateway address's failure, not the Key Vault read's that ran alongside it", () => {
    const result = run(
      script({
        getGatewayPublicIp: () => ({ ok: false, code: 'ApplicationGatewayNotFound', message: 'no gateway gw in rg' }),
        checkKeyVaultName: () => {
          throw activityFailure('KeyVaultAccessDenied', 'forbidden');
        },
      }),
    );
    expect(result.activityNames()).toEqual(['getGatewayPublicIp', 'checkKeyVaultName']);
    expect(result.lastStatus).toEqual({ status: 'Failed', error: 'ApplicationGatewayNotFound', message: 'no gateway gw in rg' });
  });

  it("waits on a durable timer for the account's next order when its bucket is empty, then orders", () => {
    const entityStates = new Map<string, unknown>([['@acmeorderledger@account', { tokens: 0, at: '2030-01-01T00:00:00.000Z' }]]);
    const result = runOrchestrator(issueCertificateOrchestrator, {
      name: Orchestrators.IssueCertificate,
      input: { hostname: HOST, bind: GATEWAY },
      activities: script(),
      entityStates,
    });
    const reserves = result.calls.filter((c) => c.kind === 'entity' && c.operation === 'reserve');
    expect(reserves).toHaveLength(2);
    expect(result.calls.find((c) => c.kind === 'timer')).toEqual({ kind: 'timer', seconds: 36 });
    expect(result.activityNames().filter((n) => n === 'createAcmeOrder')).toHaveLength(1);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it("stops before ordering when the account's orders are spent for longer than a run waits, and says when another is possible", () => {
    const refuse = (context: { df: { return(value: unknown): void } }) => context.df.return({ granted: false, retryAt: '2030-01-01T05:00:00.000Z' });
    const result = runOrchestrator(issueCertificateOrchestrator, {
      name: Orchestrators.IssueCertificate,
      input: { hostname: HOST, bind: GATEWAY },
      activities: script(),
      entities: { ...APP_ENTITIES, AcmeOrderLedger: refuse as never },
    });
    expect(result.activityNames()).not.toContain('createAcmeOrder');
    expect(result.lastStatus).toMatchObject({
      status: 'Failed',
      error: 'AcmeRateLimited',
      message: expect.stringMatching(/300 new orders per 3 hours.*after 2030-01-01T05:00:00.000Z/),
    });
  });

  it("takes one of the account's orders per attempt to create an order: a lost answer may have created one at the CA", () => {
    const result = run(
      script({
        createAcmeOrder: (_input, call) => {
          if (call <= 2) throw activityFailure('AcmeServerError', 'connection reset');
          return { ok: true, ...ORDER };
        },
      }),
    );
    expect(result.calls.filter((c) => c.kind === 'entity' && c.operation === 'reserve')).toHaveLength(3);
    expect(result.calls.filter((c) => c.kind === 'timer').slice(0, 2)).toEqual([
      { kind: 'timer', seconds: 5 },
      { kind: 'timer', seconds: 10 },
    ]);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it(`gives up after ${ORDER_ATTEMPTS} attempts to create an order, with the failure's code`, () => {
    const result = run(
      script({
        createAcmeOrder: () => {
          throw activityFailure('AcmeServerError', 'the CA is down');
        },
      }),
    );
    expect(result.activityNames().filter((n) => n === 'createAcmeOrder')).toHaveLength(ORDER_ATTEMPTS);
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'AcmeServerError' });
  });

  it('stops before ordering when Key Vault holds the name for a deleted certificate, and says how to fix it', () => {
    const result = run(script({ checkKeyVaultName: () => ({ ok: true, state: 'deleted', scheduledPurgeDate: '2030-03-01T00:00:00.000Z' }) }));
    expect(result.activityNames()).not.toContain('createAcmeOrder');
    expect(result.lastStatus).toMatchObject({
      status: 'Failed',
      error: 'KeyVaultCertificateDeleted',
      message: expect.stringMatching(/until 2030-03-01T00:00:00.000Z.*KeyVaultRecoverDeletedCertificates/),
    });
  });

  it('never answers the CA when the self-check fails: deactivates the authorization, then deletes the file', () => {
    const result = run(script({ checkChallengeFiles: () => ({ ok: false, code: 'HostnameOwnershipValidationFileNotFound', message: 'HTTP 404' }) }));
    expect(result.activityNames()).not.toContain('answerChallenges');
    expect(result.activityNames().slice(-2)).toEqual(['deactivateAuthorizations', 'deleteChallengeFiles']);
    expect(result.inputsOf('deactivateAuthorizations')).toEqual([{ authorizationUrls: [AUTHZ] }]);
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'HostnameOwnershipValidationFileNotFound' });
  });

  it('deactivates and cleans up when an activity fails for good after the file is uploaded, before the CA validated', () => {
    const result = run(
      script({
        answerChallenges: () => {
          throw activityFailure('AcmeServerError', 'the CA is down');
        },
      }),
    );
    expect(result.activityNames().slice(-2)).toEqual(['deactivateAuthorizations', 'deleteChallengeFiles']);
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'AcmeServerError', message: 'the CA is down' });
  });

  it('deletes the files alongside finalization once the CA validated, and keeps the valid authorization when finalizing fails', () => {
    const result = run(
      script({
        finalizeOrder: () => {
          throw activityFailure('AcmeServerError', 'the CA is down');
        },
      }),
    );
    const names = result.activityNames();
    // One Task.any starts both: the deletion does not wait for finalizing to end.
    expect(result.calls.filter((c) => c.kind === 'any').at(-1)).toEqual({ kind: 'any', names: ['activity', 'activity'] });
    expect(names.indexOf('deleteChallengeFiles')).toBe(names.indexOf('finalizeOrder') + 1);
    expect(names.filter((n) => n === 'deleteChallengeFiles')).toHaveLength(1);
    expect(names).not.toContain('deactivateAuthorizations');
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'AcmeServerError', message: 'the CA is down' });
  });

  it('keeps a reused, already valid authorization: nothing uploaded, answered, deactivated or deleted', () => {
    const result = run(
      script({
        getAcmeHttp01Challenges: () => ({
          ok: true,
          challenges: [{ authorizationUrl: AUTHZ, challengeUrl: 'c', token: 't', keyAuthorization: 'k', alreadyValid: true }],
        }),
      }),
    );
    for (const name of ['uploadChallengeFiles', 'answerChallenges', 'deactivateAuthorizations', 'deleteChallengeFiles'])
      expect(result.activityNames()).not.toContain(name);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it("waits out a short rate limit on a durable timer of the CA's Retry-After, then orders again", () => {
    const result = run(
      script({
        createAcmeOrder: (_input, call) =>
          call === 1 ? { ok: false, code: 'AcmeRateLimited', message: 'slow down', retryAfterSeconds: 120 } : { ok: true, ...ORDER },
      }),
    );
    expect(result.calls.filter((c) => c.kind === 'timer')[0]).toEqual({ kind: 'timer', seconds: 120 });
    expect(result.inputsOf('createAcmeOrder')).toHaveLength(2);
    expect(result.lastStatus).toMatchObject({ status: 'Completed' });
  });

  it('reports a long rate limit with the time it lifts instead of waiting hours', () => {
    const result = run(script({ createAcmeOrder: () => ({ ok: false, code: 'AcmeRateLimited', message: 'too many orders.', retryAfterSeconds: 7200 }) }));
    expect(result.calls.filter((c) => c.kind === 'timer')).toEqual([]);
    expect(result.lastStatus).toMatchObject({
      status: 'Failed',
      error: 'AcmeRateLimited',
      message: 'too many orders. Try again after 2030-01-01T02:00:00.000Z.',
    });
  });

  it('reports a rate limit whose end no date can hold in seconds, still as AcmeRateLimited', () => {
    const result = run(script({ createAcmeOrder: () => ({ ok: false, code: 'AcmeRateLimited', message: 'too many.', retryAfterSeconds: 1e13 }) }));
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'AcmeRateLimited', message: 'too many. Try again in 10000000000000 s.' });
  });

  it('polls a slow order on doubling timers, bounded, then fails with AcmeOrderTimedOut', () => {
    const result = run(script({ checkOrderStatus: () => ({ ok: true, status: 'pending' }) }));
    const timers = result.calls.flatMap((c) => (c.kind === 'timer' ? [c.seconds] : []));
    // The first read comes once the CSR is made; each later one after a timer.
    expect(timers).toHaveLength(ORDER_POLL.maxPolls - 1);
    expect(result.inputsOf('checkOrderStatus')).toHaveLength(ORDER_POLL.maxPolls);
    expect(timers.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 30]);
    expect(Math.max(...timers)).toBe(ORDER_POLL.maxSeconds);
    expect(result.lastStatus).toMatchObject({ status: 'Failed', error: 'AcmeOrderTimedOut' });
    expect(result.activityNames()).toContain('deleteChallengeFiles');
  });

  it('reports a clean-up that keeps failing as a warning on a completed run', () => {
    const result = run(
      script({
        deleteChallengeFiles: () => {
          throw activityFailure('BlobStorageError', 'forbidden');
        },
      }),
    );
    expect(result.lastStatus).toMatchObject({
      status: 'Completed',
      message: expect.stringMatching(/Warning: The validation file\(s\) tok1 could not be deleted/),
    });
  });

  it('as a batch child, returns a failure as a value and binds nothing', () => {
    const result = run(script({ createKeyVaultCsr: () => ({ ok: false, code: 'KeyVaultAccessDenied', message: 'denied' }) }), false);
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual({ result: { ok: false, code: 'KeyVaultAccessDenied', message: 'denied' } });
    expect(result.activityNames()).not.toContain('startGatewayUpdate');
  });

  it('says the certificate is in Key Vault when only the gateway update failed', () => {
    const result = run(script({ startGatewayUpdate: () => ({ ok: false, code: 'ApplicationGatewayAccessDenied', message: 'no role' }) }));
    expect(result.lastStatus).toMatchObject({
      status: 'Failed',
      error: 'ApplicationGatewayAccessDenied',
      message: 'The certificate is in Key Vault, but the gateway update failed: no role',
    });
  });
});
