/** Azurite's blob service on loopback, in memory. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, spawnProcess, waitUntil } from '../stack/processes';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  readonly blobEndpoint: string;
  readonly connectionString: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const port = await freePort();
  const bin = join(dirname(createRequire(__filename).resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  // --skipApiVersionCheck: current @azure/storage-blob sends an API version Azurite does not know yet.
  const proc = spawnProcess(process.execPath, [
    bin,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--inMemoryPersistence',
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
  ]);
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  await waitUntil('azurite', async () => (await fetch(`${blobEndpoint}?comp=list`)).status > 0, proc);
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    pid: proc.child.pid,
    stop: () => proc.stop(),
  };
}
