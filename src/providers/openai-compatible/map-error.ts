import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, defaultTypeForStatus } from '../../server/gateway-error.js';

/** Upstream errors keep status, type and code; the message says which provider said it. */
export function mapOpenAIStyleError(providerName: string, status: number, rawBody: string, headers: IncomingHttpHeaders): GatewayError {
  let message: string | undefined;
  let type: string | undefined;
  let code: string | null = null;
  let param: string | null = null;
  try {
    const parsed = JSON.parse(rawBody) as { error?: Record<string, unknown> | string };
    if (typeof parsed.error === 'string') message = parsed.error;
    else if (parsed.error && typeof parsed.error === 'object') {
      const e = parsed.error;
      if (typeof e.message === 'string') message = e.message;
      if (typeof e.type === 'string') type = e.type;
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.param === 'string') param = e.param;
    }
  } catch {
    // Not JSON: report the text.
  }
  message ??= rawBody.trim() === '' ? `HTTP ${status} with an empty body` : `HTTP ${status}: ${rawBody.trim().slice(0, 200)}`;
  const retryAfter = headers['retry-after'];
  const extra: Record<string, string> = {};
  if (typeof retryAfter === 'string' && retryAfter !== '') extra['retry-after'] = retryAfter;
  return new GatewayError(status, `${providerName}: ${message}`, { type: type ?? defaultTypeForStatus(status), code, param, headers: extra });
}
