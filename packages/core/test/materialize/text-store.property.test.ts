import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Attrs } from "../../src/ops/types.js";
import { TextStore } from "../../src/materialize/text-store.js";
import { CHARS } from "./log-gen.js";

/**
 * The chunked store against a naive oracle (one array slot per code point with its attrs),
 * with tiny chunk limits so edits constantly cross, split and merge chunks and land on
 * surrogate pairs at chunk edges.
 */
type Cell = { ch: string; attrs: Attrs };

function oracleSpans(cells: Cell[]) {
  const out: { text: string; attrs?: Attrs }[] = [];
  let prevKey: string | null = null;
  for (const c of cells) {
    const keys = Object.keys(c.attrs).sort();
    const key = JSON.stringify(keys.map((k) => [k, c.attrs[k]]));
    if (key === prevKey) out[out.length - 1].text += c.ch;
    else out.push(keys.length ? { text: c.ch, attrs: { ...c.attrs } } : { text: c.ch });
    prevKey = key;
  }
  return out;
}

const arbEdit = fc.oneof(
  fc.record({ k: fc.constant("ins" as const), at: fc.nat(1000), text: fc.array(fc.constantFrom(...CHARS), { minLength: 0, maxLength: 20 }).map((a) => a.join("")) }),
  fc.record({ k: fc.constant("del" as const), at: fc.nat(1000), n: fc.nat(15) }),
  fc.record({ k: fc.constant("fmt" as const), at: fc.nat(1000), n: fc.nat(15), attrs: fc.dictionary(fc.constantFrom("b", "i"), fc.constantFrom<Attrs[string]>(true, null, "x"), { minKeys: 1 }) }),
);

describe("TextStore vs oracle", () => {
  it.each([2, 3, 5, 8, 64])("random edits with maxUnits %i keep text and maximal spans exact", (maxUnits) => {
    fc.assert(
      fc.property(fc.array(arbEdit, { maxLength: 60 }), (edits) => {
        const store = new TextStore([], maxUnits);
        let cells: Cell[] = [];
        for (const e of edits) {
          const pos = e.at % (cells.length + 1);
          if (e.k === "ins") {
            store.insert(pos, e.text);
            cells.splice(pos, 0, ...Array.from(e.text, (ch) => ({ ch, attrs: {} })));
          } else {
            const n = Math.min(e.n, cells.length - pos);
            if (e.k === "del") {
              store.delete(pos, n);
              cells.splice(pos, n);
            } else {
              store.format(pos, n, e.attrs);
              cells = cells.map((c, i) => {
                if (i < pos || i >= pos + n) return c;
                const attrs: Attrs = { ...c.attrs, ...e.attrs };
                for (const k of Object.keys(attrs)) if (attrs[k] === null) delete attrs[k];
                return { ch: c.ch, attrs };
              });
            }
          }
          expect(store.length).toBe(cells.length);
        }
        expect(store.text()).toBe(cells.map((c) => c.ch).join(""));
        expect(store.spans()).toEqual(oracleSpans(cells));
        // fromSpans rebuilds the same content.
        const rebuilt = TextStore.fromSpans(store.spans(), maxUnits);
        expect(rebuilt.spans()).toEqual(store.spans());
      }),
      { seed: 7_771, numRuns: 300 },
    );
  });

  it("clone is independent of the original", () => {
    const a = new TextStore([], 4);
    a.insert(0, "hello world");
    const b = a.clone();
    b.delete(0, 6);
    b.format(0, 5, { bold: true });
    expect(a.text()).toBe("hello world");
    expect(a.spans()).toEqual([{ text: "hello world" }]);
    expect(b.spans()).toEqual([{ text: "world", attrs: { bold: true } }]);
  });

  it("rejects edits that do not fit, leaving the store unchanged", () => {
    const s = new TextStore();
    s.insert(0, "ab😀");
    expect(() => s.insert(4, "x")).toThrow(RangeError);
    expect(() => s.delete(2, 2)).toThrow(RangeError);
    expect(() => s.format(-1, 1, { b: true })).toThrow(RangeError);
    expect(s.text()).toBe("ab😀");
  });
});
