// Data-plane roles on the vault (RBAC mode).
param keyVaultName string
param functionPrincipalId string
param gatewayIdentityPrincipalId string

var roles = {
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Function: create certificates (the key is born in the vault), read the pending CSR, merge the
// issued chain, import uploaded PFXs, list certificates for renewal.
resource functionCertificatesOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionPrincipalId, roles.keyVaultCertificatesOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCertificatesOfficer)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Function: create and read the ACME account key secret (created once, then reused), and resolve
// the AcmeEabHmacKey Key Vault reference. Certificates Officer has no secret data actions.
resource functionSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Gateway: its listeners reference certificates by versionless secret id and its instances read
// the secret (certificate + key) about every 4 hours; read is all it needs.
resource gatewaySecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, gatewayIdentityPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: gatewayIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output vaultUri string = vault.properties.vaultUri
