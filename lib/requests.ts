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
    return bad(`Content-Type must be application/json (got "${contentType.slice(0, 60)}")`);
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
  options: { max: number; extraFields?: readonly Extra[]; exactlyOne?: boolean },
): Parsed<HostnameEntry<Extra>[]> {
  const list = body.hostnames;
  if (list === undefined) return bad('"hostnames" is required: {"hostnames":[{"hostname":"example.com"}]}');
  if (!Array.isArray(list)) return bad('"hostnames" must be an array');
  if (list.length === 0) return bad('"hostnames" must not be empty');
  if (options.exactlyOne && list.length !== 1) return bad('This endpoint takes exactly one hostname; use AddMultipleCertificatesFunctions_HttpStart for several');
  if (list.length > options.max) return bad(`"hostnames" has ${list.length} entries; at most ${options.max} are allowed per request`);
  const unknownTop = Object.keys(body).filter((k) => k !== 'hostnames');
  if (unknownTop.length > 0) return bad(`Unknown field ${JSON.stringify(unknownTop[0])}; only "hostnames" is accepted`);
  const allowed = new Set<string>(['hostname', ...(options.extraFields ?? [])]);
  const seen = new Map<string, number>();
  const entries: HostnameEntry<Extra>[] = [];
  for (const [index, item] of list.entries()) {
    const where = `hostnames[${index}]`;
    if (!isPlainObject(item)) return bad(`${where} must be an object like {"hostname":"example.com"}`);
    const unknown = Object.keys(item).find((k) => !allowed.has(k));
    if (unknown !== undefined) return bad(`${where} has an unknown field ${JSON.stringify(unknown)}`);
    const result = parseHostname(item.hostname);
    if (!result.ok) {
      const shown = typeof item.hostname === 'string' ? ` "${item.hostname.slice(0, 80)}"` : '';
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
