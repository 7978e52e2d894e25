/**
 * Azure RBAC in the ARM emulator: how an action and a scope are matched, and what the real
 * NetworkManagementClient meets without a permission: 403 AuthorizationFailed on the resource,
 * 403 LinkedAuthorizationFailed on a resource the PUT joins, and a status poll refused unless the
 * permission is held at the resource group and the caller started the operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../devstack/arm/emulator';
import { actionMatches, Rbac, roleGrants, scopeCovers } from '../../devstack/arm/rbac';
import { builtInRole } from '../../devstack/arm/builtInRoles';
import { addSite, type Any, type ArmFixture, type Caller, FAST, rand, rejection, type Seeded, startArmFixture } from './fixtures/arm';

const OPS_READ = 'Microsoft.Network/locations/operations/read';

describe('how RBAC matches actions and scopes', () => {
  it.each([
    ['*', 'Microsoft.Network/applicationGateways/write', true],
    ['*/read', 'Microsoft.Network/publicIPAddresses/read', true],
    ['*/read', 'Microsoft.Network/applicationGateways/write', false],
    ['Microsoft.Network/*', 'Microsoft.Network/locations/operations/read', true],
    ['Microsoft.Network/*', 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action', false],
    ['microsoft.network/APPLICATIONGATEWAYS/read', 'Microsoft.Network/applicationGateways/read', true],
    ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action', 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action', true],
    ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action', 'Microsoft.ManagedIdentity/userAssignedIdentities/write', false],
    ['Microsoft.Network/applicationGateways/read', 'Microsoft.Network/applicationGateways/readx', false],
  ])('%s matches %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  it('covers a scope and what lies below it, case-insensitively, and nothing beside it', () => {
    const rg = '/subscriptions/s/resourceGroups/rg-a';
    expect(scopeCovers(rg, `${rg}/providers/Microsoft.Network/applicationGateways/gw`)).toBe(true);
    expect(scopeCovers(rg, rg.toUpperCase())).toBe(true);
    expect(scopeCovers(rg, '/subscriptions/s/resourceGroups/rg-ab')).toBe(false);
    expect(scopeCovers(`${rg}/providers/Microsoft.Network/applicationGateways/gw`, rg)).toBe(false);
    expect(scopeCovers('/', rg)).toBe(true);
  });

  it('subtracts notActions within a role, while another role may still grant the action', () => {
    const contributor = builtInRole('Contributor');
    expect(roleGrants(contributor, 'Microsoft.Network/applicationGateways/write')).toBe(true);
    expect(roleGrants(contributor, 'Microsoft.Authorization/roleAssignments/write')).toBe(false);
    const rbac = new Rbac();
    rbac.defineRole(contributor);
    rbac.defineRole(builtInRole('Owner'));
    rbac.assign({ principalId: 'p', roleDefinitionId: contributor.id, scope: '/subscriptions/s' });
    expect(rbac.can('p', 'Microsoft.Authorization/roleAssignments/write', '/subscriptions/s/resourceGroups/rg')).toBe(false);
    rbac.assign({ principalId: 'p', roleDefinitionId: builtInRole('Owner').id, scope: '/subscriptions/s/resourceGroups/rg' });
    expect(rbac.can('p', 'Microsoft.Authorization/roleAssignments/write', '/subscriptions/s/resourceGroups/rg')).toBe(true);
  });

  it('refuses to assign a custom role outside its assignable scopes', () => {
    const rbac = new Rbac();
    const id = '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/x';
    rbac.defineRole({ id, roleName: 'writer (rg-a)', actions: ['*'], notActions: [], assignableScopes: ['/subscriptions/s/resourceGroups/rg-a'] });
    expect(() => rbac.assign({ principalId: 'p', roleDefinitionId: id, scope: '/subscriptions/s/resourceGroups/rg-b/providers/x/y/z' })).toThrow(
      /not assignable/,
    );
    rbac.assign({ principalId: 'p', roleDefinitionId: id, scope: '/subscriptions/s/resourceGroups/rg-a/providers/x/y/z' });
  });
});

