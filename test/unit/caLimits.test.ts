import { describe, expect, it } from 'vitest';
import {
  CERTIFICATES_PER_NAME_SET,
  NEW_ORDERS_PER_ACCOUNT,
  NEW_ORDER_REFILL_SECONDS,
  nextIssuanceAllowed,
  ordersAvailable,
  reserveOrders,
} from '../../lib/caLimits';

const NOW = new Date('2030-01-08T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe("the CA's weekly limit per name set", () => {
  it('allows up to four in the last seven days, and any number older', () => {
    expect(nextIssuanceAllowed([daysAgo(1), daysAgo(2), daysAgo(3), daysAgo(4)], NOW)).toBeUndefined();
    expect(nextIssuanceAllowed([daysAgo(8), daysAgo(9), daysAgo(10), daysAgo(11), daysAgo(12), daysAgo(13)], NOW)).toBeUndefined();
  });

  it('refuses a fifth-plus-one, until the oldest of the last five leaves the window', () => {
    const recent = [daysAgo(6), daysAgo(5), daysAgo(1), daysAgo(0.5), daysAgo(0.1)];
    expect(recent).toHaveLength(CERTIFICATES_PER_NAME_SET);
    expect(nextIssuanceAllowed(recent, NOW)).toEqual(new Date(daysAgo(6).getTime() + 7 * 86_400_000));
    expect(nextIssuanceAllowed([...recent, daysAgo(0.05)], NOW)).toEqual(new Date(daysAgo(5).getTime() + 7 * 86_400_000));
  });
});

describe("the CA's new orders per account (a bucket of 300, one more every 36 s)", () => {
  const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

  it('starts full, pays out to zero, then refuses with the time the orders will be there', () => {
    expect(ordersAvailable(undefined, NOW)).toBe(NEW_ORDERS_PER_ACCOUNT);
    const spent = reserveOrders(undefined, NEW_ORDERS_PER_ACCOUNT, NOW);
    expect(spent).toEqual({ granted: true, bucket: { tokens: 0, at: NOW.toISOString() } });
    if (!spent.granted) throw new Error('unreachable');
    expect(reserveOrders(spent.bucket, 1, NOW)).toEqual({ granted: false, retryAt: at(NEW_ORDER_REFILL_SECONDS).toISOString() });
    expect(reserveOrders(spent.bucket, 10, at(1))).toEqual({ granted: false, retryAt: at(10 * NEW_ORDER_REFILL_SECONDS).toISOString() });
  });

  it('refills one order every 36 s, never above 300', () => {
    const empty = { tokens: 0, at: NOW.toISOString() };
    expect(ordersAvailable(empty, at(NEW_ORDER_REFILL_SECONDS * 5))).toBe(5);
    expect(reserveOrders(empty, 5, at(NEW_ORDER_REFILL_SECONDS * 5))).toMatchObject({ granted: true, bucket: { tokens: 0 } });
    expect(ordersAvailable(empty, at(3 * 3600))).toBe(NEW_ORDERS_PER_ACCOUNT);
    expect(ordersAvailable(empty, at(30 * 3600))).toBe(NEW_ORDERS_PER_ACCOUNT);
  });

  it('counts no interval twice when a reservation comes dated before the last one (clock skew), and refuses impossible counts', () => {
    const spent = reserveOrders(undefined, 299, NOW);
    if (!spent.granted) throw new Error('unreachable');
    const earlier = reserveOrders(spent.bucket, 1, at(-3600));
    expect(earlier).toEqual({ granted: true, bucket: { tokens: 0, at: NOW.toISOString() } });
    if (!earlier.granted) throw new Error('unreachable');
    expect(reserveOrders(earlier.bucket, 1, NOW)).toMatchObject({ granted: false });
    for (const count of [0, -1, 1.5, NaN, NEW_ORDERS_PER_ACCOUNT + 1]) expect(() => reserveOrders(undefined, count, NOW)).toThrow(RangeError);
    expect(() => reserveOrders(undefined, 1, new Date('not a date'))).toThrow(RangeError);
  });
});
