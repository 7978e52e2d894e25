/**
 * The lint configuration enforces the layer boundaries (eslint.config.mjs): a violation in each
 * layer is reported, and the same code in an allowed place is not.
 */
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint boundaries', () => {
  it.each([
    [
      'orchestrators/x.ts',
      "import { createOrder } from '../lib/adapters/acme';\nexport const y = createOrder;\n",
      /Orchestrators import only durable-functions/,
    ],
    ['orchestrators/x.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n", /Orchestrators do no I\/O/],
    ['orchestrators/x.ts', 'export const y = Date.now();\n', /currentUtcDateTime/],
    ['orchestrators/x.ts', 'export const y = new Date();\n', /currentUtcDateTime/],
    ['orchestrators/x.ts', 'export const y = Math.random();\n', /newGuid/],
    ['orchestrators/x.ts', 'export const y = process.env.X;\n', /through their input/],
    ['activities/x.ts', "import { CertificateClient } from '@azure/keyvault-certificates';\nexport const y = CertificateClient;\n", /Only lib\//],
    ['lib/adapters/x.ts', "import { startIssuance } from '../../functions/startIssuance';\nexport const y = startIssuance;\n", /never the reverse/],
    ['lib/x.ts', "import { createOrder } from './adapters/acme';\nexport const y = createOrder;\n", /Domain modules do not call adapters/],
    ['functions/x.ts', "import { startLocalStack } from '../devstack/stack';\nexport const y = startLocalStack;\n", /never depends on the local runtime/],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit.only('x', () => undefined);\n", /No focused tests/],
    ['test/unit/x.test.ts', "import { it } from 'vitest';\nit.skip('x', () => undefined);\n", /says why/],
  ])('reports %s: %s', async (path, code, expected) => {
    expect((await problems(path, code)).join('\n')).toMatch(expected);
  });

  it('allows a skipped test whose disable comment says why', async () => {
    const code =
      "import { it } from 'vitest';\n// eslint-disable-next-line no-restricted-syntax -- needs IPv6, which CI lacks\nit.skip('x', () => undefined);\n";
    expect(await problems('test/unit/x.test.ts', code)).toEqual([]);
  });

  it('allows an SDK type in the pure domain, and adapters in lib/adapters', async () => {
    expect(await problems('lib/x.ts', "import type { ApplicationGateway } from '@azure/arm-network';\nexport type Y = ApplicationGateway;\n")).toEqual([]);
    expect(
      await problems('lib/adapters/x.ts', "import { CertificateClient } from '@azure/keyvault-certificates';\nexport const y = CertificateClient;\n"),
    ).toEqual([]);
  });
});
