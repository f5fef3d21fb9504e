import type { IncomingHttpHeaders } from 'node:http';
import { findModel } from '../../catalogue/catalogue.js';
import type { ProviderConfig } from '../../config/types.js';
import { GatewayError } from '../../server/gateway-error.js';
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
import { reasoningKey } from './reasoning-memory.js';
import type { ReasoningMemory } from './reasoning-memory.js';
import { MoonshotStreamTransformer } from './transform-stream.js';
import type { CompletedTurn } from './transform-stream.js';
import { bodyToSend } from '../serialize-edited-json.js';
import { placeStoredMetadata } from '../stored-completion-metadata.js';
import { upstreamHeaders } from '../upstream-headers.js';
import { redactKey } from '../redact-key.js';

/**
 * What a call that may remember a turn keeps of its conversation: turns that call tools are
 * remembered, with their reasoning, under the digest of the messages the client sent.
 */
interface Conversation {
  /** That digest, once made (see settledDigest). */
  before?: string;
  /** Until then, what it is made from: the messages, and their digest as far as restoring reasoning went. */
  pending?: { messages: readonly ChatMessage[]; digest: ConversationDigest };
  /** For each set of tool calls remembered from this answer, the choice it came from (see rememberTurn); made when a turn first needs it. */
  choiceOf?: Map<string, number>;
  /** The answer has several choices (`n` > 1). */
  severalChoices: boolean;
}

export class MoonshotProvider implements Provider {
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
    // A turn is remembered when it calls tools and reasons: neither without tools offered, nor with
    // thinking off. The digest is made when first needed (most answers call no tool), or once a
    // stream's first chunk is out (see createStreamTransformer).
    ctx.providerState =
      offersTools(body) && converted.thinkingOn !== false
        ? ({ pending: { messages: body.messages, digest: converted.conversation }, severalChoices: typeof body.n === 'number' && body.n > 1 } satisfies Conversation)
        : undefined;
    placeStoredMetadata(converted.body, ctx.storedMetadata, this.config.type, converted.adjustments);
    return {
      path: '/chat/completions',
      headers: upstreamHeaders(credential, ctx),
      body: bodyToSend(clientBody, body, converted.body),
      stream: converted.body.stream === true,
      adjustments: converted.adjustments,
    };
  }

  normalizeResponse(json: unknown, ctx: CallContext): NormalizedResponse {
    if (!isChatCompletion(json)) {
      // Passed on, a 200 the SDKs cannot read (`null`, a proxy's `{"code":…,"msg":…}`) fails in the
      // caller's code instead of as an upstream error the router can retry elsewhere.
      const shown = redactKey(JSON.stringify(json) ?? String(json), ctx.upstreamKey);
      throw new GatewayError(502, `${this.name}: answered with JSON that is not a chat completion (no choices): ${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}`, {
        type: 'api_error',
        code: 'invalid_upstream_response',
      });
    }
    const { body, turns, changed } = normalizeResponse(json);
    // In choice order: a turn's place among them ranks it as its choice index would.
    turns.forEach((turn, place) => this.rememberTurn(ctx, turn, place));
    const usage = body && typeof body === 'object' ? readUsage((body as { usage?: unknown }).usage) : undefined;
    return { body, usage, unchanged: !changed };
  }

  createStreamTransformer(ctx: CallContext): StreamTransformer {
    // Only a call that offered tools to a thinking model has a conversation, and turns to remember
    // under it (see prepareChat): without one, the stream keeps none of its reasoning.
    const conversation = ctx.providerState as Conversation | undefined;
    return new MoonshotStreamTransformer({
      providerName: this.name,
      clientWantsUsage: ctx.clientWantsUsage,
      captureResponse: ctx.captureResponse,
      ...(conversation !== undefined
        ? {
            onTurnComplete: (turn: CompletedTurn, choice: number) => this.rememberTurn(ctx, turn, choice),
            // A stream can run for minutes: its conversation is boiled down to its digest rather than
            // held to its end (the digest costs ~0.1–0.2 ms per 100 KB, paid after the first byte).
            onFirstChunkSent: () => void settledDigest(conversation),
          }
        : {}),
      ...(ctx.upstreamKey !== undefined ? { upstreamKey: ctx.upstreamKey } : {}),
    });
  }

  mapError(status: number, body: string, headers: IncomingHttpHeaders, credential: UpstreamCredential): GatewayError {
    return mapMoonshotError(this.name, status, body, headers, credential, this.config.regions);
  }

  private rememberTurn(ctx: CallContext, turn: CompletedTurn, choice: number): void {
    // Set by prepareChat, which every call of this provider goes through before its answer.
    const conversation = ctx.providerState as Conversation | undefined;
    if (!conversation || turn.reasoning === '' || turn.toolCalls.length === 0) return;
    // With n > 1, choices often make the same calls with different reasoning, and the history a
    // client sends back cannot say which choice it kept: the lowest choice's stays, the one clients read.
    if (conversation.severalChoices) {
      // A digest of the calls per turn: only worth its cost when there are choices to tell apart.
      const calls = reasoningKey('', '', turn.toolCalls);
      const choiceOf = (conversation.choiceOf ??= new Map());
      const earlier = choiceOf.get(calls);
      if (earlier !== undefined && earlier < choice) return;
      choiceOf.set(calls, choice);
    }
    // Memory failures must not fail the answer the client already has.
    this.memory.remember(ctx.callerScope, settledDigest(conversation), turn.toolCalls, turn.reasoning).catch(() => undefined);
  }
}

function isChatCompletion(json: unknown): boolean {
  return !!json && typeof json === 'object' && Array.isArray((json as { choices?: unknown }).choices);
}

/**
 * The conversation's digest, made the first time it is needed and kept; its messages are let go
 * then. Carried on from where restoring reasoning left it, so the history is not digested twice.
 */
function settledDigest(conversation: Conversation): string {
  if (conversation.before === undefined) {
    const { messages, digest } = conversation.pending!;
    conversation.before = digest.addUpTo(messages, messages.length).current();
    conversation.pending = undefined;
  }
  return conversation.before;
}

function offersTools(body: ChatRequestBody): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}
