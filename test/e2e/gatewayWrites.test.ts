/**
 * Gateway writes against the ARM emulator as strict as Azure (a second PUT cancels the first with
 * CanceledAndSupersededDueToAnotherOperation, If-Match ignored, RBAC from infra/roles.json), with
 * PUTs slow enough to overlap: many requests at once, another writer in the middle of ours, a
 * wildcard listener that shadows ours, the deployed roles, and a gateway that answers 409.
 * The other writer is a real ARM client with its own identity (./otherWriter.ts); the emulator's
 * hooks only choose the moment it writes.
 */
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { CertificateClient } from '@azure/keyvault-certificates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutEvent } from '../../devstack/arm/emulator';
import { builtInRole } from '../../devstack/arm/builtInRoles';
import { loadInfraRoles, type ScopeKind } from '../../devstack/arm/deployedRoles';
import { AppOnStack, post, randomHostname, servedCertificate, startAppOnStack } from '../../devstack/stack/appOnStack';
import { fakeCredential } from '../../devstack/stack/localStack';
import { missingBindings } from '../../lib/gatewayMerge';
import { keyVaultCertificateName } from '../../lib/naming';
import { MAX_WRITES } from '../../orchestrators/gatewayUpdate';
import { forgeKey, issue } from '../fixtures/certificates';
import { hostname as asHostname } from '../fixtures/hostnames';
import { gatewayJson, listenersFor, rulesFor } from './appFixture';
import { addUnrelatedSite, appPrincipalId, otherWriter, removeSite, type ForeignWrite } from './otherWriter';

/** The emulator's ARM JSON and the app's customStatus and output, read as plain JSON. */
type Json = any;

const SINGLE = 'AddCertificateFunctions_HttpStart';
const MULTI = 'AddMultipleCertificatesFunctions_HttpStart';
/** Long enough for requests and writers to overlap a PUT; Azure's take minutes. */
const OVERLAPPING_PUT_MS = 400;
const OPERATIONS_READ = 'Microsoft.Network/locations/operations/read';

let app: AppOnStack;
let appId: string;

beforeAll(async () => {
  // Late timers (up to 30 s virtual): the write queue's polls and waits must not depend on exact timing.
  app = await startAppOnStack({ timerLateness: { seed: 'gatewayWrites' } });
  appId = await appPrincipalId(app);
});
afterAll(async () => {
  await app?.stop();
});

// ----- helpers -----------------------------------------------------------------------------------

const same = (a: string | undefined, b: string | undefined) => a?.toLowerCase() === b?.toLowerCase();

async function start(hosts: string[], starter = hosts.length === 1 ? SINGLE : MULTI): Promise<string> {
  const response = await post(app.harness, starter, { hostnames: hosts.map((hostname) => ({ hostname })) });
  expect(response.status, response.body).toBe(202);
  return response.json().id as string;
}

const finish = (id: string) => app.harness.waitForCompletion(id, { timeoutMs: 120_000 });

function secretIdOf(host: string): string {
  return `${app.stack.keyVault.url}/secrets/${keyVaultCertificateName(asHostname(host))}`;
}

function thumbprintOf(host: string): string {
  const versions = app.stack.keyVault.certificateVersions(keyVaultCertificateName(asHostname(host)));
  return versions[versions.length - 1]!.thumbprintHex.toLowerCase();
}

/**
 * A batch's verdict per hostname: customStatus holds one short state per hostname in request order
 * ("Completed", "Failed:<code>"); the output holds each hostname's details (message, instance id).
 */
function batchVerdicts(final: { customStatus: unknown; output: unknown }, hosts: readonly string[]): Record<string, { state: string; detail: Json }> {
  const states = (final.customStatus as Json).hostnames as string[];
  expect(states).toHaveLength(hosts.length);
  return Object.fromEntries(hosts.map((h, i) => [h, { state: states[i]!, detail: (final.output as Json).hostnames[h] }]));
}

const fingerprintHex = (fingerprint: string) => fingerprint.replace(/:/g, '').toLowerCase();

