import type { Dispatcher, request } from 'undici';

/**
 * undici's `request`, loaded on first use. Its package index also loads fetch, WebSocket, mocks
 * and caches (~100 ms and ~10 MB, measured at start-up): the occasional calls that want it
 * (model lists, key checks, CLI commands) pay for it then, not every gateway at start.
 */
export async function lazyUndiciRequest(url: Parameters<typeof request>[0], options?: Parameters<typeof request>[1]): Promise<Dispatcher.ResponseData<unknown>> {
  const undici = await import('undici');
  return undici.request(url, options);
}
