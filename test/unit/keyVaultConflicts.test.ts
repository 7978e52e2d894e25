import { describe, expect, it } from 'vitest';
import { conflictError, conflictKind } from '../../lib/adapters/keyVaultNames';

/** Key Vault 409 bodies as the SDK surfaces them (RestError: statusCode, code, details = the body). */
const restError = (code: string, inner?: string) => ({
  statusCode: 409,
  code,
  details: { error: { code, message: 'm', ...(inner ? { innerError: { code: inner } } : {}) } },
});

describe("Key Vault's 409s", () => {
  it('tells a pending operation, a soft-deleted name, a settling recovery and a secret apart', () => {
    expect(conflictKind(restError('Forbidden'))).toBe('pending');
    expect(conflictKind(restError('Conflict', 'ObjectIsDeletedButRecoverable'))).toBe('deleted');
    expect(conflictKind(restError('Conflict', 'ObjectIsBeingRecovered'))).toBe('moving');
    expect(conflictKind(restError('Conflict', 'ObjectIsBeingDeleted'))).toBe('moving');
    expect(conflictKind(restError('Conflict'))).toBe('secret');
    expect(conflictKind({ statusCode: 404 })).toBeUndefined();
  });

  it('makes the final ones final, the settling one retryable, and leaves a pending operation to the caller', () => {
    expect(conflictError(restError('Conflict', 'ObjectIsDeletedButRecoverable'), 'n', 'Creating')).toMatchObject({
      code: 'KeyVaultCertificateDeleted',
      retryable: false,
    });
    expect(conflictError(restError('Conflict'), 'n', 'Creating')).toMatchObject({ code: 'KeyVaultNameTaken', retryable: false });
    expect(conflictError(restError('Conflict', 'ObjectIsBeingRecovered'), 'n', 'Creating')).toMatchObject({ code: 'KeyVaultError', retryable: true });
    expect(conflictError(restError('Forbidden'), 'n', 'Creating')).toBeUndefined();
  });
});
