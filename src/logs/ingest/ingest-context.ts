import type { BodyPolicy } from '../bodies/prepare-body.js';
import type { PriceBook } from '../../pricing/price-book.js';
import type { VirtualKey } from '../../keys/virtual-key.js';

/** What turning an ingested body into a record needs. */
export interface IngestContext {
  prices: PriceBook;
  bodies: BodyPolicy;
  /** Configured provider names, to read `provider/model` in a model name. */
  providerNames: ReadonlySet<string>;
  /** The gateway key that sent the logs; it owns them (null for the master key and open mode). */
  keyId: string | null;
  /**
   * That key's scope: the models it may use and its customer, which bound the records it may send
   * (key-policy.ts). Undefined for the master key and open mode.
   */
  key?: Pick<VirtualKey, 'models' | 'customer_identifier'>;
  now: number;
  newId: () => string;
}