/** Bound: one HTTPS listener on 443, one rule, a certificate with the versionless secret id, and the data plane serves that certificate. */
async function expectBound(host: string): Promise<void> {
  const gw = gatewayJson(app);
  const listeners = listenersFor(app, host);
  expect(listeners, `${host}: listeners`).toHaveLength(1);
  const listener = listeners[0];
  expect(listener.properties.protocol).toBe('Https');
  expect(gw.properties.frontendPorts.find((p: Json) => same(p.id, listener.properties.frontendPort.id)).properties.port).toBe(443);
  expect(rulesFor(app, listener.id), `${host}: rules`).toHaveLength(1);
  const certificate = gw.properties.sslCertificates.find((c: Json) => same(c.id, listener.properties.sslCertificate.id));
  expect(certificate.properties.keyVaultSecretId, `${host}: secret id`).toBe(secretIdOf(host));
  const served = await servedCertificate(app.stack.dataPlane.httpsPort, host);
  expect(fingerprintHex(served.fingerprint), `${host}: served certificate`).toBe(thumbprintOf(host));
}

/** The app's gateway PUTs from now on: accepted, and how each ended. */
function trackAppPuts() {
  const accepted: PutEvent[] = [];
  const settled: PutEvent[] = [];
  const offs = [
    app.stack.arm.onPutAccepted((e) => e.principalId === appId && accepted.push(e)),
    app.stack.arm.onPutSettled((e) => e.principalId === appId && settled.push(e)),
  ];
  return { accepted, settled, stop: () => offs.forEach((off) => off()) };
}

/** Sets the PUT duration for one test; the returned function puts the previous one back. */
function withPutDuration(ms: number): () => void {
  const previous = app.stack.arm.putDurationMs;
  app.stack.arm.setPutDurationMs(ms);
  return () => app.stack.arm.setPutDurationMs(previous);
}

const hex = () => randomBytes(3).toString('hex');

// ----- 1. many requests at once ------------------------------------------------------------------

describe('two batches and five singles for one gateway at once, on a gateway where a second PUT supersedes the first', () => {
  it('binds every hostname with its own certificate, loses no update, and writes the gateway at most three times', { timeout: 180_000 }, async () => {
    const restore = withPutDuration(OVERLAPPING_PUT_MS);
    const puts = trackAppPuts();
    try {
      const batches = [Array.from({ length: 3 }, () => randomHostname('ba')), Array.from({ length: 3 }, () => randomHostname('bb'))];
      const singles = Array.from({ length: 5 }, () => randomHostname('single'));
      const ids = await Promise.all([...batches.map((b) => start(b, MULTI)), ...singles.map((s) => start([s], SINGLE))]);
      const finals = await Promise.all(ids.map(finish));

      for (const final of finals) expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      for (const [i, batch] of batches.entries()) {
        expect(finals[i]!.customStatus).toMatchObject({ status: 'Completed', error: null });
        const verdicts = batchVerdicts(finals[i]!, batch);
        for (const host of batch) expect(verdicts[host]!.state, host).toBe('Completed');
      }
      for (const final of finals.slice(batches.length)) expect(final.customStatus).toMatchObject({ status: 'Completed' });
      for (const host of [...batches.flat(), ...singles]) await expectBound(host);

      // No update lost: none of our PUTs was superseded (the queue serializes them), each succeeded.
      expect(puts.settled.map((e) => e.status)).toEqual(puts.accepted.map(() => 'Succeeded'));
      console.info(`[gatewayWrites] 2 batches of 3 + 5 singles at once, PUT ${OVERLAPPING_PUT_MS} ms: ${puts.accepted.length} gateway PUT(s)`);
      expect(puts.accepted.length).toBeGreaterThanOrEqual(1);
      expect(puts.accepted.length).toBeLessThanOrEqual(3);
    } finally {
      puts.stop();
      restore();
    }
  });
});

// ----- 2. another writer in the middle of ours ---------------------------------------------------

