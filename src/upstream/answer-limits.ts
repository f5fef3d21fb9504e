import { GatewayError } from '../server/gateway-error.js';

/**
 * The most of an upstream answer read whole (a JSON completion, an error body). A broken or hostile
 * upstream that never ends its body must not fill the gateway's memory; a real completion stays far
 * below it, even one with `logprobs` for tens of thousands of tokens.
 */
export const MAX_ANSWER_BYTES = 128 * 1024 * 1024;

/** The most of one stream event (or one unfinished line) held while it is read: 16 Mi characters. */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

export function answerTooLarge(providerName: string, maxBytes = MAX_ANSWER_BYTES): GatewayError {
  return new GatewayError(502, `${providerName}: answered with a body larger than ${maxBytes / 1024 / 1024} MB; the gateway stopped reading it.`, {
    type: 'api_error',
    code: 'invalid_upstream_response',
  });
}
