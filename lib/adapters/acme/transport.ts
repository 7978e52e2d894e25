/**
 * ACME transport (RFC 8555 §6): acme-client's HTTP layer with three additions, each in this one
 * place — a pool of spare nonces, a per-call record of the last error response (status and
 * Retry-After), and the mapping of acme-client's plain Errors to coded AppErrors. acme-client's
 * own 429/5xx retries sleep inside the request; they are turned off so waiting happens on
 * durable timers. Its badNonce retry (RFC 8555 §6.5) stays.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from 'acme-client';
import { AppError } from '../../errors';
import { headerSeconds } from '../../retryAfter';

export type AcmeModule = typeof import('acme-client');
let acmeModule: AcmeModule | undefined;

/**
 * acme-client turns an error response into a bare Error (the problem detail only), losing the
 * Retry-After header. An interceptor records it in the calling activity's async context, which
 * stays correct while several activities run at once in one worker.
 */
const lastResponse = new AsyncLocalStorage<{ retryAfter?: string; status?: number; answerRetryAfter?: string }>();

/**
 * Runs `fn` with a fresh record of its last error response (status, Retry-After) and of the
 * Retry-After of its latest answer, whatever its status.
 */
export function withResponseRecord<T>(fn: () => Promise<T>): Promise<T> {
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

/** acme-client, loaded on first use (it is not needed by most functions) and configured once. */
export function acme(): AcmeModule {
  if (!acmeModule) {
    acmeModule = require('acme-client') as AcmeModule;
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
      // A pending or processing order may carry one too (RFC 8555 §7.4; Boulder sends 3 s, wfe2/wfe.go orderRetryAfter).
      if (store) store.answerRetryAfter = response.headers?.['retry-after'] ? String(response.headers['retry-after']) : undefined;
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

/** acme-client 5 keeps its signed-request layer at `client.api`; the few calls it has no public method for. */
export interface AcmeApi {
  http: { getNonce(): Promise<string> };
  apiRequest(url: string, payload: unknown, validStatusCodes: number[]): Promise<{ data: unknown }>;
}

export function apiOf(client: Client): AcmeApi {
  return (client as unknown as { api: AcmeApi }).api;
}

/** Makes `client` take the newest pooled nonce of its CA before asking newNonce. */
export function useNoncePool(client: Client, directoryUrl: string): void {
  const http = apiOf(client).http;
  const fetchNonce = http.getNonce.bind(http);
  const pool = poolFor(directoryUrl);
  http.getNonce = async () => pool.pop() ?? fetchNonce();
}

interface AcmeHttpError {
  response?: { status?: number; headers?: Record<string, string>; data?: { type?: string; detail?: string } };
  message?: string;
}

/** Seconds until the CA's Retry-After (RFC 8555 §6.6), from the error or the recorded response. */
export function retryAfterSeconds(error: unknown): number | undefined {
  return headerSeconds((error as AcmeHttpError).response?.headers?.['retry-after'] ?? lastResponse.getStore()?.retryAfter);
}

/** Seconds of the Retry-After on the latest answer in this call (RFC 8555 §7.4 for a processing order), if it had one. */
export function answerRetryAfterSeconds(): number | undefined {
  return headerSeconds(lastResponse.getStore()?.answerRetryAfter);
}

/** acme-client throws plain Errors whose message is the problem detail; a rate limit says so. */
export function acmeError(action: string, error: unknown, fallback: 'AcmeServerError' | 'AcmeAccountError' = 'AcmeServerError'): AppError {
  const text = (error as Error).message ?? '';
  const status = (error as AcmeHttpError).response?.status ?? lastResponse.getStore()?.status;
  if (/rateLimited|rate limit|too many/i.test(text) || status === 429) {
    const after = retryAfterSeconds(error);
    return new AppError(
      'AcmeRateLimited',
      `${action}: the CA's rate limit was reached${after !== undefined ? `; retry after ${after} s` : ''}. ${text.slice(0, 200)}`,
      false,
    );
  }
  // A CA's 4xx (rejectedIdentifier, caa, unauthorized, a bad EAB key) will not change on a retry;
  // 5xx and no answer at all (network) may. So may badNonce (RFC 8555 §6.5): acme-client re-signs
  // with a fresh nonce itself, except where it reads the body as text (the certificate download,
  // whose error then reaches us unparsed) — there the durable retry does it.
  const badNonce = /badNonce|anti-replay nonce/i.test(text) || (error as AcmeHttpError).response?.data?.type === 'urn:ietf:params:acme:error:badNonce';
  const retryable = status === undefined || status >= 500 || badNonce;
  return new AppError(fallback, `${action} failed: ${text.slice(0, 300)}`, retryable);
}
