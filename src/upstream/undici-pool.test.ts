import { describe, expect, it } from 'vitest';
import { Pool } from './undici-pool.js';

describe('undici-pool', () => {
  it('is the Pool undici exports', async () => {
    const undici = await import('undici');
    expect(Pool).toBe(undici.Pool);
    const pool = new Pool('http://127.0.0.1:9');
    expect(typeof pool.dispatch).toBe('function');
    await pool.close();
  });
});
