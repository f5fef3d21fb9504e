import type { Redis } from 'ioredis';

/** What a release publishes (RELEASE_SCRIPT): the releasing replica, a space, the counter key. */
export function freedMessage(replica: string, key: string): string {
  return `${replica} ${key}`;
}

export interface FreedSlotsOptions {
  /** The channel releases publish on (`<prefix>freed:<database>`). */
  channel: string;
  /** This replica's id: its own releases have woken its waiters already. */
  replica: string;
  /** The connection to subscribe on, opened when the first listener comes. */
  open: () => Promise<Redis | undefined>;
  /** Told once if Redis refuses the subscription (an ACL user without the channel). */
  warn: (message: string) => void;
  /** `redis HOST:PORT`, for the warning. */
  name: string;
}

/**
 * The receiving end of the releases' PUBLISH: one subscriber connection per replica, opened when
 * the first listener comes (Admission, with `redis` set), that tells the listeners each time
 * another replica frees room under a counter key on which some replica waits. Without it, a
 * request queued here for a slot freed on another replica would look again only when its retry
 * timer fires (1 s for concurrency). It is only that shortcut: the timer works whatever happens
 * here, so this connection fails quietly (the command link already tells when Redis is out of
 * reach) and reconnects by itself, resubscribing.
 */
export class FreedSlots {
  private readonly listeners: ((key: string) => void)[] = [];
  private client: Redis | undefined;
  private closed = false;

  constructor(private readonly options: FreedSlotsOptions) {}

  listen(listener: (key: string) => void): void {
    this.listeners.push(listener);
    if (this.listeners.length === 1) void this.subscribe();
  }

  /** Disconnects at once (never waits on Redis: shutdown must not hang on it). */
  close(): void {
    this.closed = true;
    this.client?.disconnect(false);
    this.client = undefined;
  }

  private async subscribe(): Promise<void> {
    const client = await this.options.open().catch(() => undefined);
    if (!client) return;
    if (this.closed) {
      client.disconnect(false);
      return;
    }
    this.client = client;
    // Connection errors: the command link tells the operator; this one just reconnects.
    client.on('error', () => {});
    client.on('message', (channel: string, message: string) => this.heard(channel, message));
    client.connect().catch(() => {});
    const { channel } = this.options;
    // Queued until connected, however long that takes; rejected only by Redis (or by close).
    client.subscribe(channel).catch((err: unknown) => {
      if (this.closed) return;
      const why = err instanceof Error ? err.message : String(err);
      this.options.warn(
        `${this.options.name} refused SUBSCRIBE ${channel} (${why}): a request queued on this replica for a credential's limit notices room freed by another replica only when it looks again (within 1 s for concurrency), not at once; allow the channel to the Redis user (ACL: &${channel})`,
      );
    });
  }

  private heard(channel: string, message: string): void {
    if (channel !== this.options.channel) return;
    const space = message.indexOf(' ');
    if (space <= 0 || message.slice(0, space) === this.options.replica) return;
    const key = message.slice(space + 1);
    for (const listener of this.listeners) listener(key);
  }
}