describe('another writer changes the gateway in the middle of our write', () => {
  it('keeps a listener another writer adds while our PUT is in flight (ours superseded), and binds ours', { timeout: 120_000 }, async () => {
    const restore = withPutDuration(OVERLAPPING_PUT_MS);
    const puts = trackAppPuts();
    const other = otherWriter(app);
    const foreignHost = `other-${hex()}.example.test`;
    let foreign: ForeignWrite | undefined;
    // An operator's single change (no retry): it GETs while our PUT runs, so it sees the gateway without ours.
    const off = app.stack.arm.onPutAccepted((e) => {
      if (e.principalId === appId && !foreign) foreign = other.write((gw) => addUnrelatedSite(gw, foreignHost));
    });
    try {
      const host = randomHostname('inflight');
      const final = await finish(await start([host]));
      expect(foreign).toBeDefined();
      const outcome = await foreign!.done;

      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      // The scenario happened: the other writer's PUT superseded our first one.
      expect(puts.settled[0]?.status).toBe('Canceled');
      await expectBound(host);
      // Its listener is kept: our rewrite must not supersede its write with a configuration read before it landed.
      expect(
        listenersFor(app, foreignHost),
        `other writer's PUT ended ${outcome.status}; our PUTs: ${puts.settled.map((e) => e.status).join(', ')}`,
      ).toHaveLength(1);
      expect(outcome).toEqual({ status: 'Succeeded', puts: 1 });
    } finally {
      off();
      puts.stop();
      restore();
    }
  });

  it(
    'keeps a listener another writer adds between our GET and our PUT (its PUT superseded by ours and written again), and binds ours',
    { timeout: 120_000 },
    async () => {
      const restore = withPutDuration(OVERLAPPING_PUT_MS);
      const puts = trackAppPuts();
      const other = otherWriter(app);
      const foreignHost = `other-${hex()}.example.test`;
      let foreign: ForeignWrite | undefined;
      // Our PUT is held until the other writer's PUT (based on the same configuration as ours) is accepted.
      // A careful client, it writes again from a fresh GET when its PUT is superseded.
      const off = app.stack.arm.beforeRequest(async (r) => {
        if (r.principalId !== appId || r.method !== 'PUT' || foreign) return;
        foreign = other.write((gw) => addUnrelatedSite(gw, foreignHost), { rewriteWhenSuperseded: 2 });
        await foreign.accepted;
      });
      try {
        const host = randomHostname('between');
        const final = await finish(await start([host]));
        expect(foreign).toBeDefined();
        const outcome = await foreign!.done;

        expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
        // Ours superseded the other writer's first PUT, which then wrote again on top of ours.
        expect(outcome).toEqual({ status: 'Succeeded', puts: 2 });
        expect(listenersFor(app, foreignHost)).toHaveLength(1);
        await expectBound(host);
        expect(puts.settled.map((e) => e.status)).toEqual(['Succeeded']);
      } finally {
        off();
        puts.stop();
        restore();
      }
    },
  );

  it('restores our listener when another writer removes it right after our PUT succeeds, before the read-after-write', { timeout: 120_000 }, async () => {
    const restore = withPutDuration(OVERLAPPING_PUT_MS);
    const puts = trackAppPuts();
    const other = otherWriter(app);
    const host = randomHostname('removed');
    let removal: ForeignWrite | undefined;
    const offs = [
      app.stack.arm.onPutSettled((e) => {
        if (e.principalId === appId && e.status === 'Succeeded' && !removal) removal = other.write((gw) => removeSite(gw, host));
      }),
      // The app's next request (the status poll, then the read-after-write) waits until the removal has landed.
      app.stack.arm.beforeRequest(async (r) => {
        if (r.principalId === appId && removal) await removal.done;
      }),
    ];
    try {
      const final = await finish(await start([host]));
      expect(removal).toBeDefined();
      expect(await removal!.done).toEqual({ status: 'Succeeded', puts: 1 });

      expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      await expectBound(host);
      expect(puts.settled.map((e) => e.status)).toEqual(['Succeeded', 'Succeeded']);
    } finally {
      offs.forEach((off) => off());
      puts.stop();
      restore();
    }
  });

  it(
    'reports ApplicationGatewayUpdateLost for the hostname another writer removes after every write, and binds its sibling',
    { timeout: 120_000 },
    async () => {
      const restore = withPutDuration(OVERLAPPING_PUT_MS);
      const puts = trackAppPuts();
      const other = otherWriter(app);
      const [victim, sibling] = [randomHostname('victim'), randomHostname('sibling')];
      const removals: ForeignWrite[] = [];
      let pending: Promise<unknown> = Promise.resolve();
      const offs = [
        app.stack.arm.onPutSettled((e) => {
          if (e.principalId !== appId || e.status !== 'Succeeded') return;
          const removal = other.write((gw) => removeSite(gw, victim));
          removals.push(removal);
          pending = removal.done;
        }),
        app.stack.arm.beforeRequest(async (r) => {
          if (r.principalId === appId) await pending;
        }),
      ];
      try {
        const final = await finish(await start([victim, sibling]));
        for (const removal of removals) expect(await removal.done).toMatchObject({ status: 'Succeeded' });

        expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
        const status = final.customStatus as Json;
        expect(status.error).toBe('SomeCertificatesFailed');
        const verdicts = batchVerdicts(final, [victim, sibling]);
        expect(verdicts[victim]!.state).toBe('Failed:ApplicationGatewayUpdateLost');
        expect(verdicts[victim]!.detail).toMatchObject({ status: 'Failed', error: 'ApplicationGatewayUpdateLost', message: expect.stringContaining(victim) });
        expect(verdicts[sibling]!.state).toBe('Completed');
        await expectBound(sibling);
        expect(listenersFor(app, victim)).toHaveLength(0);
        // Bounded: the first write and MAX_WRITES - 1 repairs, each removed again.
        expect(puts.accepted).toHaveLength(MAX_WRITES);
        expect(removals).toHaveLength(MAX_WRITES);
      } finally {
        offs.forEach((off) => off());
        puts.stop();
        restore();
      }
    },
  );
});

