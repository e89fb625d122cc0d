/**
 * UTC offsets of one IANA zone over a bounded span, as a transition table.
 *
 * The calling-hours policy converts every dialing window into every recipient zone for every
 * day of a year, for every campaign: millions of conversions in a large repository. luxon (via
 * Intl) is the source of truth for zone rules, but asking it millions of times costs minutes.
 * So each zone is asked once per six hours of the span, transitions are located to the minute, and
 * conversions become a binary search in a table of a handful of entries. A property test
 * checks the results against luxon directly.
 */
import { IANAZone } from "luxon";
import { civilFromDays } from "./civil-date.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/**
 * Sampling step for finding offset changes. No zone in the tz database changes its offset
 * twice within six hours, so a change is never missed, and a year costs ~1,500 lookups.
 */
const STEP = 6 * HOUR;

export class ZoneClock {
  readonly zone: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Instants where the offset changes, ascending; offsets[i] holds before starts[i]... */
  private readonly starts: readonly number[];
  /** offsets[0] applies before starts[0]; offsets[i+1] from starts[i] on. Minutes east of UTC. */
  private readonly offsets: readonly number[];
  #inSpan: readonly number[] | undefined;

  constructor(zone: string, fromMs: number, toMs: number) {
    this.zone = zone;
    this.fromMs = fromMs;
    this.toMs = toMs;
    const table = transitionTable(zone, fromMs, toMs);
    this.starts = table.starts;
    this.offsets = table.offsets;
  }

  /** Minutes east of UTC at the instant. Only meaningful within [fromMs, toMs]. */
  offsetAt(ms: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s[mid] as number) <= ms) lo = mid + 1;
      else hi = mid;
    }
    return this.offsets[lo] as number;
  }

  /** Instants of offset changes within the span. */
  transitions(): readonly number[] {
    // The shared tables cover whole UTC years: keep what a table of this span alone would hold
    // (sampled from the hour before `fromMs` to one step past `toMs`).
    const from = Math.floor(this.fromMs / HOUR) * HOUR;
    this.#inSpan ??= this.starts.filter((t) => t > from && t <= this.toMs + STEP);
    return this.#inSpan;
  }

  /**
   * The instant of a local wall time, given as milliseconds since the epoch as if the wall
   * time were UTC. Resolution follows Temporal's "compatible" rule: a time repeated by a
   * backward change means its first occurrence; a time skipped by a forward change is moved
   * forward by the size of the gap (02:30 in a 02:00->03:00 gap becomes 03:30).
   */
  instantOf(localMs: number): number {
    const before = this.offsetAt(localMs - 26 * HOUR);
    const after = this.offsetAt(localMs + 26 * HOUR);
    if (before === after) return localMs - before * MINUTE;
    // Near a change: try both candidate offsets; earliest valid interpretation wins.
    const earlier = localMs - Math.max(before, after) * MINUTE;
    const later = localMs - Math.min(before, after) * MINUTE;
    const e = this.offsetAt(earlier) === Math.max(before, after);
    const l = this.offsetAt(later) === Math.min(before, after);
    const candidates: number[] = [];
    if (e) candidates.push(earlier);
    if (l) candidates.push(later);
    const valid = candidates.filter((c) => c + this.offsetAt(c) * MINUTE === localMs);
    if (valid.length > 0) return Math.min(...valid);
    // In a gap: interpret with the offset before the change, which lands after the gap.
    return localMs - before * MINUTE;
  }

  /** Local wall time (ms since epoch as if UTC) of an instant. */
  localOf(ms: number): number {
    return ms + this.offsetAt(ms) * MINUTE;
  }
}

interface TransitionTable {
  starts: readonly number[];
  offsets: readonly number[];
}

// Tables are a pure function of the zone database, which cannot change while a process runs,
// so they are built per zone and UTC calendar year and shared (like ZONE_ANSWERS below): every
// run in the same years (each plan, each daemon resync, each test, whatever its date) asks Intl
// once per zone and year. A span is served by joining its years' tables. Bounded: cleared when
// full.
const YEAR_TABLES = new Map<string, TransitionTable>();
// Enough for every zone of the tz database over three years (a validation spans two or three).
const MAX_TABLES = 2048;
const DAY = 24 * HOUR;

function yearOf(ms: number): number {
  return civilFromDays(Math.floor(ms / DAY)).y;
}

