/**
 * The Azure built-in roles the emulator knows, with their control-plane actions as documented
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles: general, networking, identity;
 * azure-docs articles/role-based-access-control/built-in-roles/*.md). Ids are the same in every tenant.
 */
import type { RoleDefinition } from './rbac';

const builtIn = (guid: string, roleName: string, actions: string[], notActions: string[] = []): RoleDefinition => ({
  id: `/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
  roleName,
  actions,
  notActions,
  assignableScopes: ['/'],
});

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  builtIn('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner', ['*']),
  builtIn(
    'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Contributor',
    ['*'],
    [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  ),
  builtIn('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', ['*/read']),
  builtIn('4d97b98b-1d4f-4787-a291-c67834d212e7', 'Network Contributor', [
    'Microsoft.Authorization/*/read',
    'Microsoft.Insights/alertRules/*',
    'Microsoft.Network/*',
    'Microsoft.ResourceHealth/availabilityStatuses/read',
    'Microsoft.Resources/deployments/*',
    'Microsoft.Resources/subscriptions/resourceGroups/read',
    'Microsoft.Support/*',
  ]),
  builtIn('f1a07417-d97a-45cb-824c-7a7467783830', 'Managed Identity Operator', [
    'Microsoft.ManagedIdentity/userAssignedIdentities/*/read',
    'Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action',
    'Microsoft.Authorization/*/read',
    'Microsoft.Insights/alertRules/*',
    'Microsoft.Resources/subscriptions/resourceGroups/read',
    'Microsoft.Resources/deployments/*',
    'Microsoft.Support/*',
  ]),
];

/** A built-in role by name or guid; throws for one the emulator does not know. */
export function builtInRole(nameOrGuid: string): RoleDefinition {
  const key = nameOrGuid.toLowerCase();
  const role = BUILT_IN_ROLES.find((r) => r.roleName.toLowerCase() === key || r.id.toLowerCase().endsWith(`/${key}`));
  if (!role) throw new Error(`ARM emulator: unknown built-in role ${nameOrGuid}`);
  return role;
}
