import { app, HttpHandler } from '@azure/functions';
import * as df from 'durable-functions';
import { answerErrors } from './http';
import { startIssuance } from './startIssuance';

/** POST {"hostnames":[{"hostname":"example.com"}]}: one certificate, bound to the gateway. */
export const addCertificateHttpStart: HttpHandler = (request, context) => startIssuance(request, context, 'single');

app.http('AddCertificateFunctions_HttpStart', {
  route: 'AddCertificateFunctions_HttpStart',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => answerErrors(() => addCertificateHttpStart(request, context)),
});
