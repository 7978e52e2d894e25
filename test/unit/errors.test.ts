import { describe, expect, it } from 'vitest';
import { AppError, toCodedFailure } from '../../lib/errors';

describe('coded errors across the durable boundary', () => {
  it('recovers the code from the text an orchestrator receives for a failed activity', () => {
    const thrown = new AppError('KeyVaultAccessDenied', 'The function identity may not create certificates in vault x');
    // The host hands the orchestrator Error(reason + " \n " + details).
    const received = new Error(`${thrown.message} \n AppError: ${thrown.message}\n    at stack`);
    expect(toCodedFailure(received)).toEqual({ code: 'KeyVaultAccessDenied', message: 'The function identity may not create certificates in vault x' });
  });

  it('hides the text of unknown errors, which may carry SDK dumps', () => {
    const failure = toCodedFailure(new Error('RestError: Bearer eyJ0eXAi... request-id 1234'));
    expect(failure.code).toBe('InternalError');
    expect(failure.message).not.toMatch(/Bearer|request-id/);
  });

  it('does not accept an unknown code in brackets', () => {
    expect(toCodedFailure(new Error('[NotACode] hello')).code).toBe('InternalError');
  });
});

describe('ACME errors', () => {
  it('makes a badNonce retryable wherever acme-client left it (the certificate download reads errors as text)', async () => {
    const { acmeError } = await import('../../lib/adapters/acme/transport');
    expect(acmeError('Downloading the certificate', new Error('JWS has an invalid anti-replay nonce: jpT0olys0xUVUsHTTWMI2Q'))).toMatchObject({
      code: 'AcmeServerError',
      retryable: true,
    });
    expect(acmeError('Finalizing', Object.assign(new Error('CSR is invalid'), { response: { status: 400 } }))).toMatchObject({ retryable: false });
  });
});
