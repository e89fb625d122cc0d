/**
 * The tutorial profile's names for the canonical schedule (schedule.ts). The tutorial API's
 * JSON is the canonical shape, so its simulator and adapter speak of "wire" schedules; every
 * other module uses schedule.ts.
 */
export {
  type DialingHour as WireDialingHour,
  isPauseCondition,
  isWeekday,
  normalizeSchedule as normalizeWire,
  PAUSE_CONDITIONS,
  type PauseCondition,
  type Schedule as WireSchedule,
  schedulesEqual as wireEquals,
  WEEKDAYS,
  type Weekday,
  weekdayIndex,
} from "./schedule.js";
