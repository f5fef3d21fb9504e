import { describe, expect, it } from 'vitest';
import { mentionsStore } from './store-error.js';

describe('mentionsStore', () => {
  it('tells a message that names the store (by URL or path) from one that does not', () => {
    expect(mentionsStore('file is not a database', 'sqlite:/data/m.db')).toBe(false);
    expect(mentionsStore('there is no log store at /data/m.db (from --store sqlite:/data/m.db)', 'sqlite:/data/m.db')).toBe(true);
    expect(mentionsStore("EISDIR: illegal operation on a directory, open '/data'", 'sqlite:/data')).toBe(true);
    expect(mentionsStore('--store must be "sqlite:PATH" (got "postgres://x")', 'postgres://x')).toBe(true);
  });
});
