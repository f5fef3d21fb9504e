import type { IncomingHttpHeaders } from 'node:http';
import { findModel } from '../../catalogue/catalogue.js';
import type { ProviderConfig } from '../../config/types.js';
import type { GatewayError } from '../../server/gateway-error.js';
import type { ChatRequestBody } from '../../server/validate-chat-request.js';
import type {
  CallContext,
  NormalizedResponse,
  PreparedRequest,
  Provider,
  StreamTransformer,
  UpstreamCredential,
} from '../types.js';
import { readUsage } from '../usage.js';
import type { ChatMessage } from '../../server/validate-chat-request.js';
import { convertRequest } from './convert-request.js';
import type { ConversationDigest } from './conversation-digest.js';
import { mapMoonshotError } from './map-error.js';
import { normalizeResponse } from './normalize-response.js';
import type { ReasoningMemory } from './reasoning-memory.js';
import { MoonshotStreamTransformer } from './transform-stream.js';
import type { CompletedTurn } from './transform-stream.js';
import { bodyToSend } from '../serialize-edited-json.js';
import { upstreamHeaders } from '../upstream-headers.js';

export class MoonshotProvider implements Provider {
  /** Each call's conversation as its client sent it, and its digest so far: turns that call tools are remembered under it. */
  private readonly conversations = new WeakMap<CallContext, { messages: readonly ChatMessage[]; digest: ConversationDigest }>();

  constructor(
    readonly config: ProviderConfig,
    private readonly memory: ReasoningMemory,
  ) {}

  get name(): string {
    return this.config.name;
  }

  async prepareChat(
    body: ChatRequestBody,
    model: string,
    credential: UpstreamCredential,
    ctx: CallContext,
    clientBody?: Buffer,
  ): Promise<PreparedRequest> {
    const converted = await convertRequest(body, model, findModel('moonshot', model), this.memory, ctx.callerScope);
    this.conversations.set(ctx, { messages: body.messages, digest: converted.conversation });
    return {
      path: '/chat/completions',
      headers: upstreamHeaders(credential, ctx),
      body: bodyToSend(clientBody, body, converted.body),
      stream: converted.body.stream === true,
      adjustments: converted.adjustments,
    };
  }

  normalizeResponse(json: unknown, ctx: CallContext): NormalizedResponse {
    const { body, turns } = normalizeResponse(json);
    this.rememberTurns(ctx, turns);
    const usage = body && typeof body === 'object' ? readUsage((body as { usage?: unknown }).usage) : undefined;
    return { body, usage };
  }

  createStreamTransformer(ctx: CallContext): StreamTransformer {
    return new MoonshotStreamTransformer({
      providerName: this.name,
      clientWantsUsage: ctx.clientWantsUsage,
      captureResponse: ctx.captureResponse,
      onTurnComplete: (turn) => this.rememberTurns(ctx, [turn]),
      ...(ctx.upstreamKey !== undefined ? { upstreamKey: ctx.upstreamKey } : {}),
    });
  }

  mapError(status: number, body: string, headers: IncomingHttpHeaders, credential: UpstreamCredential): GatewayError {
    return mapMoonshotError(this.name, status, body, headers, credential, this.config.regions);
  }

  private rememberTurns(ctx: CallContext, turns: CompletedTurn[]): void {
    const conversation = this.conversations.get(ctx);
    if (!conversation) return;
    let before: string | undefined;
    for (const turn of turns) {
      if (turn.reasoning === '' || turn.toolCalls.length === 0) continue;
      // Carried on from where restoring reasoning left it: the history is not digested twice.
      before ??= conversation.digest.addUpTo(conversation.messages, conversation.messages.length).current();
      // Memory failures must not fail the answer the client already has.
      this.memory.remember(ctx.callerScope, before, turn.toolCalls, turn.reasoning).catch(() => undefined);
    }
  }
}
