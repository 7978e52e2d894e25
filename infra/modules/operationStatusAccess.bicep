// Microsoft.Network/locations/operations/read at the gateway's resource group. A gateway PUT is
// tracked at .../providers/Microsoft.Network/locations/{region}/operations/{id}, a URL not under the
// gateway: ARM lets a caller read it only with permission at resource-group level or above ("If you
// only have permission at the resource level, you can start the operation but you can't track its
// status", learn.microsoft.com/azure/azure-resource-manager/management/async-operations
// #permission-for-tracking-async-status). Without it every PUT is accepted and its poll refused 403.
// Resource-group level is the narrowest scope that works, so this custom role holds only that action
// (infra/roles.json customRoles.operationStatusReader), defined and assignable in this resource group.
param principalId string

@description('Role to assign instead (e.g. the built-in Reader for deployers who cannot create roles); empty = the custom role defined here.')
param roleDefinitionId string = ''

var definition = loadJsonContent('../roles.json').customRoles.operationStatusReader

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (empty(roleDefinitionId)) {
  name: guid(subscription().id, resourceGroup().id, 'operation-status-reader')
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

// Assignments name a role by its subscription-level id, even when it was deployed here.
var assignedRoleId = empty(roleDefinitionId) ? subscriptionResourceId('Microsoft.Authorization/roleDefinitions', guid(subscription().id, resourceGroup().id, 'operation-status-reader')) : roleDefinitionId

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, assignedRoleId)
  properties: {
    roleDefinitionId: assignedRoleId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
  dependsOn: [
    role
  ]
}
