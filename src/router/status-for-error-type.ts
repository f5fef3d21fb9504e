/**
 * The HTTP status an upstream error stands for when it came without a status of its own: as a
 * stream's first event, or as an `{"error": …}` body in a 200 answer. The status decides what the
 * router does (retry-policy.ts): a caller's mistake is not retried, a rate limit rests the
 * deployment, a rejected key disables the credential. A type it does not know is a 502.
 */
export function statusForErrorType(type: string | undefined): number {
  switch (type) {
    case 'invalid_request_error':
    case 'content_filter':
      return 400;
    case 'invalid_authentication_error':
    case 'incorrect_api_key_error':
    case 'authentication_error':
      return 401;
    case 'permission_denied_error':
    case 'permission_error':
      return 403;
    case 'resource_not_found_error':
      return 404;
    case 'rate_limit_reached_error':
    case 'engine_overloaded_error':
    case 'exceeded_current_quota_error':
    case 'rate_limit_error':
      return 429;
    case 'server_error':
      return 500;
    default:
      return 502;
  }
}
