/**
 * A strict in-memory CXone port (src/live/port.ts) for unit tests of apply and recovery: each
 * campaign is a schedule at a version, writes expect that version exactly as CXone's If-Match
 * does, and a test scripts the faults it wants (an answer lost after the write landed, a
 * rejection, a failed read) and the hand edits that race a write. Every call is recorded in
 * order, and verify() fails on a scripted fault that never happened.
 */
import assert from "node:assert/strict";
import type { Schedule } from "../../src/desired/schedule.js";
import { CAPABILITIES } from "../../src/live/capabilities.js";
import {
  type CxonePort,
  type LiveCampaign,
  NotFoundError,
  type PortTarget,
  type ReadResult,
  VersionConflictError,
  type WriteResult,
} from "../../src/live/port.js";

export type PortCall =
  | { op: "readCampaigns"; ids: string[] }
  | { op: "readCampaign"; id: string }
  | { op: "writeSchedule"; id: string; expectedVersion: string; schedule: Schedule };

export interface Fault {
  op: "readCampaign" | "readCampaigns" | "writeSchedule";
  /** Only calls for this campaign (any, when absent). */
  id?: string;
  /** Runs first, as if it happened just before CXone handled the call (a hand edit racing it). */
  before?: (port: MemoryPort) => void;
  /** Writes: CXone stores the write, then the answer is lost (`error` is what the caller sees). */
  land?: boolean;
  /** What the call throws; without it the call proceeds normally after `before`. */
  error?: Error;
}

export class MemoryPort implements CxonePort {
  readonly profile = "tutorial" as const;
  readonly capabilities = CAPABILITIES.tutorial;
  readonly calls: PortCall[] = [];
  readonly #campaigns = new Map<string, LiveCampaign>();
  readonly #faults: Fault[] = [];
  #versions = 0;

  constructor(campaigns: Record<string, Schedule> = {}) {
    for (const [id, schedule] of Object.entries(campaigns)) this.set(id, schedule);
  }

  /** The campaign as CXone holds it now. */
  get(id: string): LiveCampaign | undefined {
    const c = this.#campaigns.get(id);
    return c && structuredClone(c);
  }

  /** Stores a schedule at a new version: seeding, or someone editing it in the CXone UI. */
  set(id: string, schedule: Schedule): string {
    const version = `"v${++this.#versions}"`;
    this.#campaigns.set(id, { id, name: `campaign ${id}`, version, schedule: structuredClone(schedule) });
    return version;
  }

  remove(id: string): void {
    this.#campaigns.delete(id);
  }

  /** Scripts one fault for the next matching call. */
  fault(fault: Fault): this {
    this.#faults.push(fault);
    return this;
  }

  /** Every scripted fault was met. */
  verify(): void {
    assert.deepEqual(this.#faults, [], "scripted faults that never happened");
  }

  writes(): Extract<PortCall, { op: "writeSchedule" }>[] {
    return this.calls.filter((c) => c.op === "writeSchedule");
  }

  #take(op: Fault["op"], id: string | undefined): Fault | undefined {
    const i = this.#faults.findIndex((f) => f.op === op && (f.id === undefined || f.id === id));
    if (i < 0) return undefined;
    const [fault] = this.#faults.splice(i, 1);
    fault?.before?.(this);
    return fault;
  }

  async target(): Promise<PortTarget> {
    return {};
  }

  async readCampaigns(ids: readonly string[]): Promise<ReadResult> {
    this.calls.push({ op: "readCampaigns", ids: [...ids] });
    const fault = this.#take("readCampaigns", undefined);
    if (fault?.error) throw fault.error;
    const campaigns = new Map<string, LiveCampaign>();
    for (const id of ids) {
      const c = this.get(id);
      if (c) campaigns.set(id, c);
    }
    return { campaigns, problems: new Map() };
  }

  async readCampaign(id: string): Promise<LiveCampaign | undefined> {
    this.calls.push({ op: "readCampaign", id });
    const fault = this.#take("readCampaign", id);
    if (fault?.error) throw fault.error;
    return this.get(id);
  }

  async writeSchedule(id: string, schedule: Schedule, expectedVersion: string): Promise<WriteResult> {
    this.calls.push({ op: "writeSchedule", id, expectedVersion, schedule: structuredClone(schedule) });
    assert.notEqual(expectedVersion, "", "a write was sent without a version to expect");
    const fault = this.#take("writeSchedule", id);
    if (fault?.error && !fault.land) throw fault.error;
    const live = this.#campaigns.get(id);
    if (!live) throw new NotFoundError(`campaign ${id} does not exist`);
    if (live.version !== expectedVersion)
      throw new VersionConflictError(`campaign ${id} is at ${live.version}, not ${expectedVersion}`);
    const version = this.set(id, schedule);
    if (fault?.error) throw fault.error;
    return { version, schedule: structuredClone(schedule) };
  }

  async close(): Promise<void> {}
}
