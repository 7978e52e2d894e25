// The writer role on the gateway's public IP: read its address for the DNS pre-check, and
// publicIPAddresses/join/action, which ARM checks on every gateway PUT.
param publicIpName string
param principalId string
param roleDefinitionId string

resource publicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' existing = {
  name: publicIpName
}

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(publicIp.id, principalId, roleDefinitionId)
  scope: publicIp
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
