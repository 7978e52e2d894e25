/**
 * The ACME adapter, layered as acme-client is: transport (nonces, Retry-After, errors), account
 * (key in Key Vault, registration, EAB), one module per RFC 8555 resource (orders §7.4,
 * authorizations and challenges §7.5), and renewal information (RFC 9773).
 */
export { acmeClient, forgetAcmeClients } from './account';
export { answerChallenge, deactivatePendingAuthorizations, getHttp01Challenges, readStatus } from './authorizations';
export { FINALIZE_WAIT, createOrder, downloadChain, finalizeOrder, readOrderStatus } from './orders';
export { fetchRenewalWindow } from './renewalInfo';
