export { startSimulator } from './server.js';
export { simulatorBanner, SAMPLE_KEYS } from './banner.js';
export { TIERS } from './rate-limits.js';
export type { TierLimits } from './rate-limits.js';
export type {
  Fault,
  FaultMatch,
  RecordedRequest,
  SimError,
  SimKey,
  SimRegion,
  SimStats,
  SimTier,
  Simulator,
  SimulatorOptions,
} from './types.js';
