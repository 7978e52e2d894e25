/**
 * The ACME adapter (lib/adapters/acme) against Pebble on the local stack: the account key in the
 * Key Vault emulator, and an order walked through the adapter's own functions, with the challenge
 * file served the way the CA fetches it in production (blob container → gateway data plane).
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import * as acmeLib from 'acme-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeCredential, LocalStack, startLocalStack } from '../../devstack/stack/localStack';
import { randomHostname } from '../../devstack/stack/appOnStack';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../devstack/azurite/azurite';
import { AcmeProxy, startAcmeProxy } from '../../devstack/acme/acmeProxy';
import { loadCa } from '../../devstack/tls/testCa';
import {
  acmeClient,
  answerChallenge,
  createOrder,
  deactivatePendingAuthorizations,
  downloadChain,
  FINALIZE_WAIT,
  finalizeOrder,
  forgetAcmeClients,
  getHttp01Challenges,
  readOrderStatus,
  readStatus,
} from '../../lib/adapters/acme';
import { uploadChallengeFile } from '../../lib/adapters/challengeFiles';
import type { Http01Challenge, OrderStatus } from '../../lib/activityContracts';
import { secretClient, setClientOverrides } from '../../lib/clients';
import { AppConfig, parseConfig } from '../../lib/config';
import type { Hostname } from '../../lib/hostnames';
import type { Outcome } from '../../lib/outcome';
import { hostname } from '../fixtures/hostnames';
import { expectOk } from '../fixtures/outcomes';

let stack: LocalStack;
/** In front of Pebble, passing everything through unless a test asks it to answer as a slower CA would. */
let proxy: AcmeProxy;
/** The app's configuration for this stack, parsed from its settings: process.env is never touched. */
let config: AppConfig;

beforeAll(async () => {
  stack = await startLocalStack();
  proxy = await startAcmeProxy({ ca: loadCa(), upstreamDirectoryUrl: stack.pebble.directoryUrl });
  config = parseConfig({ ...stack.settings, AcmeEndpoint: proxy.directoryUrl });
  setClientOverrides({ credential: fakeCredential, storageSharedKey: { accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY } });
  forgetAcmeClients();
});

afterEach(() => {
  // A test that failed part-way leaves nothing held for the next one.
  proxy.holdProcessing(0);
  proxy.failIssuance(undefined);
});

afterAll(async () => {
  forgetAcmeClients();
  setClientOverrides({});
  await proxy?.stop();
  await stack?.stop();
});

// --- helpers -----------------------------------------------------------------------------------

const POLL_DEADLINE_MS = 15_000;

