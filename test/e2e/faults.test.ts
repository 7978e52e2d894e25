/**
 * The fault table (issue #7): each row injects a fault into a real local server (or the host)
 * and checks that nothing is lost, nothing is left half-done, and failures carry a code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppOnStack, AppOnStackOptions, post, randomHostname, startAppOnStack } from '../../devstack/stack/appOnStack';
import { challengeBlobNames, gatewayJson, listenersFor, withSetting } from './appFixture';
import { keyVaultCertificateName } from '../../lib/naming';
import { hostname as asHostname } from '../fixtures/hostnames';
import { loadCa } from '../../devstack/tls/testCa';
import { AcmeProxy, startAcmeProxy } from '../../devstack/acme/acmeProxy';

const SINGLE = 'AddCertificateFunctions_HttpStart';
const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';

async function issue(app: AppOnStack, hosts: string[]) {
  const response = await post(app.harness, hosts.length === 1 ? SINGLE : MULTI, { hostnames: hosts.map((hostname) => ({ hostname })) });
  expect(response.status, response.body).toBe(202);
  return app.harness.waitForCompletion(response.json().id, { timeoutMs: 120_000 });
}

function onStack(options: AppOnStackOptions, body: (get: () => AppOnStack) => void): void {
  let app: AppOnStack;
  beforeAll(async () => {
    app = await startAppOnStack(options);
  });
  afterAll(async () => {
    await app?.stop();
  });
  body(() => app);
}

describe('fault 1: the CA rejects 30% of nonces', () => {
  onStack({ pebbleEnv: { PEBBLE_WFE_NONCEREJECT: '30' } }, (app) => {
    it('still issues and binds every certificate (acme-client retries badNonce)', async () => {
      const hosts = [randomHostname('n1'), randomHostname('n2'), randomHostname('n3')];
      const final = await issue(app(), hosts);
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      for (const h of hosts) expect(listenersFor(app(), h), JSON.stringify(final.output)).toHaveLength(1);
    });
  });
});

describe('faults 3, 4, 7 on one stack', () => {
  onStack({}, (app) => {
    it('fault 3: Key Vault answers 429 and 503 with Retry-After for a while — retried, completes', async () => {
      app().stack.keyVault.injectFaults({ status: 429, count: 2, retryAfterSeconds: 1 });
      app().stack.keyVault.injectFaults({ status: 503, count: 2, retryAfterSeconds: 1 });
      const host = randomHostname('kv');
      const final = await issue(app(), [host]);
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      const statuses = app().stack.keyVault.requests.map((r) => r.status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(2);
      expect(statuses.filter((s) => s === 503)).toHaveLength(2);
      expect(app().stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)))).toHaveLength(1);
    });

    it('fault 4a: the gateway answers 409 AnotherOperationInProgress twice — retried on durable timers, completes', async () => {
      app().stack.arm.injectPutFaults({ mode: 'conflict', count: 2 });
      const host = randomHostname('busy');
      const rejectedBefore = app().stack.arm.rejectedPuts.length;
      const final = await issue(app(), [host]);
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      expect(
        app()
          .stack.arm.rejectedPuts.slice(rejectedBefore)
          .map((r) => r.code),
      ).toEqual(['AnotherOperationInProgress', 'AnotherOperationInProgress']);
      expect(listenersFor(app(), host)).toHaveLength(1);
    });

    it('fault 4b: every gateway update fails — Failed with its code, certificate kept, files gone, gateway unchanged', async () => {
      const before = gatewayJson(app()).properties;
      app().stack.arm.injectPutFaults({ mode: 'lroFailed', count: 1000 });
      try {
        const host = randomHostname('lrofail');
        const final = await issue(app(), [host]);
        expect(final.runtimeStatus).toBe('Failed');
        expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'ApplicationGatewayUpdateFailed' });
        expect((final.customStatus as { message: string }).message).toMatch(/certificate is in Key Vault/);
        expect(app().stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)))).toHaveLength(1);
        expect((await challengeBlobNames(app())).length).toBe(0);
        const after = gatewayJson(app()).properties;
        expect(after.httpListeners).toEqual(before.httpListeners);
        expect(after.sslCertificates).toEqual(before.sslCertificates);
        expect(after.requestRoutingRules).toEqual(before.requestRoutingRules);
      } finally {
        app().stack.arm.clearPutFaults();
      }
    });

    it('fault 7: the CA fails validation — AcmeOrderInvalid, container cleaned, and a retry succeeds once fixed', async () => {
      const host = randomHostname('cafail');
      const restore = await breakTheCasPath(app());
      try {
        const final = await issue(app(), [host]);
        expect(final.runtimeStatus).toBe('Failed');
        expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'AcmeOrderInvalid' });
        expect((await challengeBlobNames(app())).length).toBe(0);
      } finally {
        await restore();
      }
      const retry = await issue(app(), [host]);
      expect(retry.runtimeStatus, JSON.stringify(retry.customStatus)).toBe('Completed');
      expect(app().stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)))).toHaveLength(1);
    });
  });
});

describe('fault 7 while Key Vault is slow to make the key (timers on wall time, as on the real host)', () => {
  onStack({ timerMode: 'wallClock' }, (app) => {
    it('ends the failed run only once the Key Vault CSR started with the answer is done', async () => {
      const restore = await breakTheCasPath(app());
      // The CA fails within a few polls; Key Vault takes 3 s for the key.
      const csrFunction = app().registry.require('createKeyVaultCsr') as { handler: (...args: unknown[]) => unknown };
      const csrHandler = csrFunction.handler;
      let csrDone = false;
      csrFunction.handler = async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, 3000));
        try {
          return await csrHandler(...args);
        } finally {
          csrDone = true;
        }
      };
      try {
        const response = await post(app().harness, SINGLE, { hostnames: [{ hostname: randomHostname('slowkey') }] });
        const final = await app().harness.waitForCompletion(response.json().id, { timeoutMs: 120_000 });
        expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'AcmeOrderInvalid' });
        // No Key Vault work outlives the run (and its claim on the certificate): the CSR's result is in its history.
        expect(csrDone).toBe(true);
        const history = app().harness.getStatus(response.json().id).history;
        const scheduled = history.find((e) => e.EventType === 4 && e.Name === 'createKeyVaultCsr');
        expect(history.some((e) => e.EventType === 5 && e.TaskScheduledId === scheduled?.EventId)).toBe(true);
      } finally {
        csrFunction.handler = csrHandler;
        await restore();
      }
    });
  });
});

/**
 * The CA's path (through the gateway) breaks — the challenge path rule disappears — while our own
 * probe still reaches the file (a path the CA does not take), so the CA is asked and fails the
 * validation. Returns what puts everything back.
 */
