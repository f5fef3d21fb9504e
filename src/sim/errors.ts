import { STATUS_CODES } from 'node:http';
import type { SimError } from './types.js';

/** Moonshot omits `code` (docs/moonshot.md), so the body carries message and type only, in that order. */
export function errorBody(error: SimError): string {
  return JSON.stringify({ error: { message: error.message, type: error.type } });
}

export function simError(status: number, type: string, message: string): SimError {
  return { status, type, message };
}

export function invalidRequest(message: string): SimError {
  return simError(400, 'invalid_request_error', message);
}

export const INVALID_AUTHENTICATION: SimError = simError(401, 'invalid_authentication_error', 'Invalid Authentication');
export const INCORRECT_API_KEY: SimError = simError(401, 'incorrect_api_key_error', 'Incorrect API key provided');

export function modelNotFound(model: string): SimError {
  return simError(404, 'resource_not_found_error', `Not found the model ${model} or Permission denied`);
}

export const ENGINE_OVERLOADED_MESSAGE = 'The engine is currently overloaded, please try again later';

/** Moonshot's 429 wording; the "please try again after {t} seconds" phrase is the only retry hint it gives. */
export function rpmMessage(org: string, rpm: number, afterSeconds: number): string {
  return `Your account ${org} request reached organization max RPM: ${rpm}, please try again after ${afterSeconds} seconds`;
}

export function concurrencyMessage(org: string, concurrency: number, afterSeconds: number): string {
  return `Your account ${org} request reached max organization concurrency: ${concurrency}, please try again after ${afterSeconds} seconds`;
}

export function tpmMessage(org: string, current: number, limit: number): string {
  return `Your account ${org} request reached organization TPM rate limit, current: ${current}, limit: ${limit}`;
}

/** Error type Moonshot uses for a status, for faults and directives that only name a status. */
export function typeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'invalid_authentication_error';
    case 403:
      return 'permission_denied_error';
    case 404:
      return 'resource_not_found_error';
    case 429:
      return 'rate_limit_reached_error';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

/** The HTTP status a replayed error fixture implies, from its `type` (message-only errors are 500s). */
export function statusForType(type: string | undefined): number {
  switch (type) {
    case 'invalid_request_error':
    case 'content_filter':
      return 400;
    case 'invalid_authentication_error':
    case 'incorrect_api_key_error':
      return 401;
    case 'permission_denied_error':
      return 403;
    case 'resource_not_found_error':
      return 404;
    case 'rate_limit_reached_error':
    case 'exceeded_current_quota_error':
    case 'engine_overloaded_error':
      return 429;
    default:
      return 500;
  }
}

export interface ScriptedErrorInput {
  status: number;
  type?: string;
  message?: string;
  retryAfterSeconds?: number;
  model?: string;
  org: string;
}

/** Builds the error a fault or `[[sim:error=...]]` asks for, filling Moonshot's wording where unspecified. */
export function scriptedError(input: ScriptedErrorInput): SimError {
  const type = input.type ?? typeForStatus(input.status);
  if (input.message !== undefined) return simError(input.status, type, input.message);
  return simError(input.status, type, defaultMessage(input, type));
}

function defaultMessage(input: ScriptedErrorInput, type: string): string {
  switch (type) {
    case 'rate_limit_reached_error':
      return rpmMessage(input.org, 3, input.retryAfterSeconds ?? 1);
    case 'engine_overloaded_error':
      return ENGINE_OVERLOADED_MESSAGE;
    case 'invalid_authentication_error':
      return INVALID_AUTHENTICATION.message;
    case 'resource_not_found_error':
      return modelNotFound(input.model ?? '').message;
    case 'permission_denied_error':
      return 'Permission denied';
    case 'invalid_request_error':
      return 'Invalid request: simulated error';
    default:
      return STATUS_CODES[input.status] ?? 'Internal server error';
  }
}
