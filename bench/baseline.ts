/**
 * The baseline for issuance overhead: the same ACME work done directly with acme-client on the
 * same Pebble — order, challenge file to Azurite (served through the same gateway data plane),
 * answer, poll, finalize with a locally made CSR, download. No durable engine, no Key Vault, no ARM.
 */
import * as acme from 'acme-client';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../devstack/azurite/azurite';
import type { LocalStack } from '../devstack/stack/localStack';

/** An acme-client account on the stack's CA, reached at `directoryUrl` (the app's path to the CA by default). */
export async function baselineClient(stack: LocalStack, directoryUrl = stack.pebble.directoryUrl): Promise<acme.Client> {
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:bench@appgw-robot.test'] });
  return client;
}

export async function baselineIssue(stack: LocalStack, client: acme.Client, hostname: string): Promise<string> {
  const container = new BlobServiceClient(stack.azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(
    'acme-challenge',
  );
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: hostname }] });
  const [authz] = await client.getAuthorizations(order);
  const challenge = authz!.challenges.find((c) => c.type === 'http-01')!;
  const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
  const blob = container.getBlockBlobClient(challenge.token);
  await blob.upload(keyAuthorization, keyAuthorization.length);
  try {
    await client.completeChallenge(challenge);
    await pollOrder(client, order, ['ready', 'valid']);
  } finally {
    await blob.deleteIfExists();
  }
  const [, csr] = await acme.crypto.createCsr({ commonName: hostname, altNames: [hostname] });
  const finalized = await client.finalizeOrder(order, csr);
  const valid = finalized.status === 'valid' ? finalized : await pollOrder(client, finalized, ['valid']);
  return client.getCertificate(valid);
}

/**
 * Reads the order at once, then every BASELINE_POLL_MS (50 ms: the real time the benchmark's
 * harness gives the app's shortest durable timer, 1 s), not with acme-client's waitForValidStatus,
 * whose seconds-long backoff would flatter the app.
 */
async function pollOrder(client: acme.Client, order: acme.Order, until: string[]): Promise<acme.Order> {
  for (let i = 0; i < 400; i += 1) {
    const current = await client.getOrder(order);
    if (until.includes(current.status)) return current;
    if (current.status === 'invalid') throw new Error('baseline order invalid');
    await new Promise((r) => setTimeout(r, BASELINE_POLL_MS));
  }
  throw new Error('baseline order timed out');
}

const BASELINE_POLL_MS = 50;