/** Reads the order until `done` holds (the CA validates and issues asynchronously), up to a deadline. */
async function pollOrder(orderUrl: string, done: (o: Outcome<OrderStatus>) => boolean): Promise<Outcome<OrderStatus>> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  for (;;) {
    const outcome = await readOrderStatus(config, orderUrl);
    if (done(outcome) || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A new order for a fresh hostname, and its one HTTP-01 challenge. */
async function newOrder(prefix: string): Promise<{ host: Hostname; orderUrl: string; finalizeUrl: string; challenge: Http01Challenge }> {
  const host = hostname(randomHostname(prefix));
  const { orderUrl, finalizeUrl, authorizationUrls } = expectOk(await createOrder(config, host));
  expect(authorizationUrls).toHaveLength(1);
  const { challenges } = expectOk(await getHttp01Challenges(config, authorizationUrls));
  expect(challenges).toHaveLength(1);
  expect(challenges[0]!.authorizationUrl).toBe(authorizationUrls[0]);
  return { host, orderUrl, finalizeUrl, challenge: challenges[0]! };
}

/** A new order whose authorization the CA has validated (the order is `ready`). */
async function readyOrder(prefix: string): Promise<{ host: Hostname; orderUrl: string; finalizeUrl: string; challenge: Http01Challenge }> {
  const order = await newOrder(prefix);
  await uploadChallengeFile(config, order.challenge.token, order.challenge.keyAuthorization);
  await answerChallenge(config, order.challenge.challengeUrl);
  expect(await pollOrder(order.orderUrl, (o) => !o.ok || o.status !== 'pending')).toEqual({ ok: true, status: 'ready' });
  return order;
}

/** Successful PUTs of a secret: the SDK's first request of a client is an unauthenticated 401 probe. */
function secretWrites(name: string): number {
  return stack.keyVault.requests.filter((r) => r.method === 'PUT' && r.path === `/secrets/${name}` && r.status === 200).length;
}

// --- tests -------------------------------------------------------------------------------------

describe('the ACME account', () => {
  it('creates the account key in Key Vault once, and a new client after a restart reuses it', async () => {
    // Its own secret name: whether other tests already registered an account does not matter.
    const own: AppConfig = { ...config, acme: { ...config.acme, accountKeySecretName: `acme-account-key-${randomBytes(4).toString('hex')}` } };
    const secrets = secretClient(own);
    await expect(secrets.getSecret(own.acme.accountKeySecretName)).rejects.toMatchObject({ statusCode: 404 });

    const first = await acmeClient(own);
    const stored = await secrets.getSecret(own.acme.accountKeySecretName);
    expect(stored.value).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----/);
    expect(secretWrites(own.acme.accountKeySecretName)).toBe(1);

    forgetAcmeClients(); // what a new worker process starts with
    const second = await acmeClient(own);
    expect(second).not.toBe(first);
    expect(secretWrites(own.acme.accountKeySecretName)).toBe(1);
    expect((await secrets.getSecret(own.acme.accountKeySecretName)).properties.version).toBe(stored.properties.version);
    // Same key, so the CA answers newAccount with the same account (RFC 8555 §7.3.1).
    expect(second.getAccountUrl()).toBe(first.getAccountUrl());
  });
});

describe('an ACME order through the adapter', () => {
  it('goes pending → ready → valid and yields a chain for the hostname; answering and finalizing twice is harmless', async () => {
    const { host, orderUrl, finalizeUrl, challenge } = await newOrder('order');
    expect(challenge.keyAuthorization.startsWith(`${challenge.token}.`)).toBe(true);
    expect(challenge.alreadyValid).toBe(false);
    expect(await readStatus(config, challenge.challengeUrl)).toBe('pending');

    await uploadChallengeFile(config, challenge.token, challenge.keyAuthorization);
    await answerChallenge(config, challenge.challengeUrl);
    // A replay after a crash answers again, whatever state the challenge reached meanwhile.
    await expect(answerChallenge(config, challenge.challengeUrl)).resolves.toBeUndefined();
    expect(await pollOrder(orderUrl, (o) => !o.ok || o.status !== 'pending')).toEqual({ ok: true, status: 'ready' });
    expect(await readStatus(config, challenge.authorizationUrl)).toBe('valid');

    const [key, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    expect(expectOk(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).status).toMatch(/^(processing|valid)$/);
    // A replay finalizes again: the CA refuses (orderNotReady, RFC 8555 §7.4) and the order's state is the answer.
    expect(expectOk(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).status).toMatch(/^(processing|valid)$/);
    const valid = expectOk(await pollOrder(orderUrl, (o) => !o.ok || o.status === 'valid'));
    expect(valid.status).toBe('valid');
    expect(valid.certificateUrl).toMatch(/^https:\/\//);
    expect(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).toEqual({ ok: true, status: 'valid', certificateUrl: valid.certificateUrl });

    const chain = (await downloadChain(config, valid.certificateUrl!)).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(chain).toHaveLength(2);
    const [leaf, intermediate] = chain.map((pem) => new X509Certificate(pem));
    expect(leaf!.checkHost(host)).toBe(host);
    expect(leaf!.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(leaf!.checkIssued(intermediate!)).toBe(true);
    expect(leaf!.verify(intermediate!.publicKey)).toBe(true);
  });

  it("keeps the CA's refusal when an order that is not ready yet is finalized", async () => {
    const { host, orderUrl, finalizeUrl } = await newOrder('early');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    await expect(finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).rejects.toMatchObject({
      message: expect.stringMatching(/Finalizing the ACME order/),
    });
    expect(await readOrderStatus(config, orderUrl)).toEqual({ ok: true, status: 'pending' });
  });

  it('deactivates a pending authorization once, and leaves a valid one alone', async () => {
    const fresh = await newOrder('abandoned');
    const validated = await readyOrder('validated');
    const urls = [fresh.challenge.authorizationUrl, validated.challenge.authorizationUrl];

    expect(await deactivatePendingAuthorizations(config, urls)).toBe(1);
    expect(await readStatus(config, fresh.challenge.authorizationUrl)).toBe('deactivated');
    expect(await readStatus(config, validated.challenge.authorizationUrl)).toBe('valid');

    expect(await deactivatePendingAuthorizations(config, urls)).toBe(0);
    expect(await readStatus(config, validated.challenge.authorizationUrl)).toBe('valid');
  });

  it('waits inside finalize for an order the CA is still issuing, and returns it valid', async () => {
    const { host, orderUrl, finalizeUrl } = await readyOrder('processing');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    proxy.holdProcessing(3);
    const before = proxy.orderAnswers.length;
    const finalized = expectOk(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString()));
    expect(finalized).toEqual({ ok: true, status: 'valid', certificateUrl: expect.stringMatching(/^https:\/\//) });
    // The finalize answer and two reads said processing; the third read found it issued.
    expect(proxy.orderAnswers.slice(before).map((a) => a.status)).toEqual(['processing', 'processing', 'processing', 'valid']);
  });

  it("waits out Let's Encrypt's Retry-After of 3 s inside finalize, reading no sooner", async () => {
    const { host, orderUrl, finalizeUrl } = await readyOrder('retry-after');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    proxy.holdProcessing(1, 3);
    const before = proxy.orderAnswers.length;
    expect(expectOk(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).status).toBe('valid');
    const [finalize, read] = proxy.orderAnswers.slice(before);
    expect(read!.at - finalize!.at).toBeGreaterThanOrEqual(3000);
  });

  it("leaves a longer wait to the caller: returns processing with the CA's Retry-After, unread", async () => {
    const { host, orderUrl, finalizeUrl } = await readyOrder('later');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    const retryAfterSeconds = FINALIZE_WAIT.budgetMs / 1000 + 1;
    proxy.holdProcessing(1, retryAfterSeconds);
    const before = proxy.orderAnswers.length;
    expect(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).toEqual({ ok: true, status: 'processing', retryAfterSeconds });
    expect(proxy.orderAnswers.slice(before).map((a) => a.status)).toEqual(['processing']);
    // Read later, the order is what the CA made of it.
    expect(expectOk(await pollOrder(orderUrl, (o) => !o.ok || o.status === 'valid')).status).toBe('valid');
  });

  it("ends as an AcmeOrderInvalid value with the order's own error when the CA fails to issue", async () => {
    const { host, orderUrl, finalizeUrl } = await readyOrder('issue-fails');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    proxy.failIssuance('the signing service is unavailable');
    const invalid = { ok: false, code: 'AcmeOrderInvalid', message: 'The CA marked the order invalid: the signing service is unavailable' };
    expect(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).toEqual(invalid);
    // Invalid is final (RFC 8555 §7.1.6): a later read, or a replayed finalize, says so again.
    expect(await readOrderStatus(config, orderUrl)).toEqual(invalid);
    expect(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).toEqual(invalid);
  });

  it('reads a processing order no sooner than a Retry-After given as an HTTP-date', async () => {
    const { host, orderUrl, finalizeUrl } = await readyOrder('retry-date');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    // The date is a whole second, between 1 and 2 s ahead: rounding it down would read too early.
    const at = Math.ceil((Date.now() + 1_000) / 1000) * 1000;
    proxy.holdProcessing(1, new Date(at).toUTCString());
    expect(expectOk(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).status).toBe('valid');
    expect(Date.now()).toBeGreaterThanOrEqual(at);
  });

  it('stops waiting inside finalize once its budget is spent, reading on doubling delays', async () => {
    const { host, orderUrl, finalizeUrl } = await readyOrder('slow-issue');
    const [, csr] = await acmeLib.crypto.createCsr({ commonName: host, altNames: [host] });
    proxy.holdProcessing(1000);
    const before = proxy.orderAnswers.length;
    expect(await finalizeOrder(config, orderUrl, finalizeUrl, csr.toString())).toEqual({ ok: true, status: 'processing' });
    // Delays of firstMs, 2×, 4× … while their sum stays within the budget.
    let reads = 0;
    for (let sum = 0, next = FINALIZE_WAIT.firstMs; sum + next <= FINALIZE_WAIT.budgetMs; sum += next, next *= 2) reads += 1;
    const answers = proxy.orderAnswers.slice(before);
    expect(answers).toHaveLength(1 + reads);
    const gaps = answers.slice(1).map((a, i) => a.at - answers[i]!.at);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(FINALIZE_WAIT.firstMs * 2 ** i - 1));
  });

  it.each([
    { file: 'no file', arrange: async () => undefined, reason: /returned 404/ },
    {
      file: 'a wrong file',
      arrange: (c: Http01Challenge) => uploadChallengeFile(config, c.token, `${c.token}.not-the-account-thumbprint`),
      reason: /did not match this challenge/,
    },
  ])('ends as an AcmeOrderInvalid value carrying the CA reason when the gateway serves $file', async ({ arrange, reason }) => {
    const { orderUrl, challenge } = await newOrder('invalid');
    await arrange(challenge);
    await answerChallenge(config, challenge.challengeUrl);

    const final = await pollOrder(orderUrl, (o) => !o.ok);
    expect(final).toEqual({ ok: false, code: 'AcmeOrderInvalid', message: expect.stringMatching(reason) });
    expect(await readStatus(config, challenge.challengeUrl)).toBe('invalid');
  });

  it('returns a refused identifier as a failure value with the CA detail, not a throw', async () => {
    // Our edge parse already refuses IP addresses; here one stands in for any name the CA's policy
    // refuses that the parse cannot foresee (Pebble 2.4 answers `malformed` for an IP as a DNS name).
    const refused = '127.0.0.9' as Hostname;
    await expect(createOrder(config, refused)).resolves.toEqual({
      ok: false,
      code: 'AcmeServerError',
      message: expect.stringMatching(/Creating the ACME order failed: .*IP address/),
    });
  });
});
