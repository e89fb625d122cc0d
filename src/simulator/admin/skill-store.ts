/**
 * The simulated business unit's skills. Personal Connection (PC) skills, the Admin API's
 * outbound dialing "campaigns", hold schedule-settings and time-zone bindings; every other skill
 * (inbound phone, email, chat, outbound with another strategy) holds neither and is there so that
 * a client which forgets to filter, or writes to a skill it should leave alone, is caught.
 * No versions or ETags: the real API has none.
 */
import { DialwindowError } from "../../util/errors.js";
import { defaultScheduleSettings, type ScheduleSettings } from "./schedule-settings.js";

export const PHONE_MEDIA_TYPE_ID = 4;
export const PERSONAL_CONNECTION = "Personal Connection";

const MEDIA_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "Email",
  3: "Chat",
  4: "Phone Call",
  5: "Voice Mail",
  6: "Work Item",
  8: "Social",
};

/** One recipient time zone a PC skill may call into ("time-zones" parameters). */
export interface TimeZoneBinding {
  /** The Windows zone id, e.g. "Mountain Standard Time"; one of the business unit's. */
  standardName: string;
  timeZoneActiveToCall: boolean;
  /** When true, startTime/endTime replace the skill's schedule for recipients in this zone. */
  overrideTime: boolean;
  startTime: string | null;
  endTime: string | null;
}

/** A binding as a hand edit gives it: only the zone is required (default active, no override). */
export type TimeZoneBindingInput = Pick<TimeZoneBinding, "standardName"> & {
  [K in Exclude<keyof TimeZoneBinding, "standardName">]?: TimeZoneBinding[K] | undefined;
};

/** A skill as tests and `--skills FILE` give it; defaults make a PC skill. */
export interface SkillSeed {
  /** An integer in the API; digits in a string are accepted too. */
  skillId: number | string;
  skillName: string;
  /** Default 4 (phone). */
  mediaTypeId?: number | undefined;
  /** Default true. */
  isOutbound?: boolean | undefined;
  /** Default "Personal Connection"; null for a skill without one (inbound). */
  outboundStrategy?: string | null | undefined;
  /** Default true. */
  isActive?: boolean | undefined;
  campaignId?: number | undefined;
  campaignName?: string | undefined;
  /** PC skills only: merged over the default (not scheduled, every day off, 08:00-21:00). */
  scheduleSettings?: Partial<ScheduleSettings> | undefined;
  /** PC skills only: default, every business-unit zone active to call without an override. */
  timeZoneSettings?: readonly TimeZoneBinding[] | undefined;
}

/** A copy of a skill as the simulator holds it now. */
export interface SkillSnapshot {
  skillId: number;
  skillName: string;
  mediaTypeId: number;
  isOutbound: boolean;
  outboundStrategy: string | null;
  isActive: boolean;
  campaignId: number;
  campaignName: string;
  /** Whether it is a Personal Connection skill (schedule-settings exist only then). */
  personalConnection: boolean;
  /** Undefined for a skill that is not PC. Times as stored (hours and minutes). */
  scheduleSettings: ScheduleSettings | undefined;
  /** Undefined until set for a PC skill (then every zone is active to call); undefined for non-PC. */
  timeZoneSettings: TimeZoneBinding[] | undefined;
}

interface StoredSkill extends Omit<SkillSnapshot, "personalConnection"> {}

export function isPersonalConnection(skill: {
  mediaTypeId: number;
  isOutbound: boolean;
  outboundStrategy: string | null;
}): boolean {
  return (
    skill.mediaTypeId === PHONE_MEDIA_TYPE_ID &&
    skill.isOutbound &&
    skill.outboundStrategy === PERSONAL_CONNECTION
  );
}

export function mediaTypeName(id: number): string {
  return MEDIA_TYPE_NAMES[id] ?? `Media type ${id}`;
}

