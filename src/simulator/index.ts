/**
 * The local CXone simulator, one entry point per API profile: `startSimulator` serves the
 * `tutorial` profile, `startAdminSimulator` the `cxone-admin` one (the real Admin API's shapes;
 * see admin/simulator.ts for the Swagger operations it serves and where it is stricter).
 */
export type {
  AdminFault,
  AdminFaultRule,
  AdminFaultSpec,
  AdminLoggedKind,
  AdminRequestKind,
} from "./admin/faults.js";
export {
  loadSkillsFile,
  type RunAdminSimulatorIo,
  type RunAdminSimulatorOptions,
  runAdminSimulator,
} from "./admin/run.js";
export {
  ADMIN_WEEKDAYS,
  type AdminWeekday,
  type BulkScheduleSettings,
  SCHEDULE_SETTINGS_FIELDS,
  type ScheduleSettings,
} from "./admin/schedule-settings.js";
export {
  type AdminSimulatorSettings,
  type BulkEndpointMode,
  type BusinessUnit,
  type BusinessUnitTimeZone,
  DEFAULT_ADMIN_SETTINGS,
  DEFAULT_BUSINESS_UNIT,
  type TunableAdminSettings,
} from "./admin/settings.js";
export {
  DEFAULT_API_VERSION,
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_TENANT_ID,
  startAdminSimulator,
} from "./admin/simulator.js";
export type {
  AdminRequestCounts,
  AdminRequestLogEntry,
  AdminSimulator,
  AdminSimulatorOptions,
} from "./admin/simulator-contract.js";
export {
  PERSONAL_CONNECTION,
  PHONE_MEDIA_TYPE_ID,
  type SkillSeed,
  type SkillSnapshot,
  type TimeZoneBinding,
  type TimeZoneBindingInput,
} from "./admin/skill-store.js";
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
