import type { Adjustments } from '../adjustments.js';
import type { ChatMessage } from '../../server/validate-chat-request.js';

/** Moonshot has no `developer` role (OpenAI's newer name for system): send it as `system`. */
export function mapDeveloperRole(messages: ChatMessage[], adjustments: Adjustments): ChatMessage[] {
  if (!messages.some((m) => m.role === 'developer')) return messages;
  adjustments.add('developer_role', 'system');
  return messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' } : m));
}
