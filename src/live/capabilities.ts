/**
 * What each CXone API profile can hold, as data: validation and planning read it (no network),
 * so a campaign the profile cannot express is a finding with file:line before anything is
 * sent. Deliberately free of imports: the desired-state checks use it without pulling in an
 * adapter.
 */

export const PROFILES = ["tutorial", "cxone-admin"] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface Capabilities {
  profile: ProfileName;
  /** Most dialing windows one weekday can hold; undefined: no limit beyond limits.maxDialingBlocks. */
  windowsPerDay: number | undefined;
  /** Whether spec.pauseConditions can be sent. */
  pauseConditions: boolean;
  /** Whether holidays can be sent as dates (else they are enforced through the weekly schedule). */
  nativeHolidays: boolean;
  /** Whether recipient curfews (per-zone calling hours) can be sent. */
  curfews: boolean;
  /**
   * "per-schedule": each schedule carries its own zone (the campaign's spec.timezone).
   * "tenant": every schedule is read in one zone (cxone.scheduleTimezone, or the business
   * unit's), so windows are translated into it per occurrence.
   */
  zone: "per-schedule" | "tenant";
  /** The metadata key naming the live object in a CampaignSchedule. */
  idKey: "campaignId" | "skillId";
  /** What the live object is called in messages. */
  noun: string;
  /** What the version guard is, in messages ("ETag", "content hash"). */
  versionName: string;
  /** limits.maxDialingBlocks when dialwindow.yaml does not say (the wire's blocks a week). */
  defaultMaxDialingBlocks: number;
}

export const CAPABILITIES: Readonly<Record<ProfileName, Capabilities>> = {
  tutorial: {
    profile: "tutorial",
    windowsPerDay: undefined,
    pauseConditions: true,
    nativeHolidays: false,
    curfews: false,
    zone: "per-schedule",
    idKey: "campaignId",
    noun: "campaign",
    versionName: "ETag",
    defaultMaxDialingBlocks: 5,
  },
  "cxone-admin": {
    profile: "cxone-admin",
    windowsPerDay: 1,
    pauseConditions: false,
    nativeHolidays: false,
    curfews: true,
    zone: "tenant",
    idKey: "skillId",
    noun: "PC skill",
    versionName: "content hash",
    // One window on each of seven weekdays is all a Personal Connection skill holds.
    defaultMaxDialingBlocks: 7,
  },
};

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === "string" && (PROFILES as readonly string[]).includes(value);
}
