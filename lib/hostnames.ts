/**
 * Hostname rules for HTTP-01 issuance. Pure: no I/O.
 *
 * RFC 1035 §2.3.4 limits labels to 63 and names to 253 octets (without the root dot); RFC 8555
 * §8.3 (HTTP-01) cannot prove control of a wildcard or of an IP address (RFC 8738 needs a
 * different identifier type), so both are refused here rather than by the CA later.
 *
 * A hostname is taken as written: the only rewrites are lower-casing, dropping one trailing dot
 * and encoding a Unicode name as punycode (IDNA, UTS #46). Anything else IDNA's mapping would do
 * silently — full-width letters folded to ASCII, `ß` to `ss`, soft hyphens dropped, an ideographic
 * full stop read as a dot — is refused, so the certificate is for the name the caller typed. A
 * label that mixes scripts (UTS #39 "highly restrictive": Latin with Cyrillic look-alikes, …) is
 * refused, and so are names reserved for special use (RFC 6761: test, localhost, invalid, example;
 * RFC 6762: local; ICANN's private-use internal; RFC 8375: home.arpa), which no public CA issues
 * for, unless a setting allows them (the local stack's names end in .test).
 */
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

/** A lower-case, punycode-encoded DNS name without a trailing dot, checked by `parseHostname`. */
export type Hostname = string & { readonly __brand: 'Hostname' };

export interface HostnameRules {
  /** Accept special-use names (AllowReservedHostnames: for test deployments against a test CA). */
  readonly allowReserved?: boolean;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Special-use suffixes no public CA issues for (RFC 2606, 6761, 6762, 8375; ICANN 2024 "internal"). */
export const RESERVED_SUFFIXES = [
  'test',
  'localhost',
  'invalid',
  'example',
  'local',
  'internal',
  'home.arpa',
  'example.com',
  'example.net',
  'example.org',
] as const;

/** Scripts a letter can belong to; digits, hyphens and combining marks belong to none. */
const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Georgian', /\p{Script=Georgian}/u],
];
/** UTS #39 §5.2 "highly restrictive": one script, or Latin with one of these East Asian sets. */
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

function scriptsOf(label: string): Set<string> {
  const found = new Set<string>();
  for (const ch of label) {
    for (const [name, pattern] of SCRIPTS) {
      if (pattern.test(ch)) {
        found.add(name);
        break;
      }
    }
    // A letter of a script not listed above still counts, as its own script.
    if (/\p{L}/u.test(ch) && ![...SCRIPTS].some(([, p]) => p.test(ch))) found.add(`other:${ch}`);
  }
  return found;
}

function mixesScripts(label: string): boolean {
  const scripts = scriptsOf(label);
  if (scripts.size <= 1) return false;
  return !ALLOWED_MIXES.some((allowed) => [...scripts].every((s) => allowed.has(s)));
}

/**
 * The edge where a string becomes a `Hostname`: every other module takes the branded type.
 * A failure's message is a predicate to append to the field's name ("… must not be empty"); it
 * never repeats the input beyond a label of letters and digits.
 */
export function parseHostname(input: unknown, rules: HostnameRules = {}): Outcome<{ hostname: Hostname }> {
  const refuse = (reason: string) => fail(ErrorCodes.InvalidInput, reason);
  if (typeof input !== 'string') return refuse('must be a string');
  if (input === '') return refuse('must not be empty');
  if (input.trim() !== input) return refuse('has leading or trailing whitespace');
  let name = input;
  if (name.startsWith('*')) return refuse('is a wildcard, which HTTP-01 cannot validate');
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) return refuse('is an IP address, which HTTP-01 cannot validate; use a DNS name');
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.includes('_')) return refuse('contains an underscore, which is not allowed in hostnames');
  if (/[\s/:@?#\\]/.test(name)) return refuse('must be a bare hostname, not a URL');
  // domainToASCII lower-cases, applies IDNA (UTS #46) and yields '' for names it cannot encode.
  const ascii = domainToASCII(name);
  if (ascii === '') return refuse('is not a valid DNS name');
  if (ascii.length > 253) return refuse('is longer than 253 characters');
  const labels = ascii.split('.');
  // Only case and the punycode encoding may differ: label by label, an ASCII label must come out
  // as it went in (lower-cased), and a Unicode one must decode back to itself.
  const written = name.normalize('NFC').toLowerCase().split('.');
  const rewritten =
    written.length !== labels.length || written.some((label, i) => (/^[ -~]*$/.test(label) ? label !== labels[i] : domainToUnicode(labels[i] ?? '') !== label));
  if (rewritten)
    return refuse(
      `would be rewritten by IDNA to a different name (${ascii.length <= 80 ? ascii : `${ascii.slice(0, 77)}…`}); send that name if it is the one you mean`,
    );
  if (labels.length < 2) return refuse('must have at least two labels (a public CA does not issue for a bare top-level name)');
  for (const [index, label] of labels.entries()) {
    if (label.length === 0) return refuse('has an empty label');
    if (label.length > 63) return refuse(`has a label longer than 63 characters (label ${index + 1})`);
    if (!LABEL.test(label)) return refuse(`has an invalid label (label ${index + 1}: letters, digits and inner hyphens only)`);
    if (label.startsWith('xn--') && mixesScripts(domainToUnicode(label)))
      return refuse(`has a label that mixes scripts (label ${index + 1}, e.g. Latin with Cyrillic look-alikes), which is refused to prevent spoofing`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return refuse('has an all-numeric top-level label');
  if (!rules.allowReserved) {
    const reserved = RESERVED_SUFFIXES.find((suffix) => ascii === suffix || ascii.endsWith(`.${suffix}`));
    if (reserved) return refuse(`is under the special-use name "${reserved}", for which no public CA issues (set AllowReservedHostnames=true for a test CA)`);
  }
  return { ok: true, hostname: ascii as Hostname };
}