// ----- 3. a wildcard listener first in line --------------------------------------------------------

describe('a wildcard listener *.<domain> routed at priority 100 on port 443', () => {
  it(
    'refuses the hostnames it would shadow with ApplicationGatewayListenerShadowed, binds the others, and the data plane serves the wildcard certificate there',
    { timeout: 120_000 },
    async () => {
      const domain = `wild-${hex()}.robot.test`;
      const shadowed = [`a-${hex()}.${domain}`, `deep-${hex()}.b.${domain}`];
      const beside = [randomHostname('beside'), randomHostname('beside')];
      const operator = otherWriter(app);

      // The operator's wildcard certificate, imported into Key Vault as a PFX.
      const wildcard = issue({ cn: `*.${domain}`, sans: [`*.${domain}`] });
      const password = `pw-${hex()}`;
      const pfxAsn1 = forge.pkcs12.toPkcs12Asn1(forgeKey(wildcard.key), [forge.pki.certificateFromPem(wildcard.pem)], password, { algorithm: '3des' });
      const pfx = Buffer.from(forge.asn1.toDer(pfxAsn1).getBytes(), 'binary');
      const wildcardSecretName = `wildcard-${hex()}`;
      const certificates = new CertificateClient(app.stack.keyVault.url, fakeCredential, { disableChallengeResourceVerification: true });
      await certificates.importCertificate(wildcardSecretName, pfx, { password });

      // Its listener and rule, through ARM; the port-80 challenge rule leaves priority 100 to it.
      let wild = { listener: '', rule: '', certificate: '' };
      const setUp = await operator.write((gw) => {
        gw.requestRoutingRules!.find((r) => r.name === 'http-rule')!.priority = 110;
        wild = addUnrelatedSite(gw, `*.${domain}`, { priority: 100, secretId: `${app.stack.keyVault.url}/secrets/${wildcardSecretName}` });
      }).done;
      expect(setUp.status).toBe('Succeeded');
      const wildcardServed = async (host: string) => fingerprintHex((await servedCertificate(app.stack.dataPlane.httpsPort, host)).fingerprint);
      const wildcardPrint = fingerprintHex(wildcard.cert.fingerprint);
      try {
        const final = await finish(await start([...shadowed, ...beside]));
        expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
        expect((final.customStatus as Json).error).toBe('SomeCertificatesFailed');
        const verdicts = batchVerdicts(final, [...shadowed, ...beside]);
        for (const host of shadowed) {
          expect(verdicts[host]!.state, host).toBe('Failed:ApplicationGatewayListenerShadowed');
          expect(verdicts[host]!.detail).toMatchObject({ status: 'Failed', error: 'ApplicationGatewayListenerShadowed' });
          expect(verdicts[host]!.detail.message).toContain(wild.listener);
          expect(verdicts[host]!.detail.message).toMatch(/priority 100\b/);
          expect(listenersFor(app, host)).toHaveLength(0);
          expect(await wildcardServed(host)).toBe(wildcardPrint);
        }
        for (const host of beside) {
          expect(verdicts[host]!.state, host).toBe('Completed');
          await expectBound(host);
        }

        // The test double agrees with the product: bound by hand the way the app would have (its own
        // certificate, a rule in the app's priority range), a shadowed name is still served the wildcard...
        const forcedHost = shadowed[0]!;
        const binding = { hostname: asHostname(forcedHost), keyVaultSecretId: secretIdOf(forcedHost) };
        expect((await operator.write((gw) => addUnrelatedSite(gw, forcedHost, { priority: 15000, secretId: binding.keyVaultSecretId })).done).status).toBe(
          'Succeeded',
        );
        expect(await wildcardServed(forcedHost)).toBe(wildcardPrint);
        expect(missingBindings(await operator.read(), [binding])).toEqual([
          expect.objectContaining({ hostname: forcedHost, code: 'ApplicationGatewayListenerShadowed' }),
        ]);
        // ...and once the wildcard rule comes after it, both agree that it is served its own.
        expect((await operator.write((gw) => (gw.requestRoutingRules!.find((r) => r.name === wild.rule)!.priority = 19000)).done).status).toBe('Succeeded');
        expect(await wildcardServed(forcedHost)).toBe(thumbprintOf(forcedHost));
        expect(missingBindings(await operator.read(), [binding])).toEqual([]);
      } finally {
        const cleanUp = await operator.write((gw) => {
          removeSite(gw, `*.${domain}`);
          removeSite(gw, shadowed[0]!);
          gw.requestRoutingRules!.find((r) => r.name === 'http-rule')!.priority = 100;
        }).done;
        expect(cleanUp.status).toBe('Succeeded');
      }
    },
  );
});

