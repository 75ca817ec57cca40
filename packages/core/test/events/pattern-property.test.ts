import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { matches, validatePattern, type EventPattern } from "../../src/events/index.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20260614);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is null | boolean | number | string => v === null || typeof v !== "object";

/**
 * A pattern made only from the event's own exact values: each scalar field becomes [value], an
 * array of scalars becomes [one of its elements], an object (or an array's object element)
 * becomes a nested pattern. Fields that would give an empty object/array are left out.
 */
function patternFrom(obj: { [k: string]: Json }, pick: number): EventPattern | undefined {
  const out: Record<string, unknown> = {};
  let i = 0;
  for (const [key, value] of Object.entries(obj)) {
    i++;
    if (isScalar(value)) out[key] = [value];
    else if (isObject(value)) {
      const sub = patternFrom(value, pick + i);
      if (sub) out[key] = sub;
    } else {
      const flat = (value as Json[]).flat(Infinity as 1) as Json[];
      const scalars = flat.filter(isScalar);
      const objects = flat.filter(isObject);
      if (scalars.length > 0) out[key] = [scalars[(pick + i) % scalars.length]];
      else if (objects.length > 0) {
        const sub = patternFrom(objects[(pick + i) % objects.length], pick + i);
        if (sub) out[key] = sub;
      }
    }
  }
  return Object.keys(out).length > 0 ? (out as EventPattern) : undefined;
}

const eventArb = fc
  .dictionary(
    fc.string({ maxLength: 6 }).filter((k) => k !== "$or"),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as Json),
    { minKeys: 1, maxKeys: 6 },
  )
  .filter((o) => !JSON.stringify(o).includes('"$or"'));

describe("properties", () => {
  test("an event matches a pattern built from its own exact values", () => {
    let built = 0;
    fc.assert(
      fc.property(eventArb, fc.nat(), (event, pick) => {
        const pattern = patternFrom(event, pick);
        if (!pattern) return;
        built++;
        const v = validatePattern(pattern);
        if (!v.ok) throw new Error(`built pattern is invalid: ${v.errors.join("; ")}`);
        expect(matches(v.pattern, event)).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
    expect(built).toBeGreaterThan(300);
  });

  test("a single exact value matches itself (also inside an event array) and nothing else", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)), (key, value) => {
        const v = validatePattern({ [key]: [value] });
        if (!v.ok) throw new Error(v.errors.join("; "));
        expect(matches(v.pattern, { [key]: value })).toBe(true);
        expect(matches(v.pattern, { [key]: [value, "other"] })).toBe(true);
        expect(matches(v.pattern, { [key]: typeof value === "string" ? `${value}!` : "!" })).toBe(false);
        expect(matches(v.pattern, {})).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("validatePattern never throws, and matches never throws on what it accepts", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }), (pattern, event) => {
        const v = validatePattern(pattern);
        if (v.ok) matches(v.pattern, event);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
