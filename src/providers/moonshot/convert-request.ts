import { Adjustments } from '../adjustments.js';
import { editableCopy } from '../editable-copy.js';
import type { CatalogueModel } from '../../catalogue/catalogue.js';
import type { ChatRequestBody } from '../../server/validate-chat-request.js';
import { chooseMaxTokensParam } from './choose-max-tokens-param.js';
import { ConversationDigest } from './conversation-digest.js';
import { fitSampling } from './fit-sampling.js';
import { flattenTextContent } from './flatten-text-content.js';
import { mapDeveloperRole } from './map-developer-role.js';
import type { ReasoningMemory } from './reasoning-memory.js';
import { restoreReasoningContent } from './restore-reasoning-content.js';
import { isThinkingOn } from './thinking-state.js';
import { tupleItemsToPrefixItems } from './tuple-items-to-prefix-items.js';
import { workAroundForcedToolChoice } from './work-around-forced-tool-choice.js';

export interface ConvertedRequest {
  body: Record<string, unknown>;
  adjustments: string[];
  /** The client's messages digested as far as restoring reasoning needed: the answer's turns are remembered under their whole digest. */
  conversation: ConversationDigest;
  /** Whether the model thinks on this request; undefined when that cannot be known (see isThinkingOn). */
  thinkingOn: boolean | undefined;
}

/**
 * An OpenAI chat request → what Moonshot accepts. Every field is forwarded as the client sent it
 * except the ones changed below, each of which is named in the adjustments.
 */
export async function convertRequest(
  input: ChatRequestBody,
  modelId: string,
  model: CatalogueModel | undefined,
  memory: ReasoningMemory,
  callerScope: string,
): Promise<ConvertedRequest> {
  const adjustments = new Adjustments();
  const body = editableCopy(input);
  body.model = modelId;
  const thinkingOn = isThinkingOn(model, body);

  let messages = mapDeveloperRole(input.messages, adjustments);
  messages = flattenTextContent(messages, adjustments);
  const conversation = new ConversationDigest();
  messages = await restoreReasoningContent(messages, memory, callerScope, thinkingOn, adjustments, input.messages, conversation);
  body.messages = messages;

  chooseMaxTokensParam(body, model, adjustments);
  fitSampling(body, model, thinkingOn, adjustments);
  workAroundForcedToolChoice(body, model, thinkingOn, adjustments);
  tupleItemsToPrefixItems(body, adjustments);
  if (body.stream === true) requestStreamUsage(body, adjustments);

  return { body, adjustments: adjustments.list(), conversation, thinkingOn };
}

/** Usage is always requested upstream so every stream can be logged and billed. */
function requestStreamUsage(body: Record<string, unknown>, adjustments: Adjustments): void {
  const options = body.stream_options;
  const current = options && typeof options === 'object' ? (options as Record<string, unknown>) : {};
  if (current.include_usage === true) return;
  body.stream_options = { ...current, include_usage: true };
  adjustments.add('stream_options.include_usage', 'true(upstream only)');
}