// ----- 4. the roles infra/ deploys -----------------------------------------------------------------

describe('RBAC: the roles infra/roles.json deploys', () => {
  it('the app holds exactly those assignments, and with them the PUT and its tracking succeed', async () => {
    const gw = gatewayJson(app);
    const scopeOf: Partial<Record<ScopeKind, string>> = {
      gateway: gw.id,
      publicIp: gw.properties.frontendIPConfigurations[0].properties.publicIPAddress.id,
      subnet: gw.properties.gatewayIPConfigurations[0].properties.subnet.id,
      gatewayIdentity: Object.keys(gw.identity.userAssignedIdentities)[0],
      gatewayResourceGroup: `/subscriptions/${app.stack.subscriptionId}/resourceGroups/${app.stack.resourceGroup}`,
    };
    const roles = loadInfraRoles();
    const key = (a: { scope: string; actions: readonly string[] }) => `${a.scope.toLowerCase()} ${[...a.actions].sort().join(',')}`;
    // No WAF policy is linked to the sample gateway, so that assignment is not deployed.
    const expected = roles.assignments
      .filter((a) => a.scope !== 'wafPolicy')
      .map((a) => ({ scope: scopeOf[a.scope]!, actions: roles.customRoles[a.role]?.actions ?? builtInRole(roles.builtInRoles[a.role]!).actions }));
    const actual = app.stack.arm.roleAssignmentsOf(appId).map((a) => ({ scope: a.scope, actions: a.role.actions }));
    expect(actual.map(key).sort()).toEqual(expected.map(key).sort());

    const requestsBefore = app.stack.arm.requests.length;
    const host = randomHostname('rbac');
    const final = await finish(await start([host]));
    expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
    await expectBound(host);
    const polls = app.stack.arm.requests.slice(requestsBefore).filter((r) => r.method === 'GET' && r.path.includes('/operations/'));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.status === 200)).toBe(true);
  });

  it('without the resource-group grant of locations/operations/read, a single issuance ends ApplicationGatewayAccessDenied naming that action and scope', async () => {
    const rgScope = `/subscriptions/${app.stack.subscriptionId}/resourceGroups/${app.stack.resourceGroup}`;
    const atRg = app.stack.arm.roleAssignmentsOf(appId).filter((a) => same(a.scope, rgScope));
    expect(atRg.map((a) => a.role.actions)).toEqual([[OPERATIONS_READ]]);
    expect(app.stack.arm.removeRoleAssignments(appId, (a) => same(a.scope, rgScope))).toBe(1);
    try {
      const final = await finish(await start([randomHostname('noops')]));
      expect(final.runtimeStatus).toBe('Failed');
      const status = final.customStatus as Json;
      expect(status, status.message).toMatchObject({ status: 'Failed', error: 'ApplicationGatewayAccessDenied' });
      expect(status.message).toContain(OPERATIONS_READ);
      expect(status.message).toMatch(new RegExp(`resource group ${app.stack.resourceGroup}\\b`));
    } finally {
      for (const a of atRg) app.stack.arm.assignRole(appId, a.roleDefinitionId, a.scope);
    }
    expect(app.stack.arm.roleAssignmentsOf(appId).filter((a) => same(a.scope, rgScope))).toHaveLength(1);
  });
});

