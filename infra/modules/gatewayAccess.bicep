// The writer role on the gateway itself: read and PUT its configuration.
param gatewayName string
param principalId string
param roleDefinitionId string

resource gateway 'Microsoft.Network/applicationGateways@2024-05-01' existing = {
  name: gatewayName
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(gateway.id, principalId, roleDefinitionId)
  scope: gateway
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
