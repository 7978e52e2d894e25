import { describe, expect, it } from 'vitest';
import { CERTIFICATES_PER_NAME_SET, nextIssuanceAllowed } from '../../lib/caLimits';

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
