/**
 * Records what a provider changed in a request, as short `field=what` notes.
 * They reach the client in `x-moongate-adjusted` so nothing is changed silently.
 */
export class Adjustments {
  private readonly notes: string[] = [];

  add(field: string, what: string): void {
    this.notes.push(`${field}=${what}`);
  }

  list(): string[] {
    return this.notes;
  }
}
