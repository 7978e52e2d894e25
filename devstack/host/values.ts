/** Small value helpers the host's modules share: timestamps, JSON copies, error text, sleeping. */

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
}

/** JSON text for a history event field; `undefined` (no return value) becomes `null`. */
export function serialize(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
