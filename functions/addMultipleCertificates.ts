import { app, HttpHandler } from '@azure/functions';
import * as df from 'durable-functions';
import { answerErrors } from './http';
import { startIssuance } from './startIssuance';

/** POST {"hostnames":[{"hostname":"a.example.com"},{"hostname":"b.example.com"}]}: one certificate each, one gateway update. */
export const addMultipleCertificatesHttpStart: HttpHandler = (request, context) => startIssuance(request, context, 'multiple');

app.http('AddMultipleCertificatesFunctions_HttpStart', {
  route: 'AddMultipleCertificatesFunctions_HttpStart',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => answerErrors(() => addMultipleCertificatesHttpStart(request, context)),
});
