/** More than any config names: only answers from configured deployments are remembered, but not trusted blindly. */
const MAX_REMEMBERED = 1_000;

/**
 * Which deployments serve a request that names no tier on OpenAI's priority tier. A request that
 * leaves `service_tier` unset (or `auto`) is served on its OpenAI project's default, which is
 * standard unless the project was set to priority, and then it is billed at the priority price
 * (up to twice the standard one). The answer says which tier served it, so what each
 * provider/model answered last to such a request is remembered, and a budgeted key's next such
 * request holds the priority price where that answer came back priority.
 */
export class DefaultTiers {
  /** `provider/model` whose last answer to a request naming no tier came back on the priority tier. */
  private readonly onPriority = new Set<string>();

  /** After an answer: `asked` the request's `service_tier`, `answered` the answer's. */
  observe(provider: string, model: string, asked: unknown, answered: string | undefined): void {
    if (answered === undefined || (asked !== undefined && asked !== 'auto')) return;
    const key = `${provider}/${model}`;
    if (answered !== 'priority') this.onPriority.delete(key);
    else if (this.onPriority.size < MAX_REMEMBERED) this.onPriority.add(key);
  }

  /** Whether a request naming no tier is likely served (and billed) on the priority tier there. */
  servesPriority(provider: string, model: string): boolean {
    return this.onPriority.size > 0 && this.onPriority.has(`${provider}/${model}`);
  }
}
