/** The simulator's control API (/_sim/*), as the benchmark uses it. */
import { httpRequest } from './processes.js';

/** Clears the simulator's request records (they grow by the thousand) before each measurement. */
export async function resetSim(simUrl: string): Promise<void> {
  const res = await httpRequest('POST', `${simUrl}/_sim/reset`);
  if (res.status !== 200) throw new Error(`simulator reset answered ${res.status}`);
}

export async function simStats(simUrl: string): Promise<{ inFlight: number; maxInFlight: number } | undefined> {
  const res = await httpRequest('GET', `${simUrl}/_sim/stats`);
  try {
    return JSON.parse(res.body) as { inFlight: number; maxInFlight: number };
  } catch {
    return undefined;
  }
}
