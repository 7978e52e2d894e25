/**
 * Hostname rules for HTTP-01 issuance. Pure: no I/O.
 *
 * RFC 1035 §2.3.4 limits labels to 63 and names to 253 octets (without the root dot); RFC 8555
 * §8.3 (HTTP-01) cannot prove control of a wildcard or of an IP address (RFC 8738 needs a
 * different identifier type), so both are refused here rather than by the CA later.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

/** A lower-case, punycode-encoded DNS name without a trailing dot, checked by `parseHostname`. */
export type Hostname = string & { readonly __brand: 'Hostname' };


const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The edge where a string becomes a `Hostname`: every other module takes the branded type.
 * A failure's message is a predicate to append to the field's name ("… must not be empty").
 */
export function parseHostname(input: unknown): Outcome<{ hostname: Hostname }> {
  const refuse = (reason: string) => fail(ErrorCodes.InvalidInput, reason);
  if (typeof input !== 'string') return refuse('must be a string');
  let name = input.trim();
  if (name === '') return refuse('must not be empty');
  if (name.startsWith('*')) return refuse('wildcards cannot be validated with HTTP-01');
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) return refuse('IP addresses cannot be validated with HTTP-01; use a DNS name');
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.includes('_')) return refuse('underscores are not allowed in hostnames');
  if (/[\s/:@?#\\]/.test(name)) return refuse('must be a bare hostname, not a URL');
  // domainToASCII lower-cases, applies IDNA (UTS #46) and yields '' for names it cannot encode.
  const ascii = domainToASCII(name);
  if (ascii === '') return refuse('is not a valid DNS name');
  if (ascii.length > 253) return refuse('is longer than 253 characters');
  const labels = ascii.split('.');
  if (labels.length < 2) return refuse('must have at least two labels (a public CA does not issue for a bare top-level name)');
  for (const label of labels) {
    if (label.length === 0) return refuse('has an empty label');
    if (label.length > 63) return refuse(`has a label longer than 63 characters ("${label.slice(0, 20)}…")`);
    if (!LABEL.test(label)) return refuse(`has an invalid label "${label}" (letters, digits and inner hyphens only)`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return refuse('has an all-numeric top-level label');
  return { ok: true, hostname: ascii as Hostname };
}
