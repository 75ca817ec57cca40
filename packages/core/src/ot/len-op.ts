/**
 * Text operations reduced to what positional transforms need: lengths. A component skips n
 * code points (a number), inserts n code points (`{i: n}`), or deletes n (`{d: n}`); it walks
 * the pre-op document like an ot-text-unicode op does.
 *
 * `transformLen` follows ot-text-unicode's `transform` rule for rule (inserts are never split;
 * on an insert tie "left" goes first; text deleted by both is deleted once), and the property
 * tests hold it to the library as an oracle. It exists because the library recounts the code
 * points of every inserted string on every transform, which made rebasing a change against
 * many concurrent 1 KiB inserts cost (ops x concurrent ops x text length).
 */
export type LenComponent = number | { i: number } | { d: number };
export type LenOp = LenComponent[];

function isIns(c: LenComponent | null): c is { i: number } {
  return typeof c === "object" && c !== null && "i" in c;
}

function isDel(c: LenComponent | null): c is { d: number } {
  return typeof c === "object" && c !== null && "d" in c;
}

/** Appends a component, merging it with the last one when they are of a kind. */
function push(op: LenOp, c: LenComponent): void {
  const last = op[op.length - 1];
  if (typeof c === "number") {
    if (c === 0) return;
    if (typeof last === "number") op[op.length - 1] = last + c;
    else op.push(c);
  } else if (isIns(c)) {
    if (c.i === 0) return;
    if (isIns(last)) op[op.length - 1] = { i: last.i + c.i };
    else op.push({ i: c.i });
  } else {
    if (c.d === 0) return;
    if (isDel(last)) op[op.length - 1] = { d: last.d + c.d };
    else op.push({ d: c.d });
  }
}

/** Reads an op front to back in pieces; past its end it skips forever. Inserts come whole. */
class Reader {
  private idx = 0;
  private offset = 0;

  constructor(private readonly op: LenOp) {}

  peek(): LenComponent | null {
    return this.idx < this.op.length ? this.op[this.idx] : null;
  }

  /** Up to n code points of the next component (n = -1: all that is left of it). */
  take(n: number): LenComponent | null {
    if (this.idx === this.op.length) return n === -1 ? null : n;
    const c = this.op[this.idx];
    if (isIns(c)) {
      this.idx++;
      this.offset = 0;
      return c;
    }
    const size = typeof c === "number" ? c : c.d;
    const rest = size - this.offset;
    const part = n === -1 || rest <= n ? rest : n;
    if (part === rest) {
      this.idx++;
      this.offset = 0;
    } else this.offset += part;
    return typeof c === "number" ? part : { d: part };
  }
}

/** `op` rewritten to apply after `other` (both made on the same document). */
export function transformLen(op: LenOp, other: LenOp, side: "left" | "right"): LenOp {
  const out: LenOp = [];
  const r = new Reader(op);
  for (const c2 of other) {
    if (typeof c2 === "number") {
      for (let n = c2; n > 0; ) {
        const c1 = r.take(n)!;
        push(out, c1);
        if (!isIns(c1)) n -= typeof c1 === "number" ? c1 : c1.d;
      }
    } else if (isIns(c2)) {
      if (side === "left" && isIns(r.peek())) push(out, r.take(-1)!);
      push(out, c2.i);
    } else {
      for (let n = c2.d; n > 0; ) {
        const c1 = r.take(n)!;
        if (isIns(c1)) push(out, c1);
        else n -= typeof c1 === "number" ? c1 : c1.d;
      }
    }
  }
  for (let c = r.take(-1); c !== null; c = r.take(-1)) push(out, c);
  if (typeof out[out.length - 1] === "number") out.pop();
  return out;
}
