import { describe, expect, it } from 'vitest';
import { findModel } from '../catalogue/catalogue.js';
import type { CatalogueModel } from '../catalogue/catalogue.js';
import { ruleContext } from './rule.js';
import { validateContent } from './validate-content.js';

function model(id: string): CatalogueModel {
  const m = findModel('moonshot', id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

const image = (url: string) => ({ type: 'image_url', image_url: { url } });
const video = (url: string) => ({ type: 'video_url', video_url: { url } });
const check = (id: string, content: unknown) => validateContent(ruleContext(model(id), { messages: [{ role: 'user', content }] }));
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('validateContent', () => {
  it('accepts base64 data URLs of png, jpeg, webp and gif, and ms:// references', () => {
    for (const mime of ['image/png', 'image/jpeg', 'image/webp', 'image/gif']) {
      expect(check('kimi-k2.6', [{ type: 'text', text: 'what is this?' }, image(`data:${mime};base64,AAAA`)])).toBeUndefined();
    }
    expect(check('kimi-k2.6', [image('ms://cu1abc')])).toBeUndefined();
  });

  it('refuses http(s) image URLs', () => {
    expect(check('kimi-k2.6', [image('https://example.com/cat.png')])?.status).toBe(400);
    expect(check('kimi-k2.6', [image('http://example.com/cat.png')])?.status).toBe(400);
  });

  it('names an unsupported mime type with the captured text', () => {
    expect(check('kimi-k2.6', [image('data:text/plain; charset=utf-8;base64,aGk=')])?.message).toBe(
      'Invalid request: unsupported image format: text/plain; charset=utf-8',
    );
    expect(check('kimi-k2.6', [image('data:image/svg+xml;base64,PHN2Zz4=')])?.message).toBe(
      'Invalid request: unsupported image format: image/svg+xml',
    );
  });

  it('text-only models want a string content', () => {
    expect(check('moonshot-v1-8k', 'plain')).toBeUndefined();
    expect(check('moonshot-v1-8k', [{ type: 'text', text: 'hi' }])?.message).toContain('content must be a string');
    expect(check('kimi-k2-thinking', [image(PNG)])?.message).toContain('does not support image input');
  });

  it('video parts need a video model', () => {
    expect(check('kimi-k2.6', [video('data:video/mp4;base64,AAAA')])).toBeUndefined();
    expect(check('kimi-latest', [video('data:video/mp4;base64,AAAA')])?.message).toContain('does not support video input');
    expect(check('kimi-k2.6', [video('https://example.com/a.mp4')])?.status).toBe(400);
    expect(check('kimi-k2.6', [video('data:image/png;base64,AAAA')])?.message).toBe('Invalid request: unsupported video format: image/png');
  });

  it('rejects unknown part types with the captured text', () => {
    expect(check('kimi-k2.6', [{ type: 'file', file: {} }])?.message).toBe('Invalid request: invalid part type: file');
  });

  it('requires base64 encoding in data URLs', () => {
    expect(check('kimi-k2.6', [image('data:image/png,rawbytes')])?.status).toBe(400);
  });
});
