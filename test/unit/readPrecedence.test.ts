/**
 * Reads made at once (the starters' checks, the Key Vault name check) answer exactly as the same
 * reads made one after another did: the first refusal in the sequential order wins, and a failed
 * read gives the error it gave in that order, whichever read failed first in time.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { AppConfig } from '../../lib/config';
import { hostname } from '../fixtures/hostnames';
// Mocked above (vi.mock is hoisted over these imports).
import { checkCertificateName } from '../../lib/adapters/keyVaultNames';
import { MANAGED_BY, Tags } from '../../lib/adapters/keyVaultCommon';
import { conflictFor } from '../../functions/instanceStatus';
import { startIssuance } from '../../functions/startIssuance';

const kv = vi.hoisted(() => ({
  getCertificate: vi.fn(),
  getDeletedCertificate: vi.fn(),
  getSecret: vi.fn(),
  getDeletedSecret: vi.fn(),
}));
vi.mock('../../lib/clients', () => ({
  certificateClient: () => ({ getCertificate: kv.getCertificate, getDeletedCertificate: kv.getDeletedCertificate }),
  secretClient: () => ({ getSecret: kv.getSecret, getDeletedSecret: kv.getDeletedSecret }),
}));

/** The task hub as the starters see it: which instances run, and whether a read of it fails. */
const hub = vi.hoisted(() => ({
  running: new Set<string>(),
  failingStatus: (_id: string): boolean => false,
  failingEntities: false,
}));
function durableClient(): DurableClient {
  return {
    getStatus: async (id: string) => {
      if (hub.failingStatus(id)) throw new Error('connect ETIMEDOUT');
      if (hub.running.has(id)) return { runtimeStatus: 'Running' };
      throw new Error('Webhook replied with HTTP 404 response');
    },
    readEntityState: async () => {
      if (hub.failingEntities) throw new Error('socket hang up');
      return { entityExists: false };
    },
    taskHubName: 'hub',
    createHttpManagementPayload: (id: string) => ({ id }),
  } as unknown as DurableClient;
}
vi.mock('durable-functions', async (importOriginal) => ({ ...(await importOriginal<object>()), getClient: () => durableClient() }));
vi.mock('../../lib/config', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/config')>()),
  getConfig: () => ({ maxHostnamesPerRequest: 10, allowReservedHostnames: true, publicBaseUrl: undefined }),
}));
vi.mock('../../lib/adapters/keyVault', async (importOriginal) => ({ ...(await importOriginal<object>()), versionDates: async () => [] }));

/** A REST error of `statusCode`, `afterMs` from now. */
const rest = (statusCode: number, afterMs = 0) =>
  new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, code: `E${statusCode}` })), afterMs));
const HOST = hostname('www.precedence.test');
const config = {} as AppConfig;

describe('the Key Vault name check, all four holders read at once', () => {
  it("answers from a live certificate alone: the other reads' failures do not count", async () => {
    kv.getCertificate.mockResolvedValue({ name: 'www-precedence-test', properties: { tags: { [Tags.ManagedBy]: MANAGED_BY, [Tags.Hostnames]: HOST } } });
    for (const read of [kv.getDeletedCertificate, kv.getSecret, kv.getDeletedSecret]) read.mockImplementation(() => rest(403));
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).resolves.toMatchObject({ ok: true, state: 'ours' });
  });

  it("gives the live certificate read's error, not a later read's that failed sooner", async () => {
    kv.getCertificate.mockImplementation(() => rest(403, 30));
    kv.getDeletedCertificate.mockImplementation(() => rest(503, 0));
    for (const read of [kv.getSecret, kv.getDeletedSecret]) read.mockImplementation(() => rest(404));
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).rejects.toMatchObject({ code: 'KeyVaultAccessDenied', retryable: false });
  });
});

describe('the Key Vault name check, once no live certificate holds the name', () => {
  beforeEach(() => {
    kv.getCertificate.mockImplementation(() => rest(404));
  });

  it('answers "deleted" for a soft-deleted certificate even when a read after it (the deleted secret) is refused', async () => {
    kv.getDeletedCertificate.mockResolvedValue({ name: 'www-precedence-test', scheduledPurgeDate: new Date('2031-01-01T00:00:00Z') });
    kv.getSecret.mockImplementation(() => rest(404));
    kv.getDeletedSecret.mockImplementation(() => rest(403));
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).resolves.toMatchObject({ ok: true, state: 'deleted' });
  });

  it("gives the deleted certificate read's error, not a later read's that failed sooner", async () => {
    kv.getDeletedCertificate.mockImplementation(() => rest(403, 30)); // access denied: final
    kv.getSecret.mockImplementation(() => rest(503, 0)); // transient: retryable
    kv.getDeletedSecret.mockImplementation(() => rest(404));
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).rejects.toMatchObject({ code: 'KeyVaultAccessDenied', retryable: false });
  });

  it('answers "deleted" for a deleted certificate\'s own (managed) secret while the certificate\'s deletion settles', async () => {
    kv.getDeletedCertificate.mockImplementation(() => rest(404));
    kv.getSecret.mockImplementation(() => rest(404));
    kv.getDeletedSecret.mockResolvedValue({ name: 'www-precedence-test', properties: { managed: true, scheduledPurgeDate: new Date('2031-02-01T00:00:00Z') } });
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).resolves.toEqual({
      ok: true,
      state: 'deleted',
      scheduledPurgeDate: '2031-02-01T00:00:00.000Z',
    });
  });

  it('refuses a name a deleted plain secret holds', async () => {
    kv.getDeletedCertificate.mockImplementation(() => rest(404));
    kv.getSecret.mockImplementation(() => rest(404));
    kv.getDeletedSecret.mockResolvedValue({ name: 'www-precedence-test', properties: { scheduledPurgeDate: new Date('2031-02-01T00:00:00Z') } });
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).resolves.toMatchObject({ ok: false, code: 'KeyVaultNameTaken' });
  });

  it('answers "free" when nothing holds the name', async () => {
    for (const read of [kv.getDeletedCertificate, kv.getSecret, kv.getDeletedSecret]) read.mockImplementation(() => rest(404));
    await expect(checkCertificateName(config, 'www-precedence-test', HOST)).resolves.toEqual({ ok: true, state: 'free' });
  });
});

describe("the starters' checks", () => {
  beforeEach(() => {
    hub.running.clear();
    hub.failingStatus = () => false;
    hub.failingEntities = false;
  });

  it('answer 409 for a running issuance even when the claim entity cannot be read', async () => {
    hub.running.add('issue-www-precedence-test');
    hub.failingEntities = true;
    await expect(conflictFor(durableClient(), HOST)).resolves.toMatchObject({ status: 409 });
  });

  it('answer 503 (a retryable error) when the claim entity cannot be read and no run is found by id', async () => {
    hub.failingEntities = true;
    await expect(conflictFor(durableClient(), HOST)).rejects.toMatchObject({ retryable: true });
  });

  it("answer a batch with 409 for the first hostname whose issuance runs, even when a later hostname's read fails", async () => {
    hub.running.add('issue-a-starter-test');
    hub.failingStatus = (id) => id.endsWith('b-starter-test');
    const request = new Request('http://localhost/api/x', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hostnames: [{ hostname: 'a.starter.test' }, { hostname: 'b.starter.test' }] }),
    }) as unknown as HttpRequest;
    await expect(startIssuance(request, {} as InvocationContext, 'multiple')).resolves.toMatchObject({ status: 409 });
  });
});
