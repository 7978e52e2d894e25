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
