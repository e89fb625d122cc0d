/**
 * The simulator's campaigns, held for paging at scale: ids are kept sorted so a list page is
 * a slice (O(page)), not a sort of the whole store per request. Every write gets a new ETag.
 * Schedules are stored exactly as given, never normalised, so ordering noise reaches clients.
 */
import { randomBytes } from "node:crypto";
import type { WireSchedule } from "../desired/wire.js";
import { DialwindowError } from "../util/errors.js";

/** A campaign as tests and seed files provide it. */
export interface CampaignSeed {
  /** The CXone id; a string (real ids exceed 2^53). */
  id: string;
  name: string;
  /** Default "ACTIVE". */
  status?: string | undefined;
  schedule: WireSchedule;
}

/** A campaign as the simulator holds it, with the ETag a GET would send now. */
export interface CampaignSnapshot {
  id: string;
  name: string;
  status: string;
  schedule: WireSchedule;
  etag: string;
}

export const DEFAULT_STATUS = "ACTIVE";

export class CampaignStore {
  readonly #byId = new Map<string, CampaignSnapshot>();
  #sortedIds: string[] = [];
  // A fresh prefix per process keeps ETags unique across restarts from a state file, since
  // the counter starts again at zero.
  readonly #etagPrefix = randomBytes(4).toString("hex");
  #etagCounter = 0;
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Adds or replaces campaigns (each gets a new ETag unless `etag` is given, as on load). */
  upsert(campaigns: ReadonlyArray<CampaignSeed & { etag?: string | undefined }>): void {
    let added = false;
    for (const seed of campaigns) {
      if (!this.#byId.has(seed.id)) {
        this.#sortedIds.push(seed.id);
        added = true;
      }
      this.#byId.set(seed.id, {
        id: seed.id,
        name: seed.name,
        status: seed.status ?? DEFAULT_STATUS,
        schedule: structuredClone(seed.schedule),
        etag: seed.etag ?? this.#nextEtag(),
      });
    }
    // One sort per batch: seeding 50,000 campaigns one binary insertion at a time is quadratic.
    if (added) this.#sortedIds.sort(compareIds);
    this.#onChange();
  }

  replace(campaigns: ReadonlyArray<CampaignSeed & { etag?: string | undefined }>): void {
    this.#byId.clear();
    this.#sortedIds = [];
    this.upsert(campaigns);
  }

  remove(id: string): boolean {
    if (!this.#byId.delete(id)) return false;
    this.#sortedIds.splice(this.#indexOf(id), 1);
    this.#onChange();
    return true;
  }

  /** The live record: callers must not modify it (use `snapshot` to hand it out). */
  get(id: string): Readonly<CampaignSnapshot> | undefined {
    return this.#byId.get(id);
  }

  snapshot(id: string): CampaignSnapshot | undefined {
    const campaign = this.#byId.get(id);
    return campaign === undefined ? undefined : { ...campaign, schedule: structuredClone(campaign.schedule) };
  }

  /** Stores a schedule (taken over as is, not copied) and returns the campaign with its new ETag. */
  write(id: string, schedule: WireSchedule): Readonly<CampaignSnapshot> {
    const campaign = this.#require(id);
    campaign.schedule = schedule;
    campaign.etag = this.#nextEtag();
    this.#onChange();
    return campaign;
  }

  /** A new ETag with the schedule unchanged: what another writer's no-op save looks like. */
  touch(id: string): Readonly<CampaignSnapshot> {
    const campaign = this.#require(id);
    campaign.etag = this.#nextEtag();
    this.#onChange();
    return campaign;
  }

  /** Campaigns `offset .. offset+limit` in id order. */
  slice(offset: number, limit: number): ReadonlyArray<Readonly<CampaignSnapshot>> {
    return this.#sortedIds.slice(offset, offset + limit).map((id) => this.#byId.get(id) as CampaignSnapshot);
  }

  /** Every campaign in id order, not copied: for serialising the state file. */
  all(): ReadonlyArray<Readonly<CampaignSnapshot>> {
    return this.slice(0, this.#sortedIds.length);
  }

  #require(id: string): CampaignSnapshot {
    const campaign = this.#byId.get(id);
    if (campaign === undefined) {
      throw new DialwindowError("DW_SIMULATOR_UNKNOWN_CAMPAIGN", `the simulator has no campaign ${id}`);
    }
    return campaign;
  }

  #indexOf(id: string): number {
    let low = 0;
    let high = this.#sortedIds.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareIds(this.#sortedIds[mid] as string, id) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #nextEtag(): string {
    this.#etagCounter++;
    return `"${this.#etagPrefix}-${this.#etagCounter.toString(36)}"`;
  }
}

/** Plain code-unit order: stable and cheap; ids are opaque strings, not numbers. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
