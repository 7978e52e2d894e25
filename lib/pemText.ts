/**
 * A field of an import request as bytes: PEM blocks (RFC 7468), base64 DER, or base64 of a PEM
 * text. Pure. Messages name the field and the rule, never its content.
 */
import { Outcome, fail } from './outcome';
import { ErrorCodes } from './status';

const invalid = (message: string) => fail(ErrorCodes.InvalidInput, message);

export interface PemBlock {
  readonly label: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Buffer;
  readonly text: string;
}

/** A parsing step's result: the parsed value, or why the input was refused. */
export type Parsed<T> = Outcome<{ readonly value: T }>;

/** Strict base64: whitespace (line breaks) allowed, anything else outside the alphabet is not. */
function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  const unpadded = compact.replace(/=+$/, '');
  // A base64 text of length 4n+1 cannot come from any byte string.
  if (unpadded.length % 4 === 1) return undefined;
  if (compact.includes('=') && compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, 'base64');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * The whole text must be PEM blocks separated by whitespace (RFC 7468 §2). Text before, between
 * or after them is refused rather than ignored: it is the usual sign of a truncated paste or of
 * two files run together.
 */
export function parsePem(text: string, field: string): Parsed<PemBlock[]> {
  const normalised = text.replace(/\r\n/g, '\n');
  const blocks: PemBlock[] = [];
  let at = 0;
  for (const match of normalised.matchAll(PEM_BLOCK)) {
    const start = match.index ?? 0;
    if (normalised.slice(at, start).trim() !== '') {
      return invalid(`${field} has unexpected text ${blocks.length === 0 ? 'before the first' : 'between'} PEM block${blocks.length === 0 ? '' : 's'}`);
    }
    const label = match[1] ?? '';
    const body = match[2] ?? '';
    // RFC 1421 headers (legacy encrypted keys): "Name: value" lines, then an empty line.
    const headers: Record<string, string> = {};
    let base64Text = body;
    const headerEnd = body.search(/\n\s*\n/);
    if (/^[A-Za-z-]+:/.test(body) && headerEnd >= 0) {
      for (const line of body.slice(0, headerEnd).split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      base64Text = body.slice(headerEnd);
    }
    const der = decodeBase64(base64Text);
    if (!der) return invalid(`${field}: the "${label}" PEM block is not valid base64`);
    blocks.push({ label, headers, der, text: match[0] });
    at = start + match[0].length;
  }
  if (blocks.length === 0) return invalid(`${field} has a "-----BEGIN" line but no complete PEM block (is the END line missing or mislabelled?)`);
  if (normalised.slice(at).trim() !== '') return invalid(`${field} has unexpected text after the last PEM block (trailing garbage, or an unterminated block)`);
  return { ok: true, value: blocks };
}

/** PEM text, or base64 of DER, or base64 of a PEM text (what `base64 cert.pem` produces). */
export function readField(value: unknown, field: string): Parsed<{ pem: PemBlock[] } | { der: Buffer }> {
  if (value === undefined || value === null) return invalid(`${field} is required`);
  if (typeof value !== 'string') return invalid(`${field} must be a string (base64 DER or PEM)`);
  if (value.trim() === '') return invalid(`${field} must not be empty`);
  if (value.includes('-----BEGIN')) {
    const pem = parsePem(value, field);
    return pem.ok ? { ok: true, value: { pem: pem.value } } : pem;
  }
  const der = decodeBase64(value);
  if (!der) return invalid(`${field} is neither PEM nor valid base64`);
  const asText = der.subarray(0, 64).toString('latin1');
  if (asText.trimStart().startsWith('-----BEGIN')) {
    const pem = parsePem(der.toString('utf8'), field);
    return pem.ok ? { ok: true, value: { pem: pem.value } } : pem;
  }
  return { ok: true, value: { der } };
}
