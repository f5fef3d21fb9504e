import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { locateYamlNode } from './locate-yaml-node.js';
import type { ConfigPath } from './problems.js';

function locate(text: string, path: ConfigPath) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return locateYamlNode(doc, lineCounter, path);
}

const yaml = [
  'server:', //                      1
  '  port: 4000', //                 2
  'providers:', //                   3
  '  moonshot:', //                  4
  '    credentials:', //             5
  '      - name: main', //           6
  '        region: global', //       7
  '      - name: china', //          8
  '        region: eu', //           9
  'models:', //                      10
  '  - { name: kimi, model: moonshot/kimi-k2.6 }', // 11
].join('\n');

describe('locateYamlNode', () => {
  it('points at the key of a map entry', () => {
    expect(locate(yaml, ['server', 'port'])).toEqual({ line: 2, col: 3 });
    expect(locate(yaml, ['providers', 'moonshot', 'credentials', 1, 'region'])).toEqual({ line: 9, col: 9 });
  });
  it('points at a list item', () => {
    expect(locate(yaml, ['providers', 'moonshot', 'credentials', 1])).toEqual({ line: 8, col: 9 });
  });
  it('works inside flow collections', () => {
    expect(locate(yaml, ['models', 0, 'model'])).toEqual({ line: 11, col: 19 });
  });
  it('falls back to the deepest existing part for a missing key', () => {
    expect(locate(yaml, ['providers', 'moonshot', 'credentials', 0, 'api_key'])).toEqual({ line: 6, col: 9 });
    expect(locate(yaml, ['router', 'retries'])).toEqual({ line: 1, col: 1 });
    expect(locate(yaml, ['models', 7, 'name'])).toEqual({ line: 10, col: 1 });
  });
  it('follows aliases', () => {
    const text = 'base: &b\n  region: cn\nproviders:\n  moonshot:\n    credentials:\n      - *b\n';
    expect(locate(text, ['providers', 'moonshot', 'credentials', 0, 'region'])).toEqual({ line: 2, col: 3 });
  });
  it('matches numeric keys by their text', () => {
    expect(locate('pricing:\n  123: { input: 1 }\n', ['pricing', '123', 'input'])).toEqual({ line: 2, col: 10 });
  });
  it('gives undefined for an empty document', () => {
    expect(locate('', ['server'])).toBeUndefined();
  });
});