/** The table of one UTC calendar year (changes up to one step past its end included). */
function yearTable(zone: string, year: number): TransitionTable {
  const key = `${zone}|${year}`;
  let table = YEAR_TABLES.get(key);
  if (!table) {
    if (YEAR_TABLES.size >= MAX_TABLES) YEAR_TABLES.clear();
    table = buildTable(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
    YEAR_TABLES.set(key, table);
  }
  return table;
}

function transitionTable(zone: string, fromMs: number, toMs: number): TransitionTable {
  // transitions() looks one step past toMs.
  const first = yearOf(fromMs);
  const last = yearOf(toMs + STEP);
  if (first === last) return yearTable(zone, first);
  const starts: number[] = [];
  const offsets: number[] = [yearTable(zone, first).offsets[0] as number];
  for (let year = first; year <= last; year++) {
    const table = yearTable(zone, year);
    table.starts.forEach((start, i) => {
      // A change in a year's first step is also in the year before's table.
      if (start <= (starts.at(-1) ?? Number.NEGATIVE_INFINITY)) return;
      starts.push(start);
      offsets.push(table.offsets[i + 1] as number);
    });
  }
  return { starts, offsets };
}

function buildTable(zone: string, fromMs: number, toMs: number): TransitionTable {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) throw new RangeError(`not an IANA time zone: ${zone}`);
  const starts: number[] = [];
  const offsets: number[] = [];
  let prevT = fromMs;
  let prev = tz.offset(prevT);
  offsets.push(prev);
  for (let t = prevT + STEP; t <= toMs + STEP; t += STEP) {
    const o = tz.offset(t);
    if (o !== prev) {
      // The change happened in (prevT, t]: find the first minute with the new offset.
      let lo = prevT;
      let hi = t;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
        if (tz.offset(mid) === prev) lo = mid;
        else hi = mid;
      }
      starts.push(hi);
      offsets.push(o);
      prev = o;
    }
    prevT = t;
  }
  return { starts, offsets };
}

/** One ZoneClock per zone, built on first use; owned by one validation or plan run. */
export class ZoneClocks {
  private readonly clocks = new Map<string, ZoneClock>();

  constructor(
    readonly fromMs: number,
    readonly toMs: number,
  ) {}

  get(zone: string): ZoneClock {
    let clock = this.clocks.get(zone);
    if (!clock) {
      clock = new ZoneClock(zone, this.fromMs, this.toMs);
      this.clocks.set(zone, clock);
    }
    return clock;
  }
}

/**
 * An IANA Area/Location name (or UTC), spelled exactly. ICU also accepts abbreviations and
 * legacy ids such as CST, PST or EST5EDT; those are refused because a reader cannot tell
 * whether they follow daylight saving time (EST does not, America/New_York does). ICU also
 * matches names regardless of case, but the name is sent to CXone as written, so
 * `america/chicago` is refused too (see zoneSpelling). Links such as US/Central stay valid.
 */
export function isValidZone(zone: string): boolean {
  return zoneAnswer(zone).valid;
}

/**
 * For a zone name ICU only accepts because it ignores case: the name to write instead
 * (`america/chicago` -> America/Chicago, `us/central` -> America/Chicago).
 */
export function zoneSpelling(zone: string): string | undefined {
  return zoneAnswer(zone).spelling;
}

interface ZoneAnswer {
  valid: boolean;
  spelling: string | undefined;
}

function zoneAnswer(zone: string): ZoneAnswer {
  let answer = ZONE_ANSWERS.get(zone);
  if (answer === undefined) {
    answer = answerFor(zone);
    ZONE_ANSWERS.set(zone, answer);
  }
  return answer;
}

function answerFor(zone: string): ZoneAnswer {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return { valid: false, spelling: undefined };
  }
  if (resolved === zone) return { valid: zone === "UTC" || zone.includes("/"), spelling: undefined };
  // Every segment of every tz database name starts with a capital (US/Central, Etc/GMT+5,
  // America/Port-au-Prince). A link ICU maps to another name (US/Central, Asia/Kolkata) is
  // valid only when written that way; otherwise the case is wrong and the name it resolves to
  // is the suggestion.
  const caseOnly = resolved.toLowerCase() === zone.toLowerCase();
  const capitalised = zone.split("/").every((part) => /^[A-Z]/.test(part));
  if (caseOnly || !capitalised)
    return { valid: false, spelling: answerFor(resolved).valid ? resolved : undefined };
  return { valid: zone.includes("/"), spelling: undefined };
}

// Intl answers by constructing a DateTimeFormat (milliseconds each: most of validate's time
// on a large repository if asked per campaign). The zone database cannot change while a
// process runs, so this memo of a pure function is safe to share.
const ZONE_ANSWERS = new Map<string, ZoneAnswer>();
