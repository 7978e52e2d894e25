// A new Key Vault in RBAC mode: access is granted by role assignments (keyVaultAccess.bicep),
// never by access policies.
param name string
param location string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Certificates are the thing we cannot lose: a deleted vault or certificate stays recoverable.
    enablePurgeProtection: true
    // Flex Consumption without VNet integration has no fixed outbound addresses, and the gateway
    // must reach the vault too: restrict with private endpoints / service endpoints, not IP rules.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output vaultUri string = vault.properties.vaultUri
