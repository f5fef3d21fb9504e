import { appendFile, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { refusedUnapplied } from '../store-unavailable.js';
import type { KeptCharge } from './spend-coalescer.js';
import { PRIVATE_FILE_MODE } from '../private-files.js';

// The charges file: charges to gateway keys the store did not take before a shutdown, kept for the next start.

/** Charges the store did not take before a shutdown, one JSON line each, for the next start. */
export async function keepCharges(file: string, charges: KeptCharge[]): Promise<void> {
  await appendFile(file, charges.map((c) => JSON.stringify(c)).join('\n') + '\n', { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
}

/**
 * Writes the charges earlier runs kept (keepCharges). Each file is first moved aside under this
 * process's name, so that two gateways starting on one store never both write it; one left aside
 * by a start that was killed is taken up again. After each charge the file is rewritten without
 * it, so a start killed midway repeats at most the charge it was writing. A charge the store
 * refuses unapplied (refusedUnapplied: locked, full) goes back to the file for the next start; one whose call failed
 * otherwise (a timeout: it may have been applied) is not sent again, and said so. A damaged line
 * is skipped, and said so. Never fails the start.
 */
export async function replayCharges(file: string, addSpend: (id: string, usd: number, periodStart: number) => Promise<unknown>): Promise<void> {
  const folder = dirname(file);
  const name = basename(file);
  const found = (await readdir(folder).catch(() => [] as string[])).filter((n) => n === name || n.startsWith(`${name}.`)).map((n) => join(folder, n));
  for (const path of found) {
    const taken = `${file}.${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      await rename(path, taken);
    } catch {
      continue; // another gateway took it
    }
    try {
      await replayFile(file, taken, addSpend);
    } catch (err) {
      console.warn(`moongate: could not write the key charges kept in ${taken} (${err instanceof Error ? err.message : String(err)}); they stay there for the next start`);
    }
  }
}

async function replayFile(file: string, taken: string, addSpend: (id: string, usd: number, periodStart: number) => Promise<unknown>): Promise<void> {
  const charges: KeptCharge[] = [];
  for (const line of (await readFile(taken, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    const charge = parseCharge(line);
    if (charge) charges.push(charge);
    else console.warn(`moongate: skipped a damaged line in ${file}: ${line.slice(0, 200)}`);
  }
  let usd = 0;
  for (let i = 0; i < charges.length; i++) {
    const c = charges[i]!;
    try {
      await addSpend(c.id, c.usd, c.periodStart);
      usd += c.usd;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (refusedUnapplied(err)) {
        await keepCharges(file, charges.slice(i));
        console.warn(`moongate: could not write the key charges kept by the last shutdown yet (${message}); they stay in ${file} for the next start`);
        break;
      }
      console.warn(`moongate: a kept charge of $${c.usd} to key ${c.id} may not have been written (${message}); it is not sent again`);
    }
    // What is left, should this start be cut short.
    await writeFile(taken, charges.slice(i + 1).map((rest) => JSON.stringify(rest) + '\n').join(''), { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
  }
  await unlink(taken);
  if (usd > 0) console.warn(`moongate: wrote $${usd} of key charges kept by the last shutdown`);
}

/** A line of the charges file, or undefined when it is damaged (a charge is a positive amount: a negative one would credit the key). */
export function parseCharge(line: string): KeptCharge | undefined {
  try {
    const c = JSON.parse(line) as Record<string, unknown>;
    if (typeof c.id === 'string' && typeof c.usd === 'number' && Number.isFinite(c.usd) && c.usd > 0 && typeof c.periodStart === 'number' && Number.isFinite(c.periodStart)) {
      return { id: c.id, usd: c.usd, periodStart: c.periodStart };
    }
  } catch {
    // damaged: reported by the caller
  }
  return undefined;
}
