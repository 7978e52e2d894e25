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

/** A CA's Retry-After beyond this is taken as this (a year): every rate limit lifts sooner, and timers and dates stay in range. */
export const MAX_RETRY_AFTER_SECONDS = 366 * 86_400;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** RFC 9110 §5.6.7: IMF-fixdate, which senders must use, and the two obsolete forms recipients must accept. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** An HTTP-date (RFC 9110 §5.6.7) in ms since the epoch, or undefined when `text` is not one. */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  let fields: { day: number; month: number; year: number; hour: number; minute: number; second: number } | undefined;
  let m: RegExpExecArray | null;
  const at = (day: string, month: string, year: number, time: RegExpExecArray, from: number) => ({
    day: Number(day),
    month: MONTHS.indexOf(month),
    year,
    hour: Number(time[from]),
    minute: Number(time[from + 1]),
    second: Number(time[from + 2]),
  });
  if ((m = IMF_FIXDATE.exec(text))) fields = at(m[1]!, m[2]!, Number(m[3]), m, 4);
  else if ((m = ASCTIME_DATE.exec(text))) fields = at(m[2]!, m[1]!, Number(m[6]), m, 3);
  else if ((m = RFC850_DATE.exec(text))) {
    // A two-digit year is this century's, unless that puts the date more than 50 years ahead:
    // then it is the latest past year with those digits (§5.6.7).
    const century = Math.floor(new Date(nowMs).getUTCFullYear() / 100) * 100;
    fields = at(m[1]!, m[2]!, century + Number(m[3]), m, 4);
    const fiftyYearsAhead = new Date(nowMs);
    fiftyYearsAhead.setUTCFullYear(fiftyYearsAhead.getUTCFullYear() + 50);
    const ms = utc(fields);
    if (ms !== undefined && ms > fiftyYearsAhead.getTime()) fields.year -= 100;
  }
  return fields && utc(fields);
}

/**
 * The instant the fields name, or undefined when they name none (31 February, 25 o'clock). A leap
 * second (23:59:60, which HTTP-dates allow) is the instant after 23:59:59.
 */
function utc(f: { day: number; month: number; year: number; hour: number; minute: number; second: number }): number | undefined {
  const leap = f.second === 60 && f.hour === 23 && f.minute === 59;
  const second = leap ? 59 : f.second;
  const date = new Date(Date.UTC(f.year, f.month, f.day, f.hour, f.minute, second));
  date.setUTCFullYear(f.year); // Date.UTC reads years 0–99 as 1900–1999
  const exact =
    date.getUTCFullYear() === f.year &&
    date.getUTCMonth() === f.month &&
    date.getUTCDate() === f.day &&
    date.getUTCHours() === f.hour &&
    date.getUTCMinutes() === f.minute &&
    date.getUTCSeconds() === second;
  return exact ? date.getTime() + (leap ? 1000 : 0) : undefined;
}

/**
 * A Retry-After value (RFC 9110 §10.2.3: delay-seconds, digits only, or an HTTP-date) as whole
 * seconds from now, rounded up so that a wait never ends before it, at least 0 and at most
 * MAX_RETRY_AFTER_SECONDS. Only spaces and tabs around it are dropped (OWS); anything else (a
 * fraction, a sign, hex, free text, more than one value) is no Retry-After.
 */
export function headerSeconds(header: unknown, nowMs = Date.now()): number | undefined {
  if (typeof header !== 'string') return undefined;
  const text = header.replace(/^[ \t]+|[ \t]+$/g, '');
  let seconds: number | undefined;
  if (/^[0-9]+$/.test(text)) seconds = Number(text);
  else {
    const at = parseHttpDate(text, nowMs);
    if (at !== undefined) seconds = Math.max(0, Math.ceil((at - nowMs) / 1000));
  }
  return seconds === undefined ? undefined : Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
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
