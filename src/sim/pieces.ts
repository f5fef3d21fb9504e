/**
 * Splits text into token-like pieces ("The", " user", " is", "\":") the way Moonshot's deltas look,
 * e.g. `{"location": "San Francisco"}` → `{"`, `location`, `":`, ` "`, `San`, ` Francisco`, `"}`.
 * Joining the pieces gives the text back exactly.
 */
const PIECE = /\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]+|\s+/gu;

export function splitPieces(text: string): string[] {
  return text.match(PIECE) ?? [];
}
