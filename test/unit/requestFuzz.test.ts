/**
 * Property-based fuzz of the starters' parsers: whatever the body, they answer a value (never a
 * throw), accept only valid hostnames, and finish fast — a pathological input (regex backtracking,
 * deep nesting) must not hold a worker. The time bound is a safety net far above normal cost, not
 * a speed target (those live in `npm run bench`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHostname } from '../../lib/hostnames';
import { parseHostnameEntries, parseJsonBody } from '../../lib/requests';

const BOUND_MS = 1000;

function timed<T>(run: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = run();
  return { value, ms: performance.now() - t0 };
}

const hostnameLike = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.stringMatching(/^[a-zA-Z0-9.*_:/@\-\u0430\u00e9\u3002 ]{0,300}$/),
  fc.array(fc.constantFrom('a', '-', '.', 'xn--', '0', 'é', 'а', '*'), { maxLength: 300 }).map((parts) => parts.join('')),
);

describe('the request parsers under fuzz', () => {
  it('answer every body with a value, quickly', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json({ maxDepth: 6 }),
          fc.string({ maxLength: 2000 }),
          fc.jsonValue().map((v) => JSON.stringify({ hostnames: v })),
        ),
        (text) => {
          const { value, ms } = timed(() => {
            const body = parseJsonBody(text, 'application/json');
            return body.ok ? parseHostnameEntries(body.value, { max: 50, extraFields: ['privatekey', 'certificate', 'password', 'replace'] }) : body;
          });
          expect(typeof value.ok).toBe('boolean');
          expect(ms).toBeLessThan(BOUND_MS);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accept only hostnames that stay valid, and never echo more than 40 characters of one', () => {
    fc.assert(
      fc.property(hostnameLike, (input) => {
        const { value, ms } = timed(() => parseHostnameEntries({ hostnames: [{ hostname: input }] }, { max: 5 }));
        expect(ms).toBeLessThan(BOUND_MS);
        if (value.ok) {
          const name = value.value[0]!.hostname;
          expect(name).toMatch(/^[a-z0-9.-]{1,253}$/);
          expect(parseHostname(name)).toEqual({ ok: true, hostname: name });
        } else {
          const quotedParts = [...value.message.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
          for (const part of quotedParts) expect(part.length).toBeLessThanOrEqual(40);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
