// Managed Identity Operator on the gateway's user-assigned identity only. A gateway PUT carries
// the identity, and ARM checks Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action on
// it: without this role every update fails with LinkedAuthorizationFailed.
param identityName string
param principalId string

var managedIdentityOperator = 'f1a07417-d97a-45cb-824c-7a7467783830'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource operator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(identity.id, principalId, managedIdentityOperator)
  scope: identity
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', managedIdentityOperator)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
