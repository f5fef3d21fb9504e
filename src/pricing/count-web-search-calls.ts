/**
 * How many times a chat answer called Moonshot's built-in `$web_search` (billed per call).
 * Reads OpenAI-shaped answers: JSON responses and the answers rebuilt from streams alike.
 */
export function countWebSearchCalls(response: unknown): number {
  if (!isObject(response) || !Array.isArray(response.choices)) return 0;
  let calls = 0;
  for (const choice of response.choices) {
    if (!isObject(choice) || !isObject(choice.message) || !Array.isArray(choice.message.tool_calls)) continue;
    for (const call of choice.message.tool_calls) {
      if (isObject(call) && isObject(call.function) && call.function.name === '$web_search') calls++;
    }
  }
  return calls;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
