/**
 * IANA time-zone arithmetic through Intl.DateTimeFormat only (no tz database of our own, no
 * Node-only APIs). Offsets are memoized per zone and 15-minute UTC bucket: every zone in use
 * today changes its offset only at instants that are whole quarter hours in UTC.
 */

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/;
const BUCKET_MS = 15 * 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const lastOffset = new Map<string, { bucket: number; offset: number }>();

let knownByLowerCase: Map<string, string> | undefined;

function resolvedZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * The properly cased spelling of an IANA zone name ("america/new_york" -> "America/New_York",
 * "asia/kolkata" -> "Asia/Kolkata": the name as the user knows it, not ICU's older canonical
 * alias), or undefined when it is not one. Offset strings such as "+05:30" are refused: quiet
 * hours follow a place's daylight-saving rules, which a fixed offset does not have.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (typeof name !== "string" || name.length > 64 || !ZONE_NAME.test(name)) return undefined;
  const resolved = resolvedZone(name);
  if (resolved === undefined) return undefined;
  if (!knownByLowerCase) {
    knownByLowerCase = new Map();
    const supported = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
    for (const z of supported) knownByLowerCase.set(z.toLowerCase(), z);
  }
  const lower = name.toLowerCase();
  // Typed with capitals: taken as given (Intl accepts it, and ICU's alias would surprise).
  if (name !== lower) return name;
  const known = knownByLowerCase.get(lower) ?? (resolved.toLowerCase() === lower ? resolved : undefined);
  if (known !== undefined) return known;
  const titled = name.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
  return resolvedZone(titled) === resolved ? titled : name;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock time of `t` in `timeZone`, as if it were a UTC instant (ms, whole seconds). */
function wallOf(timeZone: string, t: number): number {
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of formatter(timeZone).formatToParts(t)) {
    switch (p.type) {
      case "year": y = Number(p.value); break;
      case "month": mo = Number(p.value); break;
      case "day": d = Number(p.value); break;
      case "hour": h = Number(p.value) % 24; break;
      case "minute": mi = Number(p.value); break;
      case "second": s = Number(p.value); break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Local time minus UTC at instant `t`, in ms (New York in winter: -5 h). */
export function zoneOffsetMs(timeZone: string, t: number): number {
  const bucket = Math.floor(t / BUCKET_MS);
  const cached = lastOffset.get(timeZone);
  if (cached && cached.bucket === bucket) return cached.offset;
  const probe = bucket * BUCKET_MS;
  const offset = wallOf(timeZone, probe) - probe;
  lastOffset.set(timeZone, { bucket, offset });
  return offset;
}

/** Local wall-clock time of `t` (ms since epoch, as if local time were UTC). */
export function localWallMs(timeZone: string, t: number): number {
  return t + zoneOffsetMs(timeZone, t);
}

/**
 * The earliest instant whose local wall-clock time in `timeZone` is `wall` (given as if it
 * were UTC). A wall time skipped by a spring-forward change maps to the instant of the change
 * (the first local time after the gap); one repeated by a fall-back change maps to its first
 * occurrence.
 */
export function instantOfWall(timeZone: string, wall: number): number {
  const o1 = zoneOffsetMs(timeZone, wall - zoneOffsetMs(timeZone, wall));
  const t1 = wall - o1;
  const o2 = zoneOffsetMs(timeZone, t1);
  if (o2 === o1) {
    // In a repeated hour both occurrences fit; prefer the earlier one.
    const earlier = t1 - 3_600_000;
    return localWallMs(timeZone, earlier) === wall ? earlier : t1;
  }
  const t2 = wall - o2;
  if (zoneOffsetMs(timeZone, t2) === o2) return t2;
  // A gap: the change is the first bucket start after the earlier candidate with a new offset.
  const lo = Math.min(t1, t2), hi = Math.max(t1, t2);
  const loOffset = zoneOffsetMs(timeZone, lo);
  for (let b = Math.ceil(lo / BUCKET_MS) * BUCKET_MS; b <= hi; b += BUCKET_MS) {
    if (zoneOffsetMs(timeZone, b) !== loOffset) return b;
  }
  return hi;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since local midnight of "HH:MM" (00:00..23:59), or undefined when malformed. */
export function minuteOfDay(hhmm: string): number | undefined {
  const m = typeof hhmm === "string" ? HHMM.exec(hhmm) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}
