export type { CampaignSeed, CampaignSnapshot } from "./campaign-store.js";
export type { Fault, FaultRule, FaultSpec, RequestKind } from "./faults.js";
export type { LoggedKind, RequestCounts, RequestLogEntry } from "./request-log.js";
export { loadCampaignsFile, type RunSimulatorIo, type RunSimulatorOptions, runSimulator } from "./run.js";
export {
  type ScheduleLimits,
  type ValidationResult,
  validatePatchBody,
  validateSchedule,
} from "./schedule-validation.js";
export {
  DEFAULT_SETTINGS,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  type TunableSettings,
} from "./simulator.js";
export { READ_SCOPE, WRITE_SCOPE } from "./tokens.js";
export type { SimulatorSettings } from "./tutorial-api.js";
