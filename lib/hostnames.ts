/**
 * Hostname rules for HTTP-01 issuance. Pure: no I/O.
 *
 * RFC 1035 §2.3.4 limits labels to 63 and names to 253 octets (without the root dot); RFC 8555
 * §8.3 (HTTP-01) cannot prove control of a wildcard or of an IP address (RFC 8738 needs a
 * different identifier type), so both are refused here rather than by the CA later.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** A lower-case, punycode-encoded DNS name without a trailing dot, checked by `parseHostname`. */
export type Hostname = string & { readonly __brand: 'Hostname' };

export type HostnameResult = { readonly ok: true; readonly hostname: Hostname } | { readonly ok: false; readonly reason: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseHostname(input: unknown): HostnameResult {
  if (typeof input !== 'string') return { ok: false, reason: 'must be a string' };
  let name = input.trim();
  if (name === '') return { ok: false, reason: 'must not be empty' };
  if (name.startsWith('*')) return { ok: false, reason: 'wildcards cannot be validated with HTTP-01' };
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) return { ok: false, reason: 'IP addresses cannot be validated with HTTP-01; use a DNS name' };
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.includes('_')) return { ok: false, reason: 'underscores are not allowed in hostnames' };
  if (/[\s/:@?#\\]/.test(name)) return { ok: false, reason: 'must be a bare hostname, not a URL' };
  // domainToASCII lower-cases, applies IDNA (UTS #46) and yields '' for names it cannot encode.
  const ascii = domainToASCII(name);
  if (ascii === '') return { ok: false, reason: 'is not a valid DNS name' };
  if (ascii.length > 253) return { ok: false, reason: 'is longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: 'must have at least two labels (a public CA does not issue for a bare top-level name)' };
  for (const label of labels) {
    if (label.length === 0) return { ok: false, reason: 'has an empty label' };
    if (label.length > 63) return { ok: false, reason: `has a label longer than 63 characters ("${label.slice(0, 20)}…")` };
    if (!LABEL.test(label)) return { ok: false, reason: `has an invalid label "${label}" (letters, digits and inner hyphens only)` };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return { ok: false, reason: 'has an all-numeric top-level label' };
  return { ok: true, hostname: ascii as Hostname };
}

/** For tests and fixtures: parse or throw. */
export function hostname(input: string): Hostname {
  const result = parseHostname(input);
  if (!result.ok) throw new Error(`"${input}" ${result.reason}`);
  return result.hostname;
}
