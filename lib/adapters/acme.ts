/**
 * ACME (RFC 8555) through acme-client. The account key lives in Key Vault as a secret and is
 * created once: a new account per run would hit the CA's accounts-per-IP limit and lose the
 * account's rate-limit history. Orders are referred to by URL between activities.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from 'acme-client';
import type { AppConfig } from '../config';
import { secretClient } from '../clients';
import { AppError } from '../errors';
import { Outcome, fail } from '../outcome';
import { keyVaultError } from './keyVault';

type Acme = typeof import('acme-client');
let acmeModule: Acme | undefined;

/**
 * acme-client turns an error response into a bare Error (the problem detail only), losing the
 * Retry-After header. An interceptor records it in the calling activity's async context, which
 * stays correct while several activities run at once in one worker.
 */
const lastResponse = new AsyncLocalStorage<{ retryAfter?: string; status?: number }>();

/** Runs an ACME call with a fresh record of its last error response (status, Retry-After). */
function withResponseRecord<T>(fn: () => Promise<T>): Promise<T> {
  return lastResponse.run({}, fn);
}

/**
 * Nonces from earlier responses, per CA origin. acme-client asks newNonce (a HEAD) before every
 * signed request; RFC 8555 §7.2 lets a client use the Replay-Nonce of the previous response
 * instead, which halves the round trips. A stale one is answered badNonce with a fresh nonce,
 * and acme-client retries with it (RFC 8555 §6.5), so reuse can only cost a retry.
 */
const noncePools = new Map<string, string[]>();
const MAX_POOLED_NONCES = 16;

function poolFor(url: string): string[] {
  const origin = new URL(url).origin;
  let pool = noncePools.get(origin);
  if (!pool) noncePools.set(origin, (pool = []));
  return pool;
}

function acme(): Acme {
  if (!acmeModule) {
    acmeModule = require('acme-client') as Acme;
    // acme-client retries 429/5xx by sleeping for Retry-After inside the request. Waiting belongs
    // on a durable timer (Let's Encrypt's Retry-After can be hours), so its own retries are off;
    // the durable retry policy covers 5xx. badNonce retries (RFC 8555 §6.5) are separate and stay.
    const defaults = acmeModule.axios.defaults as unknown as { acmeSettings: Record<string, number> };
    defaults.acmeSettings = { ...defaults.acmeSettings, retryMaxAttempts: 0 };
    acmeModule.axios.interceptors.response.use((response) => {
      const nonce = response.headers?.['replay-nonce'];
      // Spare nonces come only from successful answers: acme-client hands a HEAD's nonce straight to
      // its caller and retries a badNonce with the nonce of that error response, so pooling either
      // would use one nonce twice.
      if (nonce && response.config?.url && response.config.method !== 'head' && response.status < 400) {
        const pool = poolFor(response.config.url);
        pool.push(String(nonce));
        if (pool.length > MAX_POOLED_NONCES) pool.shift();
      }
      const store = lastResponse.getStore();
      if (store && response.status >= 400) {
        store.status = response.status;
        const header = response.headers?.['retry-after'];
        if (header) store.retryAfter = String(header);
      }
      return response;
    });
  }
  return acmeModule;
}

const clients = new Map<string, Promise<Client>>();

async function accountKey(config: AppConfig): Promise<string> {
  const secrets = secretClient(config);
  const name = config.acme.accountKeySecretName;
  try {
    const existing = await secrets.getSecret(name);
    if (existing.value) return existing.value;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw keyVaultError('Reading the ACME account key', error);
  }
  const pem = (await acme().crypto.createPrivateEcdsaKey()).toString();
  try {
    await secrets.setSecret(name, pem, { contentType: 'application/x-pem-file', tags: { purpose: 'acme-account-key' } });
    // Two first runs may race to create the key; both continue with whichever version landed last.
    return (await secrets.getSecret(name)).value ?? pem;
  } catch (error) {
    throw keyVaultError('Storing the ACME account key', error);
  }
}

