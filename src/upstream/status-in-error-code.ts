/**
 * The HTTP status an upstream error's numeric `code` gives, when it is one (an integer from 400 to
 * 599): OpenRouter reports failures after its 200 as `{"error": {"code": 429, …}}`, without a type.
 */
export function statusInErrorCode(code: unknown): number | undefined {
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : undefined;
}
