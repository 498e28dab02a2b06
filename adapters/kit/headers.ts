/**
 * Reading one HTTP header, whatever shape the SDK hands headers over in: Node's
 * `IncomingHttpHeaders` (arrays for repeated headers), a plain record in any case, axios'
 * `AxiosHeaders`, fetch's `Headers` and Azure's `HttpHeaders` (both with `get()`).
 */

/**
 * A header's value from any of the shapes SDKs use, matched case-insensitively; the first value
 * of a repeated header; numbers as their decimal text. `undefined` when absent or empty.
 */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  let value: unknown;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') value = (get as (n: string) => unknown).call(headers, wanted);
  if (value === undefined || value === null) {
    const record = headers as Record<string, unknown>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
    value = key === undefined ? undefined : record[key];
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
