import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gateway-error.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-nesting.js';
import type { GatewayExtensions } from './gateway-extensions.js';
import type { RequestOutcome } from './request-outcome.js';
import { keyCustomer } from '../keys/key-customer.js';
import type { VirtualKey } from '../keys/virtual-key.js';

/**
 * Who a request is for, from the body (`customer_identifier`, `metadata`, `user`) or the headers
 * (`x-moongate-customer`, `x-moongate-metadata`, `x-moongate-trace-id`); the body wins.
 */
export function callerInfo(
  req: IncomingMessage,
  body: Record<string, unknown>,
  extensions: GatewayExtensions,
  key: VirtualKey | undefined,
): RequestOutcome['caller'] {
  const asked = identifier(customerField(extensions.customer_identifier), 'customer_identifier') ?? identifier(headerString(req, 'x-moongate-customer'), 'x-moongate-customer');
  // Bound the same way as the log records the key sends in.
  const customer =
    keyCustomer(
      key?.customer_identifier ?? null,
      asked ?? null,
      'customer_identifier',
      (own) =>
        `This gateway key is for customer \`${own}\`; a request with it cannot be for another customer. Leave customer_identifier (and x-moongate-customer) out, or use a key made for that customer, or one made for no customer.`,
    ) ?? undefined;
  let metadata = withinSize(objectOrUndefined(extensions.metadata, 'metadata'), 'metadata');
  if (metadata === undefined) {
    const header = headerString(req, 'x-moongate-metadata');
    if (header !== undefined) metadata = withinSize(parseMetadataHeader(header), 'x-moongate-metadata');
  }
  // The key's metadata is copied into every record; the request's own fields win on a clash.
  if (key?.metadata) metadata = metadata === undefined ? key.metadata : { ...key.metadata, ...metadata };
  const info: RequestOutcome['caller'] = {
    customerIdentifier: customer,
    metadata,
    user: capped(stringOrUndefined(body.user)),
    traceId: identifier(headerString(req, 'x-moongate-trace-id'), 'x-moongate-trace-id'),
  };
  if (key) info.keyId = key.id;
  return info;
}

/**
 * What a caller attaches to a request is kept in every log record and grouped on by the usage
 * API: bounded, so that one caller cannot fill the store or slow every log query down. The
 * gateway's own fields are refused past the bound; OpenAI's `user`, which goes upstream as sent,
 * is shortened in the record only.
 */
export const MAX_IDENTIFIER_LENGTH = 256;
export const MAX_METADATA_BYTES = 16 * 1024;

function identifier(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value.length <= MAX_IDENTIFIER_LENGTH) return value;
  throw new GatewayError(400, `\`${name}\` has ${value.length} characters; at most ${MAX_IDENTIFIER_LENGTH} are kept with a request.`, { code: 'invalid_request', param: name });
}

function capped(value: string | undefined): string | undefined {
  return value === undefined || value.length <= MAX_IDENTIFIER_LENGTH ? value : `${value.slice(0, MAX_IDENTIFIER_LENGTH - 1)}…`;
}

function withinSize(metadata: Record<string, unknown> | undefined, name: string): Record<string, unknown> | undefined {
  if (metadata === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(metadata));
  if (bytes <= MAX_METADATA_BYTES) return metadata;
  throw new GatewayError(400, `\`${name}\` is ${bytes} bytes of JSON; at most ${MAX_METADATA_BYTES} are kept with a request.`, { code: 'invalid_metadata', param: name });
}

function parseMetadataHeader(header: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    throw new GatewayError(400, 'Header `x-moongate-metadata` must be a JSON object.', { code: 'invalid_metadata', param: 'x-moongate-metadata' });
  }
  if (nestedDeeperThan(parsed)) {
    throw new GatewayError(400, `Header \`x-moongate-metadata\` nests more than ${MAX_JSON_DEPTH} levels deep.`, { code: 'invalid_metadata', param: 'x-moongate-metadata' });
  }
  return objectOrUndefined(parsed, 'x-moongate-metadata') ?? {};
}

function objectOrUndefined(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError(400, `\`${name}\` must be a JSON object.`, { code: 'invalid_metadata', param: name });
  }
  return value as Record<string, unknown>;
}

/**
 * The body's `customer_identifier`: a string, or a number taken as its digits (customer ids are
 * often numbers, and log ingestion takes them so). Anything else is refused: dropped, the
 * request's spend went to no customer without anyone being told.
 */
function customerField(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === undefined || value === null || typeof value === 'string') return stringOrUndefined(value);
  throw new GatewayError(400, '`customer_identifier` must be a string (or a number).', { type: 'invalid_request_error', code: 'invalid_request', param: 'customer_identifier' });
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerString(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? headerText(value) : undefined;
}

/**
 * Node reads header bytes as Latin-1. Clients that send a UTF-8 string's bytes (curl, Go, most
 * HTTP libraries outside the browser) would have "Zürich" logged as "ZÃ¼rich", and no filter by
 * the real name would find it. Bytes that are valid UTF-8 are read as UTF-8; others stay Latin-1,
 * which is what fetch and Python send for characters up to U+00FF.
 */
function headerText(value: string): string {
  if (!NON_ASCII.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : value;
}

/** A header string holds only U+0000…U+00FF (one per byte), so this is any byte past ASCII. */
const NON_ASCII = /[\u0080-\u00ff]/;

/** The request as it may be logged: provider keys a caller brought are never kept. */
export function loggableRequest(body: Record<string, unknown>): Record<string, unknown> {
  if (!('customer_credentials' in body) && !('credential_override' in body)) return body;
  const copy = { ...body };
  if ('customer_credentials' in copy) copy.customer_credentials = '[redacted]';
  if ('credential_override' in copy) copy.credential_override = '[redacted]';
  return copy;
}
