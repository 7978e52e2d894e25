/** What every Key Vault adapter shares: the tags that mark our certificates, and Key Vault's errors as coded AppErrors. */
import { AppError, isCredentialError } from '../errors';

/** Tags that mark a certificate as ours and tell renewal what it needs. */
export const Tags = {
  ManagedBy: 'managed-by',
  Hostnames: 'hostnames',
  AcmeDirectory: 'acme-directory',
  /** `imported` on certificates the user brought: renewal reports them but never renews them. */
  Source: 'source',
} as const;
export const IMPORTED_SOURCE = 'imported';
export const MANAGED_BY = 'appgw-acme-robot';

interface RestLike {
  statusCode?: number;
  code?: string;
}

export function keyVaultError(action: string, error: unknown): AppError {
  const { statusCode, code } = error as RestLike;
  if (isCredentialError(error) || statusCode === 401 || statusCode === 403) {
    return new AppError(
      'KeyVaultAccessDenied',
      `${action}: Key Vault denied access (${code ?? statusCode}); the function's identity needs "Key Vault Certificates Officer" and "Key Vault Secrets Officer", and the vault firewall must admit the function`,
    );
  }
  const retryable = statusCode === undefined || statusCode === 408 || statusCode === 429 || statusCode >= 500;
  return new AppError('KeyVaultError', `${action} failed${statusCode ? ` (HTTP ${statusCode}${code ? ` ${code}` : ''})` : ''}`, retryable);
}
