import type { BodyPolicy } from '../bodies/prepare-body.js';
import type { PriceBook } from '../../pricing/price-book.js';

/** What turning an ingested body into a record needs. */
export interface IngestContext {
  prices: PriceBook;
  bodies: BodyPolicy;
  /** Configured provider names, to read `provider/model` in a model name. */
  providerNames: ReadonlySet<string>;
  /** The gateway key that sent the logs; it owns them (null for the master key and open mode). */
  keyId: string | null;
  now: number;
  newId: () => string;
}
