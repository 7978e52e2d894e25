/**
 * The configuration contract: the settings the code reads (lib/config.ts `Settings`), the ones
 * local.settings.sample.json documents and the app settings infra/ deploys are the same names, and
 * infra/ grants the roles the code needs. Everything outside lib/config.ts is read as text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig, Settings } from '../../lib/config';

const root = join(__dirname, '..', '..');

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path, suffix);
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

const bicepFiles = filesUnder(join(root, 'infra'), '.bicep');
const bicep = bicepFiles.map((path) => readFileSync(path, 'utf8')).join('\n');
const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};
const hostJson = readFileSync(join(root, 'host.json'), 'utf8');

/** Setting names the Functions host or platform reads, not our code. */
function isRuntimeSetting(name: string): boolean {
  return /^(FUNCTIONS_|AzureWebJobs|WEBSITE_|APPLICATIONINSIGHTS_)/.test(name) || name === 'DurableTaskHubName';
}

/** The text of every `appSettings: [ … ]` array, found by bracket matching outside strings and comments. */
function appSettingsBlocks(text: string): string[] {
  const blocks: string[] = [];
  const start = /appSettings\s*:\s*\[/g;
  for (let match = start.exec(text); match; match = start.exec(text)) {
    let depth = 0;
    let inString = false;
    for (let i = match.index + match[0].length - 1; i < text.length; i++) {
      const c = text[i];
      if (!inString && c === '/' && text[i + 1] === '/') {
        i = text.indexOf('\n', i);
        if (i < 0) break;
        continue;
      }
      if (c === "'" && text[i - 1] !== '\\') inString = !inString;
      if (inString) continue;
      if (c === '[') depth++;
      if (c === ']' && --depth === 0) {
        blocks.push(text.slice(match.index, i + 1));
        break;
      }
    }
  }
  return blocks;
}

function bicepAppSettingNames(): string[] {
  return appSettingsBlocks(bicep).flatMap((block) => [...block.matchAll(/\bname\s*:\s*'([^']+)'/g)].map((m) => m[1] as string));
}

const settingNames: string[] = Object.values(Settings);
const sampleNames = Object.keys(sample.Values);
const bicepNames = bicepAppSettingNames();

describe('configuration contract', () => {
  it('finds the Bicep files and their app settings (so the checks below cannot pass vacuously)', () => {
    expect(bicepFiles.map((path) => relative(root, path))).toContain(join('infra', 'main.bicep'));
    expect(bicepNames.length).toBeGreaterThan(settingNames.length);
    expect(new Set(bicepNames).size).toBe(bicepNames.length);
  });

  it('names every setting after its key', () => {
    for (const [key, value] of Object.entries(Settings)) expect(value).toBe(key);
  });

  it.each(settingNames)('%s is in local.settings.sample.json and is an app setting in infra/', (name) => {
    expect(sampleNames).toContain(name);
    expect(bicepNames).toContain(name);
  });

  it('documents no setting in the sample that nothing reads', () => {
    expect(sampleNames.filter((name) => !isRuntimeSetting(name) && !settingNames.includes(name))).toEqual([]);
  });

  it('deploys no app setting that nothing reads', () => {
    expect(bicepNames.filter((name) => !isRuntimeSetting(name) && !settingNames.includes(name))).toEqual([]);
  });

  it('sets every %setting% that host.json refers to, in the sample and in infra/', () => {
    const referenced = [...hostJson.matchAll(/%([A-Za-z0-9_]+)%/g)].map((m) => m[1] as string);
    expect(referenced).toContain('DurableTaskHubName');
    for (const name of referenced) {
      expect(sampleNames).toContain(name);
      expect(bicepNames).toContain(name);
    }
  });

  it('deploys the runtime settings a Flex Consumption app with identity-based storage needs', () => {
    expect(bicepNames).toEqual(expect.arrayContaining(['AzureWebJobsStorage__accountName', 'APPLICATIONINSIGHTS_CONNECTION_STRING']));
    // Flex Consumption takes the runtime from functionAppConfig and refuses these as app settings.
    expect(bicepNames).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(bicepNames).not.toContain('FUNCTIONS_EXTENSION_VERSION');
    expect(bicep).toMatch(/name:\s*'FC1'/);
    expect(bicep).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*version:\s*'22'/);
  });

  it('deploys, declares and tests on one Node major (Functions supports 22; 20 ended 2026-04-30)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    const deployed = /runtime:\s*\{\s*name:\s*'node'\s*version:\s*'(\d+)'/.exec(bicep)?.[1];
    const major = (range: string | undefined) => /(\d+)/.exec(range ?? '')?.[1];
    expect(deployed).toBe('22');
    expect(major(pkg.engines.node)).toBe(deployed);
    expect(major(pkg.devDependencies['@types/node'])).toBe(deployed);
    // The `node` package puts that major's binary in node_modules/.bin, which npm scripts run first.
    expect(major(pkg.devDependencies.node)).toBe(deployed);
    expect(process.versions.node.split('.')[0]).toBe(deployed);
  });

  it('passes the EAB HMAC key as a Key Vault reference, never as a plain value', () => {
    expect(bicep).toMatch(/name:\s*'AcmeEabHmacKey'\s*value:[^\n]*@Microsoft\.KeyVault\(SecretUri=/);
  });

  it('reads settings only through lib/config.ts', () => {
    const sources = ['lib', 'functions', 'activities', 'orchestrators']
      .flatMap((dir) => filesUnder(join(root, dir), '.ts'))
      .filter((path) => !path.endsWith(join('lib', 'config.ts')));
    const reads = sources.flatMap((path) =>
      [...readFileSync(path, 'utf8').matchAll(/process\.env(?:\.(\w+)|\[\s*['"`](\w+)['"`]\s*\])/g)].map((m) => `${relative(root, path)}: ${m[1] ?? m[2]}`),
    );
    expect(reads.filter((read) => !isRuntimeSetting(read.split(': ')[1] as string))).toEqual([]);
  });
});

describe('role assignments in infra/', () => {
  const builtInRoles: ReadonlyArray<readonly [string, string]> = [
    ['Key Vault Certificates Officer', 'a4417e6f-fecd-4de8-b567-7b0420556985'],
    ['Key Vault Secrets Officer', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'],
    ['Key Vault Secrets User', '4633458b-17de-408a-b874-0445c86b69e6'],
    ['Managed Identity Operator', 'f1a07417-d97a-45cb-824c-7a7467783830'],
    ['Storage Blob Data Contributor', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'],
    ['Storage Blob Data Owner', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'],
    ['Storage Queue Data Contributor', '974c5e8b-45b9-4653-ba55-5f855dd0fb88'],
    ['Storage Table Data Contributor', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'],
  ];

  it.each(builtInRoles)('assigns %s (%s)', (_role, id) => {
    expect(bicep.toLowerCase()).toContain(id);
  });

  it('names every role assignment with guid(...) so redeploying is idempotent', () => {
    const assignments = bicep.split(/(?=resource\s+\w+\s+'Microsoft\.Authorization\/roleAssignments@)/).slice(1);
    expect(assignments.length).toBeGreaterThanOrEqual(builtInRoles.length);
    for (const assignment of assignments) expect(assignment).toMatch(/^resource[^\n]*\n\s*name:\s*guid\(/);
  });

  it('lets the gateway writer role do a gateway PUT and nothing else, from the one roles file the emulator also loads', () => {
    const roles = JSON.parse(readFileSync(join(root, 'infra', 'roles.json'), 'utf8')) as {
      customRoles: Record<string, { actions: string[] }>;
    };
    const writer = roles.customRoles.gatewayWriter?.actions ?? [];
    for (const action of [
      'Microsoft.Network/applicationGateways/read',
      'Microsoft.Network/applicationGateways/write',
      'Microsoft.Network/publicIPAddresses/read',
      'Microsoft.Network/publicIPAddresses/join/action',
      'Microsoft.Network/virtualNetworks/subnets/join/action',
    ]) {
      expect(writer).toContain(action);
    }
    // Tracking the PUT's operation needs this at resource-group level, in its own narrow role.
    expect(roles.customRoles.operationStatusReader?.actions).toEqual(['Microsoft.Network/locations/operations/read']);
    for (const role of Object.values(roles.customRoles)) expect(role.actions.filter((a) => a === '*' || a.endsWith('/*'))).toEqual([]);
    expect(bicep).not.toMatch(/'Microsoft\.Network\/\*'|'\*'/);
    const writerBicep = readFileSync(join(root, 'infra', 'modules', 'gatewayWriterRole.bicep'), 'utf8');
    expect(writerBicep).toMatch(/loadJsonContent\('\.\.\/roles\.json'\)\.customRoles\.gatewayWriter/);
    expect(writerBicep).toMatch(/actions:\s*definition\.actions/);
  });

  it('creates the vault in RBAC mode', () => {
    expect(bicep).toMatch(/enableRbacAuthorization:\s*true/);
  });
});

describe('configuration fails fast', () => {
  const required = [
    Settings.AcmeEndpoint,
    Settings.AcmeAccountEmail,
    Settings.SubscriptionId,
    Settings.ApplicationGatewayResourceGroup,
    Settings.ApplicationGatewayName,
    Settings.ApplicationGatewayBackendName,
    Settings.ApplicationGatewayHttpSettingsName,
    Settings.BlobContainerUrl,
    Settings.KeyVaultBaseUrl,
  ];
  const optional = settingNames.filter((name) => !(required as string[]).includes(name));

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('accepts the sample as it stands', () => {
    expect(() => parseConfig(sample.Values)).not.toThrow();
  });

  it.each(required)('stops at start-up naming exactly %s when it is missing', async (name) => {
    for (const [key, value] of Object.entries(sample.Values)) vi.stubEnv(key, value);
    vi.stubEnv(name, '  ');
    // The module as the app loads it: the first getConfig() parses process.env.
    const config = await import('../../lib/config');
    config.resetConfigCache();
    let thrown: unknown;
    try {
      config.getConfig();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([`${name} is required but not set`]);
    config.resetConfigCache();
  });

  it.each(optional)('starts without %s', (name) => {
    const { [name]: _omit, ...rest } = sample.Values;
    expect(() => parseConfig(rest)).not.toThrow();
  });
});