describe('the ARM emulator enforces role assignments', () => {
  let fx: ArmFixture;
  let arm: ArmEmulator;

  beforeAll(async () => {
    fx = await startArmFixture();
    arm = fx.arm;
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const denied = (c: Caller, action: string, scope: string): string =>
    `The client '${c.principal.clientId}' with object id '${c.principal.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;

  /** A caller holding the given built-in roles at the given scopes. */
  function callerWith(grants: Array<[role: string, scope: string]>): Caller {
    const c = fx.newCaller();
    for (const [role, scope] of grants) arm.assignRole(c.principal.objectId, role, scope);
    return c;
  }

  it('refuses GET of a gateway and of a public IP without read, with ARM AuthorizationFailed; 403 comes before 404', async () => {
    const s = fx.seed();
    const nobody = fx.newCaller();
    const gwErr = await rejection(nobody.client.applicationGateways.get(s.rg, s.name));
    expect([gwErr.statusCode, gwErr.code, gwErr.message]).toEqual([
      403,
      'AuthorizationFailed',
      denied(nobody, 'Microsoft.Network/applicationGateways/read', s.gwId),
    ]);
    const ipErr = await rejection(nobody.client.publicIPAddresses.get(s.rg, `${s.name}-pip`));
    expect([ipErr.statusCode, ipErr.code, ipErr.message]).toEqual([
      403,
      'AuthorizationFailed',
      denied(nobody, 'Microsoft.Network/publicIPAddresses/read', s.publicIpId),
    ]);
    const missing = await rejection(nobody.client.applicationGateways.get(s.rg, 'no-such-gateway'));
    expect(missing.statusCode).toBe(403);
    const reader = callerWith([['Reader', `/subscriptions/${fx.subscriptionId}/resourceGroups/${s.rg}`]]);
    expect((await rejection(reader.client.applicationGateways.get(s.rg, 'no-such-gateway'))).statusCode).toBe(404);
  });

  it('lets a Reader read but not write', async () => {
    const s = fx.seed();
    const reader = callerWith([['Reader', `/subscriptions/${fx.subscriptionId}/resourceGroups/${s.rg}`]]);
    const gw: Any = await reader.client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, `${rand('r')}.example.test`, { priority: 500 });
    const putsBefore = arm.putCount;
    const err = await rejection(reader.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST));
    expect([err.statusCode, err.code, err.message]).toEqual([
      403,
      'AuthorizationFailed',
      denied(reader, 'Microsoft.Network/applicationGateways/write', s.gwId),
    ]);
    expect(arm.putCount).toBe(putsBefore);
  });

  /** Network Contributor on the gateway alone: it may write the gateway, nothing it links to. */
  function gatewayOnlyWriter(s: Seeded): Caller {
    return callerWith([['Network Contributor', s.gwId]]);
  }

  it('refuses a PUT whose linked resources the caller may not join, with ARM LinkedAuthorizationFailed naming each', async () => {
    const s = fx.seed({ waf: true });
    const c = gatewayOnlyWriter(s);
    const gw: Any = await c.client.applicationGateways.get(s.rg, s.name);
    const putsBefore = arm.putCount;
    const err = await rejection(c.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST));
    expect([err.statusCode, err.code]).toEqual([403, 'LinkedAuthorizationFailed']);
    expect(err.message).toBe(
      `The client '${c.principal.clientId}' with object id '${c.principal.objectId}' has permission to perform action 'Microsoft.Network/applicationGateways/write' on scope '${s.gwId}'; however, it does not have permission to perform action(s) ` +
        `'Microsoft.Network/virtualNetworks/subnets/join/action,Microsoft.Network/publicIPAddresses/join/action,Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/join/action,Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' ` +
        `on the linked scope(s) '${s.subnetId},${s.publicIpId},${s.wafPolicyId},${s.uaiId}' (respectively) or the linked scope(s) are invalid.`,
    );
    expect(arm.putCount).toBe(putsBefore);

    // Network Contributor on the network resources, but not Managed Identity Operator on the identity.
    arm.assignRole(
      c.principal.objectId,
      'Network Contributor',
      `/subscriptions/${fx.subscriptionId}/resourceGroups/${s.rg}/providers/Microsoft.Network/virtualNetworks/${s.name}-vnet`,
    );
    arm.assignRole(c.principal.objectId, 'Network Contributor', s.publicIpId);
    arm.assignRole(c.principal.objectId, 'Network Contributor', s.wafPolicyId!);
    const one = await rejection(c.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST));
    expect(one.code).toBe('LinkedAuthorizationFailed');
    expect(one.message).toMatch(
      /however, it does not have permission to perform action 'Microsoft\.ManagedIdentity\/userAssignedIdentities\/assign\/action' on the linked scope\(s\) '[^']+' or the linked scope\(s\) are invalid\.$/,
    );
    expect(one.message).toContain(`'${s.uaiId}'`);
  });

  it('accepts a PUT from a caller with resource-level rights only, but refuses its status poll (RG-level needed)', async () => {
    const s = fx.seed();
    const c = gatewayOnlyWriter(s);
    arm.assignRole(c.principal.objectId, 'Network Contributor', s.subnetId);
    arm.assignRole(c.principal.objectId, 'Network Contributor', s.publicIpId);
    arm.assignRole(c.principal.objectId, 'Managed Identity Operator', s.uaiId);
    const gw: Any = await c.client.applicationGateways.get(s.rg, s.name);
    addSite(gw, s.gwId, `${rand('t')}.example.test`, { priority: 510 });
    const putsBefore = arm.putCount;
    const err = await rejection(c.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST));
    expect(arm.putCount).toBe(putsBefore + 1); // the PUT itself was accepted
    expect([err.statusCode, err.code]).toEqual([403, 'AuthorizationFailed']);
    const opScope = /over scope '([^']+)'/.exec(err.message)?.[1] ?? '';
    expect(opScope).toMatch(new RegExp(`^/subscriptions/${fx.subscriptionId}/providers/Microsoft\\.Network/locations/westeurope/operations/[0-9a-f-]{36}$`));
    expect(err.message).toBe(denied(c, OPS_READ, opScope));

    // The action on the gateway itself does not help (Network Contributor there already holds it); on the resource group it does.
    arm.assignRole(c.principal.objectId, 'Reader', `/subscriptions/${fx.subscriptionId}/resourceGroups/${s.rg}`);
    const ok: Any = await c.client.applicationGateways.beginCreateOrUpdateAndWait(s.rg, s.name, gw, FAST);
    expect(ok.provisioningState).toBe('Succeeded');
  });

  it('lets only the caller that started an operation read its status', async () => {
    const s = fx.seed();
    arm.setPutDurationMs(300);
    try {
      const gw: Any = await fx.admin.client.applicationGateways.get(s.rg, s.name);
      addSite(gw, s.gwId, `${rand('o')}.example.test`, { priority: 520 });
      const poller = await fx.admin.client.applicationGateways.beginCreateOrUpdate(s.rg, s.name, gw, FAST);
      await poller.submitted();
      const url = (poller.getOperationState() as Any).config.operationLocation as string;
      const other = callerWith([['Contributor', `/subscriptions/${fx.subscriptionId}`]]);
      const res = await fetch(url, { headers: { authorization: `Bearer ${other.credential.token}` } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as Any).error.message).toMatch(/^Only the original caller of an asynchronous operation is allowed to retrieve the results\./);
      await poller.pollUntilDone();
    } finally {
      arm.setPutDurationMs(50);
    }
  });
});
