/**
 * The roles infra/ deploys (infra/roles.json, read by the Bicep) are enough for an issuance write
 * through the real NetworkManagementClient — GET gateway, GET public IP, PUT gateway with its
 * links, the status poll — and no more; without one of them the write fails with ARM's named error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../devstack/arm/emulator';
import { type GatewayScopes, type InfraRoles, loadInfraRoles } from '../../devstack/arm/deployedRoles';
import { addSite, type Any, type ArmFixture, type Caller, FAST, rand, rejection, type Seeded, startArmFixture } from './fixtures/arm';

const infra = join(__dirname, '..', '..', 'infra');
const bicep = (file: string): string => readFileSync(join(infra, file), 'utf8');

describe('infra/roles.json and the Bicep agree', () => {
  const roles = loadInfraRoles();

  it('reads the roles from roles.json, deploys custom roles at resource-group scope, assignable only there, named per subscription and resource group', () => {
    for (const file of ['modules/gatewayWriterRole.bicep', 'modules/operationStatusAccess.bicep']) {
      const text = bicep(file);
      expect(text).toContain("loadJsonContent('../roles.json')");
      expect(text).not.toMatch(/targetScope\s*=/); // resource group, the default
      expect(text).toMatch(/name: guid\(subscription\(\)\.id, resourceGroup\(\)\.id, '[a-z-]+'\)/);
      expect(text).toMatch(
        /roleName: '\$\{definition\.roleName\} \(\$\{resourceGroup\(\)\.name\}, \$\{uniqueString\(subscription\(\)\.id, resourceGroup\(\)\.id\)\}\)'/,
      );
      expect(text).toMatch(/assignableScopes: \[\s*resourceGroup\(\)\.id\s*\]/);
    }
    for (const file of ['modules/gatewayWriterRole.bicep', 'modules/operationStatusAccess.bicep']) expect(bicep(file)).toContain('actions: definition.actions');
    expect(bicep('main.bicep')).toContain("loadJsonContent('roles.json')");
    expect(bicep('main.bicep')).not.toMatch(/scope: subscription\(\)/);
  });

  it('assigns in the Bicep each scope roles.json lists', () => {
    const modules: Record<string, string> = {
      gateway: 'gatewayAccess',
      publicIp: 'publicIpAccess',
      subnet: 'subnetAccess',
      wafPolicy: 'wafPolicyAccess',
      gatewayIdentity: 'gatewayIdentityAccess',
      gatewayResourceGroup: 'operationStatusAccess',
    };
    for (const a of roles.assignments) expect(bicep('main.bicep'), a.scope).toContain(`module ${modules[a.scope]} 'modules/${modules[a.scope]}.bicep'`);
    expect(bicep('modules/gatewayIdentityAccess.bicep')).toContain(roles.builtInRoles.managedIdentityOperator);
    expect(roles.assignments).toContainEqual({ role: 'operationStatusReader', scope: 'gatewayResourceGroup' });
    expect(roles.customRoles.operationStatusReader!.actions).toEqual(['Microsoft.Network/locations/operations/read']);
  });
});

describe('the deployed roles are enough for an issuance write, and each one is needed', () => {
  let fx: ArmFixture;
  let arm: ArmEmulator;
  const roles = loadInfraRoles();

  beforeAll(async () => {
    fx = await startArmFixture();
    arm = fx.arm;
  });
  afterAll(async () => {
    await fx?.stop();
  });

  function scopesOf(s: Seeded): GatewayScopes {
    return { gateway: s.gwId, publicIp: s.publicIpId, subnet: s.subnetId, gatewayIdentity: s.uaiId, ...(s.wafPolicyId ? { wafPolicy: s.wafPolicyId } : {}) };
  }

  /** A new identity holding exactly `roles` for `s`, as the Bicep deploys them. */
  function deployedApp(s: Seeded, opts: { roles?: InfraRoles; mode?: 'custom' | 'NetworkContributor' } = {}): Caller {
    const app = fx.newCaller();
    arm.grantDeployedRoles(app.principal.objectId, scopesOf(s), opts);
    return app;
  }

  function without(pred: (a: InfraRoles['assignments'][number]) => boolean): InfraRoles {
    return { ...roles, assignments: roles.assignments.filter((a) => !pred(a)) };
  }

  /** What an issuance does at the gateway: read it, read its public IP, PUT a new site and wait for the operation. */
  async function issuanceWrite(app: Caller, s: Seeded): Promise<Any> {
    const gw: Any = await app.client.applicationGateways.get(s.rg, s.name);
    const pipId: string = gw.frontendIPConfigurations[0].publicIPAddress.id;
    const pip = await app.client.publicIPAddresses.get(pipId.split('/')[4]!, pipId.split('/').pop()!);
    expect(pip.ipAddress).toBe('203.0.113.10');
    addSite(gw, s.gwId, `${rand('issue')}.example.test`, { priority: 600 });
    return app.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST);
  }

  it.each([
    ['a gateway', {}],
    ['a WAF_v2 gateway with a linked WAF policy', { waf: true }],
    ['a gateway whose public IP lives in another resource group (a writer role defined there too)', { publicIpRg: rand('rg-ip') }],
  ])('%s: GET gateway, GET public IP, PUT with its links and the status poll all pass', async (_what, seedOpts) => {
    const s = fx.seed(seedOpts);
    const app = deployedApp(s);
    const done: Any = await issuanceWrite(app, s);
    expect(done.provisioningState).toBe('Succeeded');
    expect(done.httpListeners).toHaveLength(2);
  });

  it('also with gatewayWriterRole=NetworkContributor (built-in roles instead of the custom ones)', async () => {
    const s = fx.seed({ waf: true });
    const done: Any = await issuanceWrite(deployedApp(s, { mode: 'NetworkContributor' }), s);
    expect(done.provisioningState).toBe('Succeeded');
  });

  it('is not a superuser: no access to another gateway in the same resource group', async () => {
    const s = fx.seed();
    const other = fx.seed({ rg: s.rg });
    const app = deployedApp(s);
    const err = await rejection(app.client.applicationGateways.get(other.rg, other.name));
    expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
  });

  it('without the resource-group grant of operations/read: the PUT is accepted, its status poll refused 403 AuthorizationFailed', async () => {
    const s = fx.seed();
    const app = deployedApp(s, { roles: without((a) => a.scope === 'gatewayResourceGroup') });
    const putsBefore = arm.putCount;
    const err = await rejection(issuanceWrite(app, s));
    expect(arm.putCount).toBe(putsBefore + 1);
    expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
    expect(err.message).toMatch(
      new RegExp(
        `does not have authorization to perform action 'Microsoft\\.Network/locations/operations/read' over scope '/subscriptions/${fx.subscriptionId}/providers/Microsoft\\.Network/locations/westeurope/operations/[0-9a-f-]{36}'`,
      ),
    );
  });

  it.each([
    ['gatewayIdentity', 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action', (s: Seeded) => s.uaiId, {}],
    ['subnet', 'Microsoft.Network/virtualNetworks/subnets/join/action', (s: Seeded) => s.subnetId, {}],
    ['publicIp', 'Microsoft.Network/publicIPAddresses/join/action', (s: Seeded) => s.publicIpId, {}],
    ['wafPolicy', 'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/join/action', (s: Seeded) => s.wafPolicyId!, { waf: true }],
  ])('without the %s assignment: the PUT is refused 403 LinkedAuthorizationFailed naming %s on it', async (scope, action, linked, seedOpts) => {
    const s = fx.seed(seedOpts);
    const app = deployedApp(s, { roles: without((a) => a.scope === scope) });
    const gw: Any = await app.client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, `${rand('l')}.example.test`, { priority: 610 });
    const putsBefore = arm.putCount;
    const err = await rejection(app.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST));
    expect([err.statusCode, err.code]).toEqual([403, 'LinkedAuthorizationFailed']);
    expect(err.message).toContain(
      `does not have permission to perform action '${action}' on the linked scope(s) '${linked(s)}' or the linked scope(s) are invalid.`,
    );
    expect(arm.putCount).toBe(putsBefore);
    expect(arm.getApplicationGateway(s.rg, s.name).properties.httpListeners).toHaveLength(1);
  });

  it('without the gateway assignment: reading the gateway is refused 403 AuthorizationFailed', async () => {
    const s = fx.seed();
    const app = deployedApp(s, { roles: without((a) => a.scope === 'gateway') });
    const err = await rejection(app.client.applicationGateways.get(s.rg, s.name));
    expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
    expect(err.message).toContain(`'Microsoft.Network/applicationGateways/read' over scope '${s.gwId}'`);
  });
});
