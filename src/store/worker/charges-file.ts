import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { KeptCharge } from './spend-coalescer.js';
import { PRIVATE_FILE_MODE } from '../private-files.js';

/**
 * Applies a kept file's charges once: false when the batch was applied already (see
 * KeyStore.addSpendOnce). Fails without applying anything when the store refuses.
 */
export type ApplyBatch = (batch: string, charges: KeptCharge[]) => Promise<boolean>;

/**
 * Charges the store did not take before a shutdown, for the next start: one new file per call,
 * `<file>.<batch>`, written under a hidden name and renamed into place whole. Nobody ever appends
 * to a file another process may be reading: a shutdown appending to the one shared file while
 * another gateway's start had just moved it aside and read it put its charges in a file that
 * start then deleted.
 */
export async function keepCharges(file: string, charges: KeptCharge[]): Promise<void> {
  const batch = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
  const writing = join(dirname(file), `.${basename(file)}-${batch}.tmp`);
  await writeFile(writing, charges.map((c) => JSON.stringify(c) + '\n').join(''), { encoding: 'utf8', mode: PRIVATE_FILE_MODE, flag: 'wx' });
  await rename(writing, `${file}.${batch}`);
}

/**
 * Writes the charges earlier runs kept (keepCharges), each file in one store transaction that
 * records the file's batch name (KeyStore.addSpendOnce), then deletes it. Two gateways starting
 * on one store may both read a file: the store applies it once. (Each start used to move a file
 * aside under its own name and write its charges one by one; a second start took that file for
 * one left by a killed start, and charged everything in it again.) A file the store refuses, or
 * does not answer for, stays for the next start, which cannot apply it twice either.
 *
 * `<file>` itself, the one file earlier versions appended to, is first moved to a batch name of
 * its own; files those versions moved aside (`<file>.<pid>-…`) are batches by their names. A
 * damaged line is skipped, and said so. Never fails the start.
 */
export async function replayCharges(file: string, applyBatch: ApplyBatch): Promise<void> {
  const folder = dirname(file);
  const name = basename(file);
  let names = await readdir(folder).catch(() => [] as string[]);
  if (names.includes(name)) {
    const batch = `legacy-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
    // Another start may have moved it first: then it is that start's batch.
    if (await rename(file, `${file}.${batch}`).then(() => true, () => false)) names = [...names, `${name}.${batch}`];
  }
  for (const found of names.filter((n) => n.startsWith(`${name}.`))) {
    const path = join(folder, found);
    try {
      await replayFile(path, found.slice(name.length + 1), applyBatch);
    } catch (err) {
      console.warn(`moongate: could not write the key charges kept in ${path} (${err instanceof Error ? err.message : String(err)}); they stay there for the next start`);
    }
  }
}

async function replayFile(path: string, batch: string, applyBatch: ApplyBatch): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return; // another start wrote it and deleted it
    throw err;
  }
  const charges: KeptCharge[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const charge = parseCharge(line);
    if (charge) charges.push(charge);
    else console.warn(`moongate: skipped a damaged line in ${path}: ${line.slice(0, 200)}`);
  }
  const applied = charges.length > 0 && (await applyBatch(batch, charges));
  await unlink(path).catch((err: { code?: unknown }) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const usd = charges.reduce((sum, c) => sum + c.usd, 0);
  if (applied) console.warn(`moongate: wrote $${usd} of key charges kept by an earlier shutdown`);
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
