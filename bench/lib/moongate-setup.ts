/** Moongate as the benchmark deploys it, and its request bodies: shared by the bench scripts (`run.ts`, `soak.ts`, `steps.ts`, `compare-builds.ts`). */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest } from './processes.js';

export const SIM_KEY = 'sk-bench-global-0001';
export const SIM_CN_KEY = 'sk-cn-bench-0001';
export const MASTER_KEY = 'mg-bench-master-key-0001';

/** The one-line request of the latency and throughput scenarios; only `model` differs by target. */
export function nonStreamBody(model: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: 'Write one sentence about the moon. [[sim:tokens=16]]' },
    ],
    max_tokens: 256,
    ...extra,
  });
}

/**
 * A stream of `tokens` tokens, `tokenDelayMs` apart; with `thinking`, reasoning deltas come first
 * (as kimi-k2.6 sends them), without it only content.
 */
export function streamBody(model: string, tokens: number, tokenDelayMs: number, thinking: boolean): string {
  return JSON.stringify({
    model,
    stream: true,
    stream_options: { include_usage: true },
    ...(thinking ? {} : { thinking: { type: 'disabled' } }),
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: `Tell me about the moon. [[sim:tokens=${tokens}]] [[sim:token_delay=${tokenDelayMs}]]` },
    ],
  });
}

/**
 * A long conversation, as agents and chat apps send them: `kb` KB of English turns before the
 * question. Costs that grow with the body (parsing, scanning, logging it) show here, not with
 * the one-line request above. `tag` goes before each user turn, to make the conversation a new one.
 */
export function conversationBody(model: string, kb: number, tag = ''): string {
  const turn = 'The tide comes in at dusk and the harbour lights come on one by one, while the fishing boats return with the day’s catch. '.repeat(10);
  const messages: { role: string; content: string }[] = [{ role: 'system', content: 'You are a concise assistant.' }];
  while (messages.reduce((n, m) => n + m.content.length, 0) < kb * 1024) {
    messages.push({ role: 'user', content: tag + turn }, { role: 'assistant', content: turn });
  }
  messages.push({ role: 'user', content: 'Summarise all of that in one sentence. [[sim:tokens=16]]' });
  return JSON.stringify({ model, messages, max_tokens: 256 });
}

/**
 * The CLI a checkout's `npm start` runs: the bundle (dist/bundle, since 2 December 2026), or for a
 * build from before it, tsc's dist/cli/main.js.
 */
export function moongateCli(root: string): string {
  const bundled = join(root, 'dist/bundle/moongate.js');
  return existsSync(bundled) ? bundled : join(root, 'dist/cli/main.js');
}

/**
 * A production-like config: master key, the moonshot provider pointed at the simulator through
 * `regions` (two credentials, weights 3 and 1), an alias `kimi`, SQLite logs with full bodies.
 * `extra` (the soak's): more providers (name → settings) and aliases (name → target model), and
 * `router` settings, as in moongate.yaml (written as JSON, which YAML reads).
 */
export function writeMoongateConfig(
  dir: string,
  simUrl: string,
  port: number,
  extra: { providers?: Record<string, Record<string, unknown>>; aliases?: Record<string, string>; router?: Record<string, unknown> } = {},
): { file: string; url: string; yaml: string } {
  mkdirSync(dir, { recursive: true });
  const providers = Object.entries(extra.providers ?? {})
    .map(([name, settings]) => `  ${name}: ${JSON.stringify(settings)}\n`)
    .join('');
  const aliases = Object.entries({ kimi: 'moonshot/kimi-k2.6', ...extra.aliases })
    .map(([name, model]) => `  - name: ${name}\n    targets:\n      - { model: ${model}, weight: 1 }\n`)
    .join('');
  const yaml = `server: { host: 127.0.0.1, port: ${port} }
master_key: ${MASTER_KEY}
store: sqlite:${join(dir, 'moongate.db')}
logging: { bodies: full, max_body_kb: 64 }
providers:
  moonshot:
    regions: { global: ${simUrl}/v1, cn: ${simUrl}/cn/v1 }
    credentials:
      - { name: bench-global, api_key: ${SIM_KEY}, region: global, weight: 3 }
      - { name: bench-cn, api_key: ${SIM_CN_KEY}, region: cn, weight: 1 }
${providers}${extra.router ? `router: ${JSON.stringify(extra.router)}\n` : ''}models:
${aliases}`;
  const file = join(dir, 'moongate.yaml');
  writeFileSync(file, yaml);
  return { file, url: `http://127.0.0.1:${port}`, yaml };
}

/**
 * Callers hold virtual keys in a real deployment: make one with the admin API when the gateway has
 * it (POST /admin/keys), else fall back to the master key.
 */
export async function gatewayKey(origin: string, name: string): Promise<{ kind: 'virtual key' | 'master key'; key: string }> {
  try {
    const res = await httpRequest('POST', `${origin}/admin/keys`, { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, JSON.stringify({ name }));
    const key = (JSON.parse(res.body) as { key?: unknown }).key;
    if (res.status === 201 && typeof key === 'string' && key.startsWith('mg-')) return { kind: 'virtual key', key };
  } catch {
    // no admin API (or not JSON): master key
  }
  return { kind: 'master key', key: MASTER_KEY };
}
