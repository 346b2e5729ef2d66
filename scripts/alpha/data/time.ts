/**
 * Timestamp parsing for the market CSVs. Every source writes time differently (see
 * data/market/README.md): explicit offsets (`+00:00`, `+02:00`/`+03:00` with DST), naive UTC, and naive
 * local time at a fixed UTC+3. Nothing here relies on `Date.parse` leniency: the text is matched
 * strictly and the zone must be stated by the caller when the text carries none.
 */

/** How to read a timestamp whose text has no offset. `explicit` refuses naive text. */
export type NaiveZone = { kind: "utc" } | { kind: "fixedOffset"; offsetHours: number } | { kind: "explicit" };

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a timestamp into unix milliseconds (UTC), keeping sub-second jitter. */
export function parseTimestampMs(text: string, naiveZone: NaiveZone): number {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) throw new Error(`unparseable timestamp "${text}"`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fracMs = frac === undefined ? 0 : Math.round(Number(frac) * 1000);
  const wallMs =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? "0"), Number(mi ?? "0"), Number(s ?? "0")) + fracMs;
  let offsetMinutes: number;
  if (zone !== undefined) {
    if (zone === "Z") offsetMinutes = 0;
    else {
      const sign = zone.startsWith("-") ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    }
  } else if (naiveZone.kind === "utc") offsetMinutes = 0;
  else if (naiveZone.kind === "fixedOffset") offsetMinutes = naiveZone.offsetHours * 60;
  else throw new Error(`timestamp "${text}" has no UTC offset and the source's zone is not known`);
  // Wall time = UTC + offset, so UTC = wall time - offset.
  return wallMs - offsetMinutes * 60_000;
}

/** Unix seconds (UTC), sub-second jitter truncated toward the earlier second. */
export function parseTimestampSec(text: string, naiveZone: NaiveZone): number {
  return Math.floor(parseTimestampMs(text, naiveZone) / 1000);
}

export function isoUtc(unixSec: number): string {
  return new Date(unixSec * 1000).toISOString().replace(".000Z", "Z");
}

export const HOUR = 3600;
export const DAY = 86_400;
