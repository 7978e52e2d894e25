import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { listManagedCertificates } from '../lib/adapters/certificateInventory';
import { boundHostnames } from '../lib/adapters/gateway';
import { getConfig } from '../lib/config';
import { AppError } from '../lib/errors';
import { errorResponse } from './http';

/** GET /api/certificates: what this app manages or imported, and whether a listener serves it. */
export async function listCertificates(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const config = getConfig();
  try {
    const [certificates, bound] = await Promise.all([listManagedCertificates(config, new Date()), boundHostnames(config)]);
    return {
      status: 200,
      jsonBody: {
        certificates: certificates.map((c) => ({
          hostnames: c.hostnames,
          keyVaultName: c.certificateName,
          version: c.version,
          thumbprint: c.thumbprint,
          notBefore: c.notBefore,
          notAfter: c.notAfter,
          source: c.source === 'acme' ? c.acmeDirectory : 'imported',
          renewalDue: c.renewAfter,
          listenerBound: c.hostnames.some((h) => bound.get(h) === `${config.keyVault.baseUrl}/secrets/${c.certificateName}`),
          pendingOperation: c.pendingOperation,
          ...(c.problem !== undefined ? { problem: c.problem } : {}),
        })),
      },
    };
  } catch (error) {
    if (error instanceof AppError) {
      context.warn(`listCertificates: ${error.message}`);
      return errorResponse(error.retryable ? 503 : 502, error.code, error.detail);
    }
    context.error(`listCertificates: unexpected ${(error as Error).name}`);
    return errorResponse(500, 'InternalError', 'Listing certificates failed unexpectedly');
  }
}

app.http('ListCertificates', { route: 'certificates', methods: ['GET'], authLevel: 'function', handler: listCertificates });
