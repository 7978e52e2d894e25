/** HTTP-01 key authorisations as blobs in the container the gateway routes `/.well-known/acme-challenge/*` to. */
import type { AppConfig } from '../config';
import { challengeContainer } from '../clients';
import { AppError } from '../errors';

export function challengeBlobName(config: AppConfig, token: string): string {
  return `${config.blob.challengePrefix}${token}`;
}

function storageError(action: string, error: unknown): AppError {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 403) {
    return new AppError(
      'BlobStorageError',
      `Access to the challenge container was denied while trying to ${action}: the function's identity needs "Storage Blob Data Contributor" on it, and the storage firewall must admit the function`,
      true,
    );
  }
  // 404: the container does not exist — a configuration error no retry fixes. 403 stays retryable:
  // a storage firewall or role change takes minutes to apply.
  return new AppError(
    'BlobStorageError',
    `Could not ${action} in the challenge container${status ? ` (HTTP ${status})` : ''}${status === 404 ? '; check BlobContainerUrl' : ''}`,
    status !== 404,
  );
}

/** Idempotent: uploading again overwrites with the same content. */
export async function uploadChallengeFile(config: AppConfig, token: string, keyAuthorization: string): Promise<void> {
  try {
    await challengeContainer(config)
      .getBlockBlobClient(challengeBlobName(config, token))
      .upload(keyAuthorization, Buffer.byteLength(keyAuthorization), {
        blobHTTPHeaders: { blobContentType: 'text/plain' },
      });
  } catch (error) {
    throw storageError('upload the validation file', error);
  }
}

/** Idempotent: a file already gone counts as deleted. */
export async function deleteChallengeFiles(config: AppConfig, tokens: readonly string[]): Promise<void> {
  const container = challengeContainer(config);
  for (const token of tokens) {
    try {
      await container.getBlockBlobClient(challengeBlobName(config, token)).deleteIfExists();
    } catch (error) {
      throw storageError('delete the validation file', error);
    }
  }
}
