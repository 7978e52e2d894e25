/** Reading a PKCS#10 CSR's names, to decide whether a pending Key Vault CSR is the one we want. Pure. */
import { forge } from './forge';

export interface CsrNames {
  readonly commonName?: string;
  readonly dnsNames: readonly string[];
}

export function csrDerToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}

export function readCsrNames(der: Uint8Array): CsrNames {
  const asn1 = forge().asn1.fromDer(forge().util.createBuffer(Buffer.from(der).toString('binary')));
  const csr = forge().pki.certificationRequestFromAsn1(asn1);
  const commonName = csr.subject.getField('CN')?.value as string | undefined;
  const ext = (
    csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: Array<{ name: string; altNames?: Array<{ type: number; value: string }> }> } | null
  )?.extensions;
  const san = ext?.find((e) => e.name === 'subjectAltName');
  const dnsNames = (san?.altNames ?? []).filter((a) => a.type === 2).map((a) => a.value.toLowerCase());
  return { ...(commonName ? { commonName: commonName.toLowerCase() } : {}), dnsNames };
}

/**
 * Whether a CSR asks for exactly these hostnames and nothing a CA would refuse: its SANs are the
 * hostnames, and its CN, if any, is one of them and at most 64 octets (RFC 5280 ub-common-name).
 */
export function csrCoversExactly(names: CsrNames, hostnames: readonly string[]): boolean {
  const want = [...hostnames].map((h) => h.toLowerCase()).sort();
  const got = [...names.dnsNames].sort();
  if (names.commonName !== undefined && (Buffer.byteLength(names.commonName, 'utf8') > 64 || !want.includes(names.commonName))) return false;
  return want.length === got.length && want.every((h, i) => h === got[i]);
}

/** Splits a PEM bundle into DER certificates, leaf first as the CA sent them. */
export function pemChainToDer(pem: string): Uint8Array[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'));
}
