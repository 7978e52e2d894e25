/** Small readers for untyped wire JSON. */

export type Wire = { [key: string]: unknown };

export function obj(v: unknown): Wire | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Wire) : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function strArr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function strMap(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  return o && Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Drops undefined and null fields, so `{...defaults, ...defined(request)}` keeps the defaults. */
export function defined(o: Wire | undefined): Wire {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== null));
}
