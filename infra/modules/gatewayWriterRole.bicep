// Custom role with exactly what reading and updating an existing gateway needs, defined in the
// resource group it is deployed to and assignable only there: an owner of that resource group can
// deploy it (creating a role needs roleDefinitions/write on all its assignable scopes, learn.microsoft.com/
// azure/role-based-access-control/custom-roles). main.bicep deploys it once per resource group holding
// the gateway, its public IP, subnet or WAF policy; the role is assigned on each of those resources.
// (Managed Identity Operator on the gateway's identity is assigned separately.)
//
// Role names are unique per tenant and role ids (GUIDs) across the tenant: both derive from the
// subscription and resource group, so prod and staging with the same names do not collide.
//
// The actions are infra/roles.json's customRoles.gatewayWriter.actions, the list the ARM emulator
// grants the app in every test (test/devstack/arm-deployed-roles.test.ts proves it is enough).

var definition = loadJsonContent('../roles.json').customRoles.gatewayWriter

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, resourceGroup().id, 'gateway-writer')
  properties: {
    roleName: '${definition.roleName} (${resourceGroup().name}, ${uniqueString(subscription().id, resourceGroup().id)})'
    description: definition.description
    type: 'CustomRole'
    permissions: [
      {
        actions: definition.actions
        notActions: definition.notActions
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

// A role definition deployed at resource-group scope is still a subscription-level resource
// (/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}); role assignments
// must name it by that id, not by the resource-group-scoped id `role.id` would give here.
output roleDefinitionId string = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.name)
