import type { CallContext, UpstreamCredential } from './types.js';

/** Headers for an OpenAI-style upstream call; the request id lets upstream logs be matched to ours. */
export function upstreamHeaders(credential: UpstreamCredential, ctx: CallContext): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'x-request-id': ctx.requestId,
  };
  if (credential.apiKey !== '') headers.authorization = `Bearer ${credential.apiKey}`;
  return headers;
}
