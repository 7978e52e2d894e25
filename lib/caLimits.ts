/**
 * The CA's limits, counted before asking it. Let's Encrypt issues at most 5 certificates per exact
 * set of names per 7 days ("Rate Limits": New Certificates per Exact Set of Identifiers); a
 * request over it would be refused after the validation was spent, and `force` must renew, not
 * spend the week's quota in a minute. Each new Key Vault version of a name is one certificate for
 * that exact set (the app issues one hostname per certificate). Pure.
 */

export const CERTIFICATES_PER_NAME_SET = 5;
export const NAME_SET_WINDOW_DAYS = 7;

/** When another certificate for the name set may be issued: undefined when it may be now. */
export function nextIssuanceAllowed(issuedAt: readonly Date[], now: Date): Date | undefined {
  const windowStart = now.getTime() - NAME_SET_WINDOW_DAYS * 86_400_000;
  const recent = issuedAt
    .map((d) => d.getTime())
    .filter((t) => t > windowStart)
    .sort((a, b) => a - b);
  if (recent.length < CERTIFICATES_PER_NAME_SET) return undefined;
  // The oldest of the last five leaves the window first.
  const oldest = recent[recent.length - CERTIFICATES_PER_NAME_SET] ?? now.getTime();
  return new Date(oldest + NAME_SET_WINDOW_DAYS * 86_400_000);
}

/** What a refused request is told: the name, the CA's limit and when another certificate may be issued. */
export function quotaMessage(hostname: string, next: Date): string {
  return `${hostname} already has ${CERTIFICATES_PER_NAME_SET} certificates from the last ${NAME_SET_WINDOW_DAYS} days, the CA's limit for one name; another can be issued after ${next.toISOString()}`;
}

/** Whole seconds until `next` (at least 1): the Retry-After of a refusal. */
export function secondsUntil(next: Date, now: Date): number {
  return Math.max(1, Math.ceil((next.getTime() - now.getTime()) / 1000));
}

/**
 * Let's Encrypt "Rate Limits", New Orders per Account: 300 new orders per account every 3 hours,
 * the ability refilling at one order every 36 seconds — a token bucket. Counted by the app
 * before it asks the CA (the AcmeOrderLedger entity), so that a flood of requests is refused
 * with the time it becomes possible instead of spending the CA's patience.
 */
export const NEW_ORDERS_PER_ACCOUNT = 300;
export const NEW_ORDER_REFILL_SECONDS = 36;

/** The account's order bucket: `tokens` orders could be created at `at` (ISO). */
export interface OrderBucket {
  tokens: number;
  at: string;
}

/** Orders the account may create at `now`: the bucket refilled since its last change, at most full. */
export function ordersAvailable(bucket: OrderBucket | undefined, now: Date): number {
  if (!bucket) return NEW_ORDERS_PER_ACCOUNT;
  const refilled = Math.max(0, now.getTime() - new Date(bucket.at).getTime()) / (NEW_ORDER_REFILL_SECONDS * 1000);
  return Math.min(NEW_ORDERS_PER_ACCOUNT, bucket.tokens + refilled);
}

/** When `count` orders (1 ≤ count ≤ NEW_ORDERS_PER_ACCOUNT) will be available: `now` when they are. */
export function ordersAvailableAt(bucket: OrderBucket | undefined, count: number, now: Date): Date {
  const missing = count - ordersAvailable(bucket, now);
  return missing <= 0 ? now : new Date(now.getTime() + Math.ceil(missing * NEW_ORDER_REFILL_SECONDS * 1000));
}

export type OrderReservation = { granted: true; bucket: OrderBucket } | { granted: false; retryAt: string };

/**
 * Takes `count` orders (an integer, 1 ≤ count ≤ NEW_ORDERS_PER_ACCOUNT) from the bucket at `now`,
 * or says when they will be available. A `now` earlier than the bucket's last change (another
 * worker's clock) refills nothing and keeps the later time, so no interval is counted twice. Pure.
 */
export function reserveOrders(bucket: OrderBucket | undefined, count: number, now: Date): OrderReservation {
  if (!Number.isInteger(count) || count < 1 || count > NEW_ORDERS_PER_ACCOUNT)
    throw new RangeError(`count must be an integer from 1 to ${NEW_ORDERS_PER_ACCOUNT}`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now must be a date');
  const at = bucket && new Date(bucket.at) > now ? new Date(bucket.at) : now;
  const available = ordersAvailable(bucket, at);
  if (available < count) return { granted: false, retryAt: ordersAvailableAt(bucket, count, at).toISOString() };
  return { granted: true, bucket: { tokens: available - count, at: at.toISOString() } };
}

/** What a refused request is told: the CA's limit and when the orders will be available. */
export function ordersMessage(count: number, at: Date): string {
  return `The ACME account may create ${NEW_ORDERS_PER_ACCOUNT} new orders per 3 hours (one more every ${NEW_ORDER_REFILL_SECONDS} s), the CA's limit; ${count} more can be created after ${at.toISOString()}`;
}
