/**
 * Parsing of the starters' JSON bodies: `{"hostnames":[{"hostname":"example.com"}]}`.
 * Returns values, never throws: bad input is an expected outcome answered with 400.
 */
import { Hostname, parseHostname } from './hostnames';
import { Failure, Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

/** A parsed request part, or an `InvalidInput` failure whose message names the field and the rule. */
export type Parsed<T> = Outcome<{ readonly value: T }>;

/** Bodies are tiny; anything larger is not a request we understand. */
export const MAX_BODY_BYTES = 64 * 1024;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A short excerpt of a refused value for an error message, or nothing: only plain hostname
 * characters, at most 40 of them, and never something that looks like key material (a PEM line,
 * or a long unbroken run of base64 or hex that a pasted key would contain). Error messages are
 * logged and returned; a secret pasted into the wrong field must not travel with them.
 */
export function safeExcerpt(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (!/^[\p{L}\p{N}.*_/;=+ -]+$/u.test(value)) return undefined;
  if (/[A-Za-z0-9+/=]{17,}/.test(value.replace(/[.-]/g, ' '))) return undefined;
  return value.length <= 40 ? value : `${value.slice(0, 37)}…`;
}

/** ` "excerpt"` when the value may be shown, else nothing. */
export function quoted(value: unknown): string {
  const excerpt = safeExcerpt(value);
  return excerpt === undefined ? '' : ` "${excerpt}"`;
}

function bad(message: string): Failure {
  return fail(ErrorCodes.InvalidInput, message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return true;
    if (hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** JSON text → object, with the size, syntax and shape checks every starter needs. */
export function parseJsonBody(text: string, contentType: string | null): Parsed<Record<string, unknown>> {
  if (contentType !== null && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim())) {
    return bad(`Content-Type must be application/json (got${quoted(contentType.trim())})`);
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) return bad(`The body is larger than ${MAX_BODY_BYTES} bytes`);
  if (text.trim() === '') return bad('The body is empty; send {"hostnames":[{"hostname":"example.com"}]}');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return bad('The body is not valid JSON');
  }
  if (!isPlainObject(body)) return bad('The body must be a JSON object');
  // JSON.parse makes "__proto__" an own key; refusing it keeps such payloads away from any merge.
  if (hasForbiddenKey(body)) return bad('The body contains a forbidden key (__proto__, constructor or prototype)');
  return { ok: true, value: body };
}

export interface HostnameEntry<Extra extends string = never> {
  readonly hostname: Hostname;
  readonly fields: Readonly<Record<Extra, unknown>>;
}

/**
 * Validates `hostnames`: a non-empty array of objects with a `hostname` and only the allowed extra
 * fields, each a valid name, no duplicates after normalisation, at most `max` entries.
 */
export function parseHostnameEntries<Extra extends string = never>(
  body: Record<string, unknown>,
  options: { max: number; extraFields?: readonly Extra[]; exactlyOne?: boolean; allowReserved?: boolean },
): Parsed<HostnameEntry<Extra>[]> {
  const list = body.hostnames;
  if (list === undefined) return bad('"hostnames" is required: {"hostnames":[{"hostname":"example.com"}]}');
  if (!Array.isArray(list)) return bad('"hostnames" must be an array');
  if (list.length === 0) return bad('"hostnames" must not be empty');
  if (options.exactlyOne && list.length !== 1)
    return bad('This endpoint takes exactly one hostname; use AddMultipleCertificatesFunctions_HttpStart for several');
  if (list.length > options.max) return bad(`"hostnames" has ${list.length} entries; at most ${options.max} are allowed per request`);
  const unknownTop = Object.keys(body).filter((k) => k !== 'hostnames');
  if (unknownTop.length > 0) return bad(`Unknown field${quoted(unknownTop[0])}; only "hostnames" is accepted`);
  const allowed = new Set<string>(['hostname', ...(options.extraFields ?? [])]);
  const seen = new Map<string, number>();
  const entries: HostnameEntry<Extra>[] = [];
  for (const [index, item] of list.entries()) {
    const where = `hostnames[${index}]`;
    if (!isPlainObject(item)) return bad(`${where} must be an object like {"hostname":"example.com"}`);
    const unknown = Object.keys(item).find((k) => !allowed.has(k));
    if (unknown !== undefined) return bad(`${where} has an unknown field${quoted(unknown)}`);
    const result = parseHostname(item.hostname, { allowReserved: options.allowReserved === true });
    if (!result.ok) {
      const shown = quoted(item.hostname);
      return bad(`${where}.hostname${shown} ${result.message}`);
    }
    const previous = seen.get(result.hostname);
    if (previous !== undefined) return bad(`${where}.hostname "${result.hostname}" duplicates hostnames[${previous}]`);
    seen.set(result.hostname, index);
    const fields = {} as Record<Extra, unknown>;
    for (const field of options.extraFields ?? []) fields[field] = item[field];
    entries.push({ hostname: result.hostname, fields });
  }
  return { ok: true, value: entries };
}
