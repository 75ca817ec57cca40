/**
 * ISO-8601 of server ms, as `new Date(t).toISOString()` gives it. Decision details name
 * instants on almost every call; building a Date and formatting it each time was a fair share
 * of the engine's CPU. The date part is formatted by Date once per UTC day (so every year
 * Date supports comes out as Date writes it) and the time of day from a table; the last answer
 * is reused (details often name the same instant).
 */
const DAY_MS = 86_400_000;
/** Date's range is ±8.64e15 ms; outside it (and for fractions, NaN) Date answers or throws itself. */
const MAX_MS = 8.64e15;
const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const PAD3 = Array.from({ length: 1000 }, (_, i) => (i < 10 ? `00${i}` : i < 100 ? `0${i}` : `${i}`));

let lastT = NaN;
let last = "";
let day = NaN;
let dayPrefix = "";

export function iso(t: number): string {
  if (t === lastT) return last;
  if (!Number.isInteger(t) || t > MAX_MS || t < -MAX_MS) return new Date(t).toISOString();
  const d = Math.floor(t / DAY_MS);
  if (d !== day) {
    const date = new Date(d * DAY_MS).toISOString(); // "YYYY-MM-DDT..." or "+YYYYYY-MM-DDT..."
    dayPrefix = date.slice(0, date.indexOf("T") + 1);
    day = d;
  }
  let ms = t - d * DAY_MS;
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000);
  ms -= m * 60_000;
  const s = Math.floor(ms / 1000);
  ms -= s * 1000;
  last = `${dayPrefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[ms]}Z`;
  lastT = t;
  return last;
}