export function acmeClient(config: AppConfig): Promise<Client> {
  const key = `${config.acme.directoryUrl}|${config.keyVault.baseUrl}|${config.acme.accountKeySecretName}`;
  let client = clients.get(key);
  if (!client) {
    client = (async () => {
      const lib = acme();
      const created = new lib.Client({
        directoryUrl: config.acme.directoryUrl,
        accountKey: await accountKey(config),
        ...(config.acme.externalAccountBinding
          ? { externalAccountBinding: { kid: config.acme.externalAccountBinding.keyId, hmacKey: config.acme.externalAccountBinding.hmacKey } }
          : {}),
      });
      // acme-client 5 keeps its HTTP layer at `api.http`; newest pooled nonce first, else a HEAD.
      const http = (created as unknown as { api: { http: { getNonce(): Promise<string> } } }).api.http;
      const fetchNonce = http.getNonce.bind(http);
      const pool = poolFor(config.acme.directoryUrl);
      http.getNonce = async () => pool.pop() ?? fetchNonce();
      // newAccount with a known key returns the existing account (RFC 8555 §7.3.1).
      await withResponseRecord(async () => {
        try {
          await created.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${config.acme.accountEmail}`] });
        } catch (error) {
          throw acmeError('Registering the ACME account', error, 'AcmeAccountError');
        }
      });
      return created;
    })();
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

/** Test hook: a new Pebble means a new account. */
export function forgetAcmeClients(): void {
  clients.clear();
}

interface AcmeHttpError {
  response?: { status?: number; headers?: Record<string, string>; data?: { type?: string; detail?: string } };
  message?: string;
}

function retryAfterSeconds(error: unknown): number | undefined {
  const header = (error as AcmeHttpError).response?.headers?.['retry-after'] ?? lastResponse.getStore()?.retryAfter;
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - Date.now()) / 1000));
}

/** acme-client throws plain Errors whose message is the problem detail; a rate limit says so. */
export function acmeError(action: string, error: unknown, fallback: 'AcmeServerError' | 'AcmeAccountError' = 'AcmeServerError'): AppError {
  const text = (error as Error).message ?? '';
  const status = (error as AcmeHttpError).response?.status ?? lastResponse.getStore()?.status;
  if (/rateLimited|rate limit|too many/i.test(text) || status === 429) {
    const after = retryAfterSeconds(error);
    return new AppError('AcmeRateLimited', `${action}: the CA's rate limit was reached${after !== undefined ? `; retry after ${after} s` : ''}. ${text.slice(0, 200)}`, false);
  }
  // A CA's 4xx (rejectedIdentifier, caa, unauthorized, a bad EAB key) will not change on a retry;
  // 5xx and no answer at all (network) may.
  const retryable = status === undefined || status >= 500;
  return new AppError(fallback, `${action} failed: ${text.slice(0, 300)}`, retryable);
}

/**
 * One ACME call from an activity: a fresh record of the last error response (status and
 * Retry-After, see `lastResponse`), the shared client, and acme-client's plain Errors turned into
 * coded AppErrors. `recover` turns a final (non-retryable) error into a value.
 */
function acmeCall<T>(
  config: AppConfig,
  action: string,
  run: (client: Client) => Promise<T>,
  recover?: (error: AppError, retryAfterSeconds: number | undefined) => T,
): Promise<T> {
  return withResponseRecord(async () => {
    const client = await acmeClient(config);
    try {
      return await run(client);
    } catch (error) {
      const wrapped = error instanceof AppError ? error : acmeError(action, error);
      if (recover && !wrapped.retryable) return recover(wrapped, retryAfterSeconds(error));
      throw wrapped;
    }
  });
}

/** A final refusal (a rate limit above all) comes back as a value, with the CA's Retry-After. */
export type CreatedOrder = Outcome<{ orderUrl: string; status: string }> & { retryAfterSeconds?: number };

export function createOrder(config: AppConfig, hostname: string): Promise<CreatedOrder> {
  return acmeCall<CreatedOrder>(
    config,
    'Creating the ACME order',
    async (client) => {
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: hostname }] });
      return { ok: true, orderUrl: order.url, status: order.status };
    },
    (error, after) => ({ ...fail(error.code, error.detail), ...(after !== undefined ? { retryAfterSeconds: after } : {}) }),
  );
}

export interface Http01Challenge {
  readonly authorizationUrl: string;
  readonly challengeUrl: string;
  readonly token: string;
  readonly keyAuthorization: string;
  /** Already valid (a reused authorization): nothing to upload or answer. */
  readonly alreadyValid: boolean;
}

export function getHttp01Challenges(config: AppConfig, orderUrl: string): Promise<Outcome<{ challenges: Http01Challenge[] }>> {
  return acmeCall(config, 'Reading the ACME authorizations', async (client) => {
    const order = await client.getOrder({ url: orderUrl } as never);
    const challenges: Http01Challenge[] = [];
    for (const authz of await client.getAuthorizations(order)) {
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge) return fail('AcmeOrderInvalid', `The CA offered no HTTP-01 challenge for ${authz.identifier.value}`);
      challenges.push({
        authorizationUrl: authz.url,
        challengeUrl: challenge.url,
        token: challenge.token,
        keyAuthorization: await client.getChallengeKeyAuthorization(challenge),
        alreadyValid: authz.status === 'valid',
      });
    }
    return { ok: true, challenges };
  });
}