async function breakTheCasPath(app: AppOnStack): Promise<() => Promise<void>> {
  const stack = app.stack;
  const original = gatewayJson(app);
  const broken = structuredClone(original);
  for (const map of broken.properties.urlPathMaps ?? []) {
    map.properties.pathRules = map.properties.pathRules.filter((r: any) => !r.properties.paths.includes('/.well-known/acme-challenge/*'));
  }
  stack.arm.addApplicationGateway(stack.resourceGroup, stack.gatewayName, broken);
  const probe: Server = createServer(async (req, res) => {
    const token = (req.url ?? '').split('/').pop() ?? '';
    const blob = await fetch(`${stack.settings.BlobContainerUrl}/${token}`);
    res.statusCode = blob.status;
    res.end(await blob.text());
  });
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const restorePort = withSetting('ChallengeSelfCheckPort', String((probe.address() as AddressInfo).port));
  return async () => {
    stack.arm.addApplicationGateway(stack.resourceGroup, stack.gatewayName, original);
    restorePort();
    await new Promise((r) => probe.close(r));
  };
}

describe('fault 5: the host dies after every activity, once each', () => {
  const crashed = new Set<string>();
  onStack({ crashAfterActivity: (name, attempt) => attempt === 1 && !crashed.has(name) && (crashed.add(name), true) }, (app) => {
    it('replays and re-runs each interrupted activity, still ending with one version, at most one extra PUT, no files, no duplicates', async () => {
      const hosts = [randomHostname('c1'), randomHostname('c2')];
      const puts = app().stack.arm.putCount;
      const final = await issue(app(), hosts);
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      expect([...crashed]).toEqual(
        expect.arrayContaining([
          'getGatewayPublicIp',
          'createAcmeOrder',
          'uploadChallengeFiles',
          'answerChallenges',
          'createKeyVaultCsr',
          'finalizeOrder',
          'mergeCertificate',
          'deleteChallengeFiles',
          'startGatewayUpdate',
          'checkGatewayUpdate',
        ]),
      );
      for (const h of hosts) {
        expect(app().stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(h)))).toHaveLength(1);
        expect(listenersFor(app(), h)).toHaveLength(1);
      }
      // A host that dies right after startGatewayUpdate's PUT leaves that PUT in flight unrecorded; the
      // re-run cannot see it (a GET during a PUT returns the configuration before it), so it writes once
      // more and supersedes its own first PUT. Two PUTs at most, and every listener exactly once.
      expect(app().stack.arm.putCount - puts).toBeGreaterThanOrEqual(1);
      expect(app().stack.arm.putCount - puts).toBeLessThanOrEqual(2);
      expect((await challengeBlobNames(app())).length).toBe(0);
    });
  });
});

