/** Bounds of one outgoing GET. */
export interface FetchLimits {
  /** The whole exchange, body included, must finish within this many milliseconds. */
  readonly timeoutMs: number;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
}

/**
 * GETs a JSON document with a timeout and a size limit; redirects are refused (a moved key set
 * is re-registered, not followed). Throws an Error saying what went wrong.
 */
export async function fetchJson(url: string, limits: FetchLimits): Promise<unknown> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/jwk-set+json, application/json' } });
  } catch (err) {
    throw new Error(signal.aborted ? `no answer within ${limits.timeoutMs} ms` : `request failed: ${(err as Error).message}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limits.maxBytes) {
    await response.body?.cancel();
    throw new Error(`body of ${declared} bytes exceeds ${limits.maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) throw new Error(`body exceeds ${limits.maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    await response.body?.cancel().catch(() => {});
    throw new Error(signal.aborted ? `no complete answer within ${limits.timeoutMs} ms` : (err as Error).message);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('body is not JSON');
  }
}