export function answerChallenge(config: AppConfig, challengeUrl: string): Promise<void> {
  return acmeCall(config, 'Answering the HTTP-01 challenge', async (client) => {
    try {
      await client.completeChallenge({ url: challengeUrl, type: 'http-01', status: 'pending', token: '' } as never);
    } catch (error) {
      // Answering twice (a replay after a crash) is refused by some CAs once the challenge left
      // "pending". Only then is the error harmless: read the challenge (POST-as-GET) to know.
      // acme-client 5 has no public "get challenge"; its signed-request layer (`api.apiRequest`) does it.
      const api = (client as unknown as { api: { apiRequest(url: string, payload: null, codes: number[]): Promise<{ data: unknown }> } }).api;
      const challenge = await api.apiRequest(challengeUrl, null, [200]).then((r) => r.data as { status?: string }).catch(() => undefined);
      if (challenge?.status && challenge.status !== 'pending') return;
      throw error;
    }
  });
}

export type OrderStatus =
  | { readonly ok: true; readonly status: 'pending' | 'ready' | 'processing' | 'valid' }
  | { readonly ok: false; readonly code: 'AcmeOrderInvalid'; readonly message: string };

export function readOrderStatus(config: AppConfig, orderUrl: string): Promise<OrderStatus> {
  return acmeCall(config, 'Reading the ACME order', async (client) => {
    const order = await client.getOrder({ url: orderUrl } as never);
    if (order.status !== 'invalid') return { ok: true, status: order.status as 'pending' | 'ready' | 'processing' | 'valid' };
    // The reason sits on the failed challenge (RFC 8555 §7.1.6), e.g. "unauthorized: key authorization mismatch".
    const authorizations = await client.getAuthorizations(order);
    const problem = authorizations.flatMap((a) => a.challenges).map((c) => (c as { error?: { detail?: string } }).error?.detail).find(Boolean);
    return { ok: false, code: 'AcmeOrderInvalid', message: `The CA marked the order invalid${problem ? `: ${problem.slice(0, 300)}` : ''}` };
  });
}

/** Idempotent: an order that is already processing or valid is not finalized again. */
export function finalizeOrder(config: AppConfig, orderUrl: string, csrPem: string): Promise<OrderStatus> {
  return acmeCall(config, 'Finalizing the ACME order', async (client) => {
    const order = await client.getOrder({ url: orderUrl } as never);
    if (order.status === 'invalid') return { ok: false, code: 'AcmeOrderInvalid', message: 'The CA marked the order invalid before it was finalized' };
    if (order.status !== 'ready') return { ok: true, status: order.status as 'pending' | 'processing' | 'valid' };
    const finalized = await client.finalizeOrder(order, csrPem);
    return { ok: true, status: finalized.status as 'processing' | 'valid' };
  });
}

/** The full chain PEM, leaf first, whatever its length. */
export function downloadChain(config: AppConfig, orderUrl: string): Promise<string> {
  return acmeCall(config, 'Downloading the certificate', async (client) => client.getCertificate(await client.getOrder({ url: orderUrl } as never)));
}
