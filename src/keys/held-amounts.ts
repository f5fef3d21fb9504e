/**
 * USD held per gateway key by requests in flight: each request's estimate is added as it begins
 * and taken back once when it ends. A key holding nothing has no entry.
 */
export class HeldAmounts {
  private readonly byKey = new Map<string, number>();

  /** The key's total held, 0 when nothing is. */
  get(keyId: string): number {
    return this.byKey.get(keyId) ?? 0;
  }

  has(keyId: string): boolean {
    return this.byKey.has(keyId);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** Adds `usd` to the key's total; the release takes it back, true the first time and false (doing nothing) after. */
  add(keyId: string, usd: number): () => boolean {
    this.byKey.set(keyId, this.get(keyId) + usd);
    let released = false;
    return () => {
      if (released) return false;
      released = true;
      const left = this.get(keyId) - usd;
      // Sums of floats: a remainder this small is what is left of nothing.
      if (left > 1e-12) this.byKey.set(keyId, left);
      else this.byKey.delete(keyId);
      return true;
    };
  }
}
