/**
 * The durable check-status payload a starter answers with. durable-functions' own
 * `createCheckStatusResponse` copies the request's origin into every URL (DurableClient
 * getClientResponseLinks), and the request's Host is the caller's to choose; here the URLs come
 * from the durable extension's own binding data, with their origin replaced by `PublicBaseUrl`
 * when it is set (the address users reach the app by, e.g. behind Front Door). The URLs carry the
 * extension's system key: whoever holds them can read, terminate, suspend, raise events to and
 * purge that instance (README, Security).
 */
import { HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { getConfig } from '../lib/config';

export type ManagementPayload = Record<string, string>;

/** The instance's management URLs, on the configured public origin when there is one. */
export function managementPayload(client: DurableClient, instanceId: string): ManagementPayload {
  const payload = client.createHttpManagementPayload(instanceId) as unknown as ManagementPayload;
  const base = getConfig().publicBaseUrl;
  if (!base) return { ...payload };
  const origin = new URL(base).origin;
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [key, /^https?:\/\//.test(value) ? value.replace(new URL(value).origin, origin) : value]),
  );
}

/** 202 Accepted with the payload and `Location` (the status URL), as the durable check-status response. */
export function checkStatusResponse(client: DurableClient, instanceId: string): HttpResponseInit {
  const payload = managementPayload(client, instanceId);
  return {
    status: 202,
    jsonBody: payload,
    headers: { 'Content-Type': 'application/json', ...(payload.statusQueryGetUri ? { Location: payload.statusQueryGetUri } : {}), 'Retry-After': '10' },
  };
}
