/**
 * When is a certificate due for renewal? Pure.
 *
 * Lifetimes are shrinking (Let's Encrypt: 45-day certificates from 2026, a 6-day profile), so a
 * fixed "30 days before expiry" would renew a 45-day certificate after 15 days and a 6-day one
 * never in time. We renew when a third of the lifetime remains — or inside the CA's ACME Renewal
 * Information window (RFC 9773 §4.2) when it offers one — unless a setting forces a day count.
 */

export interface RenewalFacts {
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly now: Date;
  readonly source: 'acme' | 'imported';
  /** RFC 9773 suggestedWindow, when the CA answered. */
  readonly ariWindow?: { readonly start: Date; readonly end: Date };
  /** RenewBeforeExpiryDays, when set. */
  readonly beforeExpiryDays?: number;
}

export interface RenewalDecision {
  readonly due: boolean;
  readonly renewAfter: Date;
  readonly reason: string;
}

const DAY_MS = 86_400_000;

export function renewalDecision(facts: RenewalFacts): RenewalDecision {
  const lifetime = facts.notAfter.getTime() - facts.notBefore.getTime();
  let renewAfter: Date;
  let basis: string;
  if (facts.beforeExpiryDays !== undefined) {
    renewAfter = new Date(facts.notAfter.getTime() - facts.beforeExpiryDays * DAY_MS);
    basis = `${facts.beforeExpiryDays} days before expiry (RenewBeforeExpiryDays)`;
  } else if (facts.ariWindow && facts.ariWindow.start < facts.ariWindow.end) {
    // The window's start: renewing early inside it is always allowed, and a fixed point keeps replays stable.
    renewAfter = facts.ariWindow.start;
    basis = "the CA's renewal window (ARI)";
  } else {
    renewAfter = new Date(facts.notAfter.getTime() - lifetime / 3);
    basis = 'a third of its lifetime remaining';
  }
  const expired = facts.now >= facts.notAfter;
  const reached = facts.now >= renewAfter;
  if (facts.source === 'imported') {
    return {
      due: false,
      renewAfter,
      reason: expired
        ? 'imported certificate has EXPIRED: import a new one'
        : reached
          ? `imported certificate expires on ${facts.notAfter.toISOString()}: import a new one`
          : 'imported; not renewed by this app',
    };
  }
  return {
    due: reached,
    renewAfter,
    reason: reached ? `due since ${renewAfter.toISOString()} (${basis})` : `not due until ${renewAfter.toISOString()} (${basis})`,
  };
}

/**
 * RFC 9773 §4.1 certificate identifier: base64url(AKI keyIdentifier) "." base64url(serial DER).
 * Inputs are raw bytes so this stays pure; the adapter extracts them from the certificate.
 */
export function ariCertificateId(authorityKeyIdentifier: Uint8Array, serialNumber: Uint8Array): string {
  return `${Buffer.from(authorityKeyIdentifier).toString('base64url')}.${Buffer.from(serialNumber).toString('base64url')}`;
}

/** A per-installation, stable time of day for the daily renewal (NCRONTAB, six fields), 01:00–05:59 UTC. */
export function jitteredDailySchedule(seed: string): string {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const second = h % 60;
  const minute = (h >>> 6) % 60;
  const hour = 1 + ((h >>> 12) % 5);
  return `${second} ${minute} ${hour} * * *`;
}
