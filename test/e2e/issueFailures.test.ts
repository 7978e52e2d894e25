import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppOnStack, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { challengeBlobNames, withSetting, listenersFor, rulesFor } from './appFixture';
import { readStatus } from '../../lib/adapters/acme';
import { getConfig } from '../../lib/config';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';

const START = 'AddCertificateFunctions_HttpStart';

/** The authorization URLs the run read from the CA (the output of getAcmeHttp01Challenges in its history). */
function authorizationUrls(app: AppOnStack, instanceId: string): string[] {
  const history = app.harness.getStatus(instanceId).history;
  const scheduled = history.find((e) => e.EventType === 4 && e.Name === 'getAcmeHttp01Challenges');
  const completed = history.find((e) => e.EventType === 5 && e.TaskScheduledId === scheduled?.EventId);
  const output = JSON.parse(String(completed?.Result)) as { challenges: Array<{ authorizationUrl: string }> };
  return output.challenges.map((c) => c.authorizationUrl);
}

/** What the CA says of each authorization now (RFC 8555 §7.5), read with the app's own account. */
async function authorizationStatuses(app: AppOnStack, instanceId: string): Promise<Array<string | undefined>> {
  const urls = authorizationUrls(app, instanceId);
  expect(urls.length).toBeGreaterThan(0);
  return Promise.all(urls.map((url) => readStatus(getConfig(), url)));
}

function scheduledActivities(app: AppOnStack, instanceId: string): string[] {
  // TaskScheduled events (type 4) name the activity.
  return app.harness
    .getStatus(instanceId)
    .history.filter((e) => e.EventType === 4)
    .map((e) => String(e.Name));
}

describe('issuance failures are reported with codes and leave nothing behind', () => {
  let app: AppOnStack;
  const restore: Array<() => void> = [];
  beforeAll(async () => {
    app = await startAppOnStack();
  });
  afterEach(() => {
    while (restore.length) restore.pop()!();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function issue(host: string) {
    const response = await post(app.harness, START, { hostnames: [{ hostname: host }] });
    expect(response.status).toBe(202);
    const id = response.json().id as string;
    return { id, final: await app.harness.waitForCompletion(id, { timeoutMs: 60_000 }) };
  }

  it('fails with HostnameNotResolvingToApplicationGateway before any ACME order, certificate or gateway write', async () => {
    const host = randomHostname('elsewhere');
    await app.stack.pebble.setARecord(host, '127.0.0.9');
    const putsBefore = app.stack.arm.putCount;
    const { id, final } = await issue(host);
    expect(final.runtimeStatus).toBe('Failed');
    expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'HostnameNotResolvingToApplicationGateway' });
    expect((final.customStatus as { message: string }).message).toContain('127.0.0.9');
    expect(scheduledActivities(app, id)).not.toContain('createAcmeOrder');
    expect(app.stack.keyVault.certificateNames()).not.toContain(keyVaultCertificateName(asHostname(host)));
    expect(app.stack.arm.putCount).toBe(putsBefore);
  });

  it('fails with HostnameOwnershipValidationFileNotFound when the gateway does not serve the file, and cleans the container', async () => {
    // The app writes under a prefix the gateway's path rule does not map: the file exists but is unreachable.
    restore.push(withSetting('BlobChallengePrefix', 'wrong-prefix/'));
    const host = randomHostname('nofile');
    const { id, final } = await issue(host);
    expect(final.runtimeStatus).toBe('Failed');
    expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'HostnameOwnershipValidationFileNotFound' });
    expect(scheduledActivities(app, id)).not.toContain('answerChallenges');
    expect(scheduledActivities(app, id)).toContain('deleteChallengeFiles');
    expect((await challengeBlobNames(app)).length).toBe(0);
    // The abandoned authorization is deactivated at the CA (RFC 8555 §7.5.2), not left pending.
    expect(await authorizationStatuses(app, id)).toEqual(['deactivated']);
    expect(app.stack.keyVault.certificateNames()).not.toContain(keyVaultCertificateName(asHostname(host)));
  });

  describe('when something else answers the challenge path', () => {
    let impostor: Server;
    afterEach(async () => {
      await new Promise((r) => impostor.close(r));
    });

    it('fails with HostnameOwnershipValidationFileNotValid without answering the CA, and cleans the container', async () => {
      impostor = createServer((_req, res) => res.end('not the key authorization'));
      await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
      restore.push(withSetting('ChallengeSelfCheckPort', String((impostor.address() as AddressInfo).port)));
      const host = randomHostname('wrongfile');
      const { id, final } = await issue(host);
      expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'HostnameOwnershipValidationFileNotValid' });
      expect(scheduledActivities(app, id)).not.toContain('answerChallenges');
      expect((await challengeBlobNames(app)).length).toBe(0);
      expect(await authorizationStatuses(app, id)).toEqual(['deactivated']);
    });
  });

  describe('when port 80 redirects everything to HTTPS', () => {
    let redirector: Server;
    afterEach(async () => {
      await new Promise((r) => redirector.close(r));
    });

    it('fails with HostnameOwnershipValidationFileNotFound and says to exempt the challenge path from the redirect', async () => {
      redirector = createServer((req, res) => {
        res.writeHead(301, { location: `https://${req.headers.host}${req.url}` });
        res.end();
      });
      await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
      restore.push(withSetting('ChallengeSelfCheckPort', String((redirector.address() as AddressInfo).port)));
      const { id, final } = await issue(randomHostname('redirect'));
      expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'HostnameOwnershipValidationFileNotFound' });
      expect((final.customStatus as { message: string }).message).toMatch(/HTTP 301.*exclude \/\.well-known\/acme-challenge\/\* from the HTTP→HTTPS redirect/);
      expect(scheduledActivities(app, id)).not.toContain('answerChallenges');
      expect((await challengeBlobNames(app)).length).toBe(0);
      expect(await authorizationStatuses(app, id)).toEqual(['deactivated']);
    });
  });

  it('re-issuing a bound hostname adds a Key Vault version and no duplicate listener or rule', async () => {
    const host = randomHostname('again');
    const first = await issue(host);
    expect(first.final.runtimeStatus).toBe('Completed');
    const second = await issue(host);
    expect(second.final.runtimeStatus).toBe('Completed');
    const versions = app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));
    expect(versions).toHaveLength(2);
    expect(versions[0]!.serialHex).not.toBe(versions[1]!.serialHex);
    const listeners = listenersFor(app, host);
    expect(listeners).toHaveLength(1);
    expect(rulesFor(app, listeners[0].id)).toHaveLength(1);
  });

  it('answers 409 with the running instance URLs when the hostname is already being issued', async () => {
    const host = randomHostname('busy');
    const first = await post(app.harness, START, { hostnames: [{ hostname: host }] });
    expect(first.status).toBe(202);
    const second = await post(app.harness, START, { hostnames: [{ hostname: host }] });
    expect(second.status).toBe(409);
    expect(second.json()).toMatchObject({ error: { code: 'Conflict' }, id: first.json().id, statusQueryGetUri: first.json().statusQueryGetUri });
    await app.harness.waitForCompletion(first.json().id, { timeoutMs: 60_000 });
  });
});
