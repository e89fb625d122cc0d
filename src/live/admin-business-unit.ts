/**
 * What the tenant's business unit (`GET /business-unit`) tells a cxone-admin client, asked once
 * per client: the zone schedule times are read in (unless cxone.scheduleTimezone names one),
 * and the recipient zones a skill's boundings may name.
 */
import { DialwindowError } from "../util/errors.js";
import type { AdminSession } from "./admin-session.js";
import { ProtocolError } from "./errors.js";
import { getJson } from "./get-json.js";
import { redactUrl } from "./http.js";
import type { PortTarget } from "./port.js";
import { ianaZoneOf } from "./windows-zones.js";

export type CurfewZones = NonNullable<PortTarget["curfewZones"]>;

export interface BusinessUnit {
  /** The zone schedule times are read in: cxone.scheduleTimezone, else the business unit's. */
  scheduleZone(): Promise<string>;
  /** The business unit's recipient zones (Windows ids): what boundings may name. */
  curfewZones(): Promise<CurfewZones>;
}

/** What `GET /business-unit` says that dialwindow uses. */
interface BusinessUnitFacts {
  url: string;
  defaultTimeZone: unknown;
  /** The recipient zones (Windows ids); undefined when the answer has no list. */
  zones: string[] | undefined;
  /** `"name" (id)`, for messages. */
  label: string;
}

export function businessUnitOf(session: AdminSession, scheduleTimezone: string | undefined): BusinessUnit {
  const { logger, api } = session;

  let unit: Promise<BusinessUnitFacts> | undefined;
  /** `GET /business-unit`, once per client (a failure is asked again next time). */
  function businessUnit(): Promise<BusinessUnitFacts> {
    unit ??= (async () => {
      const { apiBase } = await api();
      const url = `${apiBase}/business-unit`;
      const body = (await getJson(session, "discovery", url)).body as {
        businessUnits?: Record<string, unknown>[];
      };
      const first = Array.isArray(body?.businessUnits) ? body.businessUnits[0] : undefined;
      const zones = Array.isArray(first?.timeZones)
        ? first.timeZones.flatMap((z: unknown) =>
            z !== null &&
            typeof z === "object" &&
            typeof (z as { standardName?: unknown }).standardName === "string"
              ? [(z as { standardName: string }).standardName]
              : [],
          )
        : undefined;
      const id = first?.businessUnitId;
      const name = typeof first?.businessUnitName === "string" ? first.businessUnitName : undefined;
      return {
        url,
        defaultTimeZone: first?.defaultTimeZone,
        zones,
        label: [
          name === undefined ? undefined : JSON.stringify(name),
          typeof id === "number" || typeof id === "string" ? `(${id})` : undefined,
        ]
          .filter((x) => x !== undefined)
          .join(" "),
      };
    })().catch((err: unknown) => {
      unit = undefined;
      throw err;
    });
    return unit;
  }

  let zone: Promise<string> | undefined;
  /** The zone schedule times are read in: cxone.scheduleTimezone, else the business unit's. */
  function scheduleZone(): Promise<string> {
    if (scheduleTimezone !== undefined) return Promise.resolve(scheduleTimezone);
    zone ??= (async () => {
      const { url, defaultTimeZone: windowsId } = await businessUnit();
      if (typeof windowsId !== "string" || windowsId.trim() === "") {
        throw new ProtocolError(
          `GET ${redactUrl(url)} has no businessUnits[0].defaultTimeZone; set cxone.scheduleTimezone in dialwindow.yaml`,
        );
      }
      const iana = ianaZoneOf(windowsId);
      if (iana === undefined) {
        throw new DialwindowError(
          "DW_UNKNOWN_ZONE",
          `the business unit's time zone ${JSON.stringify(windowsId)} is no Windows or IANA zone dialwindow knows; set cxone.scheduleTimezone in dialwindow.yaml to the IANA zone CXone reads schedules in`,
        );
      }
      logger.info(
        { windowsZone: windowsId, scheduleZone: iana },
        "cxone-admin schedule zone: the business unit's",
      );
      return iana;
    })().catch((err: unknown) => {
      zone = undefined;
      throw err;
    });
    return zone;
  }

  /** The business unit's recipient zones (Windows ids): what boundings may name. */
  async function curfewZones(): Promise<CurfewZones> {
    const bu = await businessUnit();
    if (bu.zones === undefined) {
      throw new ProtocolError(
        `GET ${redactUrl(bu.url)} has no businessUnits[0].timeZones, so the recipient zones a skill may call are unknown`,
      );
    }
    return { businessUnit: bu.label || "of this tenant", zones: bu.zones };
  }

  return { scheduleZone, curfewZones };
}