/** A skill id from a seed or a path segment; undefined unless a positive safe integer. */
export function parseSkillId(value: number | string): number | undefined {
  const n = typeof value === "number" ? value : /^[1-9]\d{0,15}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export class SkillStore {
  readonly #byId = new Map<number, StoredSkill>();
  #sorted: StoredSkill[] | undefined;

  get size(): number {
    return this.#byId.size;
  }

  /** Adds skills, or replaces those with the same id. Throws on a seed the API could not hold. */
  upsert(seeds: readonly SkillSeed[]): void {
    const skills = seeds.map(toStored);
    for (const skill of skills) this.#byId.set(skill.skillId, skill);
    this.#sorted = undefined;
  }

  replace(seeds: readonly SkillSeed[]): void {
    const skills = seeds.map(toStored);
    this.#byId.clear();
    for (const skill of skills) this.#byId.set(skill.skillId, skill);
    this.#sorted = undefined;
  }

  remove(skillId: number): boolean {
    this.#sorted = undefined;
    return this.#byId.delete(skillId);
  }

  /** The live record: callers must not keep or modify it. */
  get(skillId: number): Readonly<StoredSkill> | undefined {
    return this.#byId.get(skillId);
  }

  snapshot(skillId: number): SkillSnapshot | undefined {
    const skill = this.#byId.get(skillId);
    if (skill === undefined) return undefined;
    return {
      ...structuredClone(skill),
      personalConnection: isPersonalConnection(skill),
    };
  }

  /** Every skill in id order, not copied. */
  all(): readonly Readonly<StoredSkill>[] {
    this.#sorted ??= [...this.#byId.values()].sort((a, b) => a.skillId - b.skillId);
    return this.#sorted;
  }

  /** Stores a PC skill's schedule-settings as given (taken over, not copied). */
  writeSchedule(skillId: number, settings: ScheduleSettings): void {
    this.#requirePc(skillId).scheduleSettings = settings;
  }

  writeTimeZones(skillId: number, bindings: TimeZoneBinding[]): void {
    this.#requirePc(skillId).timeZoneSettings = bindings;
  }

  #requirePc(skillId: number): StoredSkill {
    const skill = this.#byId.get(skillId);
    if (skill === undefined) {
      throw new DialwindowError("DW_SIMULATOR_UNKNOWN_SKILL", `the simulator has no skill ${skillId}`);
    }
    if (!isPersonalConnection(skill)) {
      throw new DialwindowError(
        "DW_SIMULATOR_NOT_PC",
        `skill ${skillId} is not a Personal Connection skill; it has no schedule-settings`,
      );
    }
    return skill;
  }
}

function toStored(seed: SkillSeed): StoredSkill {
  const skillId = parseSkillId(seed.skillId);
  if (skillId === undefined) {
    throw new DialwindowError(
      "DW_SIMULATOR_BAD_SKILL",
      `skill id ${JSON.stringify(seed.skillId)} is not a positive integer`,
    );
  }
  const shape = {
    mediaTypeId: seed.mediaTypeId ?? PHONE_MEDIA_TYPE_ID,
    isOutbound: seed.isOutbound ?? true,
    outboundStrategy: seed.outboundStrategy === undefined ? PERSONAL_CONNECTION : seed.outboundStrategy,
  };
  const pc = isPersonalConnection(shape);
  if (!pc && (seed.scheduleSettings !== undefined || seed.timeZoneSettings !== undefined)) {
    throw new DialwindowError(
      "DW_SIMULATOR_BAD_SKILL",
      `skill ${skillId} is not a Personal Connection skill, so it cannot have scheduleSettings or timeZoneSettings`,
    );
  }
  return {
    skillId,
    skillName: seed.skillName,
    ...shape,
    isActive: seed.isActive ?? true,
    campaignId: seed.campaignId ?? 0,
    campaignName: seed.campaignName ?? "",
    scheduleSettings: pc
      ? { ...defaultScheduleSettings(), ...structuredClone(seed.scheduleSettings) }
      : undefined,
    timeZoneSettings:
      pc && seed.timeZoneSettings !== undefined ? structuredClone([...seed.timeZoneSettings]) : undefined,
  };
}