describe('fault 2: the CA answers 429 with Retry-After on new-order', () => {
  onStack({}, (app) => {
    let proxy: AcmeProxy;
    let restore: () => void;
    beforeAll(async () => {
      proxy = await startAcmeProxy({ ca: loadCa(), upstreamDirectoryUrl: app().stack.pebble.directoryUrl });
      restore = withSetting('AcmeEndpoint', proxy.directoryUrl);
    });
    afterAll(async () => {
      restore?.();
      await proxy?.stop();
    });

    it('waits at least Retry-After on a durable timer, then retries and completes', async () => {
      proxy.rateLimitNewOrders(1, 120);
      const response = await post(app().harness, SINGLE, { hostnames: [{ hostname: randomHostname('rl') }] });
      const final = await app().harness.waitForCompletion(response.json().id, { timeoutMs: 60_000 });
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      expect(proxy.rateLimited).toBe(1);
      const timers = final.history.filter((e) => e.EventType === 10).map((e) => new Date(String(e.FireAt)).getTime() - new Date(e.Timestamp).getTime());
      expect(Math.max(...timers)).toBeGreaterThanOrEqual(120_000);
      expect(
        app()
          .harness.customStatusHistory(response.json().id)
          .some((s: any) => /rate limiting; waiting 120 s/.test(s.message)),
      ).toBe(true);
    });

    it('fails with AcmeRateLimited and says when to try again when the limit lasts too long', async () => {
      proxy.rateLimitNewOrders(10, 7200);
      const response = await post(app().harness, SINGLE, { hostnames: [{ hostname: randomHostname('rl') }] });
      const final = await app().harness.waitForCompletion(response.json().id, { timeoutMs: 60_000 });
      expect(final.runtimeStatus).toBe('Failed');
      expect(final.customStatus).toMatchObject({ status: 'Failed', error: 'AcmeRateLimited' });
      expect((final.customStatus as { message: string }).message).toMatch(/Try again after \d{4}-\d\d-\d\dT/);
      proxy.rateLimitNewOrders(0, 0);
    });
  });
});

describe('fault 8: Blob Storage refuses deletes during clean-up', () => {
  onStack({}, (app) => {
    let proxy: Server;
    let restore: () => void;
    let failDeletes = 0;
    let refused = 0;
    beforeAll(async () => {
      // The app reaches storage through this proxy; the gateway data plane reads Azurite directly.
      const target = new URL(app().stack.azurite.blobEndpoint);
      proxy = createServer((req, res) => {
        if (req.method === 'DELETE' && failDeletes > 0) {
          failDeletes -= 1;
          refused += 1;
          req.resume();
          res.writeHead(403, { 'x-ms-error-code': 'AuthorizationFailure' });
          res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized.</Message></Error>');
          return;
        }
        const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        req.pipe(forward);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      restore = withSetting('BlobContainerUrl', `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}/acme-challenge`);
    });
    afterAll(async () => {
      restore?.();
      await new Promise((r) => proxy?.close(r));
    });

    it('retries the clean-up until the files are deleted', async () => {
      failDeletes = 3;
      const final = await issue(app(), [randomHostname('del')]);
      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      expect(refused).toBe(3);
      expect((await challengeBlobNames(app())).length).toBe(0);
    });

    it('reports (does not swallow) a clean-up that never succeeds, while keeping the issued certificate', async () => {
      failDeletes = 1000;
      try {
        const final = await issue(app(), [randomHostname('del')]);
        expect(final.runtimeStatus).toBe('Completed');
        expect((final.customStatus as { message: string }).message).toMatch(/could not be deleted from Blob Storage/);
        expect(JSON.stringify(final.output)).toMatch(/could not be deleted/);
        expect((await challengeBlobNames(app())).length).toBe(1);
      } finally {
        failDeletes = 0;
      }
    });
  });
});
