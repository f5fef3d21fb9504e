import { isRecord } from './json.js';

/**
 * `[[sim:NAME]]` / `[[sim:NAME=VALUE]]` markers in the last user message. They let a test drive the
 * simulator through a gateway that only forwards request bodies.
 */
export interface Directives {
  fixture?: string;
  error?: { status: number; after?: number; type?: string; message?: string };
  latencyMs?: number;
  tokenDelayMs?: number;
  cutAfterChunks?: number;
  streamErrorAfterChunks?: number;
  garbage?: boolean;
  tokens?: number;
}

const DIRECTIVE = /\[\[sim:([a-z_]+)(?:=([^\]]*))?\]\]/g;

export function hasDirectives(d: Directives): boolean {
  return Object.keys(d).length > 0;
}

export function parseDirectives(text: string): Directives {
  const out: Directives = {};
  if (!text.includes('[[sim:')) return out;
  for (const m of text.matchAll(DIRECTIVE)) {
    const name = m[1] ?? '';
    const value = m[2];
    switch (name) {
      case 'fixture':
        if (value) out.fixture = value.trim();
        break;
      case 'error': {
        const error = parseError(value ?? '500');
        if (error) out.error = error;
        break;
      }
      case 'latency':
        setCount(out, 'latencyMs', value);
        break;
      case 'token_delay':
        setCount(out, 'tokenDelayMs', value);
        break;
      case 'cut':
        setCount(out, 'cutAfterChunks', value);
        break;
      case 'stream_error':
        setCount(out, 'streamErrorAfterChunks', value);
        break;
      case 'tokens':
        setCount(out, 'tokens', value);
        break;
      case 'garbage':
        out.garbage = true;
        break;
      default:
        break;
    }
  }
  return out;
}

/** Removes the markers so the echoed reply shows only what the user wrote. */
export function stripDirectives(text: string): string {
  if (!text.includes('[[sim:')) return text;
  return text.replace(DIRECTIVE, '').replace(/\s{2,}/g, ' ').trim();
}

type CountKey = 'latencyMs' | 'tokenDelayMs' | 'cutAfterChunks' | 'streamErrorAfterChunks' | 'tokens';

function setCount(out: Directives, key: CountKey, value: string | undefined): void {
  const n = toCount(value ?? '0');
  if (n !== undefined) out[key] = n;
}

function toCount(value: string): number | undefined {
  const n = Number(value.trim());
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** `429`, `429,after=3`, `500,message=boom`, `429,type=engine_overloaded_error`. */
function parseError(value: string): Directives['error'] {
  const [statusText = '', ...params] = value.split(',');
  const status = toCount(statusText);
  if (status === undefined || status < 100 || status > 599) return undefined;
  const error: NonNullable<Directives['error']> = { status };
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    if (k === 'after') {
      const n = toCount(v);
      if (n !== undefined) error.after = n;
    } else if (k === 'type') error.type = v;
    else if (k === 'message') error.message = v;
  }
  return error;
}

/** Text of the last `user` message (string content or its text parts). */
export function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isRecord(m) && m.role === 'user') return contentText(m.content);
  }
  return '';
}

export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join('\n');
}