// ----- 5. a gateway that answers 409 -------------------------------------------------------------

describe('a gateway that refuses a PUT while another runs (409 AnotherOperationInProgress)', () => {
  it("binds every hostname of concurrent requests, waiting out another writer's PUT, and keeps that writer's listener", { timeout: 180_000 }, async () => {
    const restore = withPutDuration(OVERLAPPING_PUT_MS);
    const previousBehaviour = app.stack.arm.behaviour;
    app.stack.arm.configure({ concurrentPut: 'conflict' });
    const puts = trackAppPuts();
    const other = otherWriter(app);
    const foreignHost = `other-${hex()}.example.test`;
    let foreign: ForeignWrite | undefined;
    // Another writer's PUT is accepted just before our first one, which the gateway then refuses.
    const off = app.stack.arm.beforeRequest(async (r) => {
      if (r.principalId !== appId || r.method !== 'PUT' || foreign) return;
      foreign = other.write((gw) => addUnrelatedSite(gw, foreignHost));
      await foreign.accepted;
    });
    const rejectedBefore = app.stack.arm.rejectedPuts.length;
    try {
      const batch = [randomHostname('c409'), randomHostname('c409')];
      const singles = Array.from({ length: 3 }, () => randomHostname('s409'));
      const ids = await Promise.all([start(batch, MULTI), ...singles.map((s) => start([s], SINGLE))]);
      const finals = await Promise.all(ids.map(finish));
      expect(foreign).toBeDefined();
      expect(await foreign!.done).toEqual({ status: 'Succeeded', puts: 1 });

      for (const final of finals) expect(final.runtimeStatus, JSON.stringify(final.customStatus)).toBe('Completed');
      for (const host of [...batch, ...singles]) await expectBound(host);
      expect(listenersFor(app, foreignHost)).toHaveLength(1);
      const refused = app.stack.arm.rejectedPuts.slice(rejectedBefore);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((r) => r.code))).toEqual(new Set(['AnotherOperationInProgress']));
      expect(puts.settled.every((e) => e.status === 'Succeeded')).toBe(true);
      console.info(`[gatewayWrites] 409 mode: ${refused.length} refused PUT(s), ${puts.accepted.length} accepted`);
    } finally {
      off();
      puts.stop();
      app.stack.arm.configure(previousBehaviour);
      restore();
    }
  });
});
