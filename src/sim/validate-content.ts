import { invalidRequest } from './errors.js';
import { isRecord } from './json.js';
import type { RuleContext } from './rule.js';
import type { SimError } from './types.js';

const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

/**
 * Content parts and vision. Captured: `Invalid request: unsupported image format: {mime}` and
 * `Invalid request: invalid part type: {type}`. Documented but with inferred wording: http(s) image
 * URLs are refused, and text-only models want `content` as a plain string.
 */
export function validateContent({ model, messages }: RuleContext): SimError | undefined {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isRecord(m) || !Array.isArray(m.content)) continue;
    const error = model.vision ? validateParts(m.content, model.video, model.id) : textOnlyModel(m.content, model.id);
    if (error) return error;
  }
  return undefined;
}

function textOnlyModel(parts: unknown[], modelId: string): SimError {
  if (parts.some((p) => isRecord(p) && p.type === 'image_url')) {
    return invalidRequest(`Invalid request: model ${modelId} does not support image input`);
  }
  if (parts.some((p) => isRecord(p) && p.type === 'video_url')) {
    return invalidRequest(`Invalid request: model ${modelId} does not support video input`);
  }
  return invalidRequest(`Invalid request: content must be a string for model ${modelId}`);
}

function validateParts(parts: unknown[], video: boolean, modelId: string): SimError | undefined {
  for (const part of parts) {
    if (!isRecord(part)) return invalidRequest('Invalid request: content part must be an object');
    switch (part.type) {
      case 'text':
        if (typeof part.text !== 'string') return invalidRequest('Invalid request: text part must have a string text');
        break;
      case 'image_url': {
        const error = checkMediaUrl(urlOf(part.image_url), 'image');
        if (error) return error;
        break;
      }
      case 'video_url': {
        if (!video) return invalidRequest(`Invalid request: model ${modelId} does not support video input`);
        const error = checkMediaUrl(urlOf(part.video_url), 'video');
        if (error) return error;
        break;
      }
      default:
        return invalidRequest(`Invalid request: invalid part type: ${String(part.type)}`);
    }
  }
  return undefined;
}

function urlOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.url === 'string') return value.url;
  return undefined;
}

/** Only base64 data URLs and `ms://<file_id>` references are accepted, never a URL to fetch. */
export function checkMediaUrl(url: string | undefined, kind: 'image' | 'video'): SimError | undefined {
  if (url === undefined || url === '') return invalidRequest(`Invalid request: ${kind}_url.url is required`);
  if (url.startsWith('ms://')) {
    return url.length > 'ms://'.length ? undefined : invalidRequest(`Invalid request: ${kind}_url.url has an empty file id`);
  }
  if (!url.startsWith('data:')) {
    return invalidRequest(`Invalid request: ${kind}_url.url must be a base64 data url or ms://<file_id>, http(s) urls are not supported`);
  }
  const comma = url.indexOf(',');
  const header = url.slice('data:'.length, comma < 0 ? Math.min(url.length, 200) : comma);
  if (comma < 0 || !header.endsWith(';base64')) {
    return invalidRequest(`Invalid request: ${kind}_url.url must be base64 encoded`);
  }
  const mime = header.slice(0, -';base64'.length);
  const supported = kind === 'image' ? IMAGE_MIMES.has(mime) : /^video\/[a-z0-9.+-]+$/.test(mime);
  return supported ? undefined : invalidRequest(`Invalid request: unsupported ${kind} format: ${mime}`);
}
