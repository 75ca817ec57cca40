import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acl, comment, insert, type OpBody, uncomment, uncommentRig } from "./uncomment-harness.js";

const USERS = ["alice", "bob", "olga", "pat"];
const ROLES = ["owner", "editor", "none"];

type Step = { user: number; ops: Array<{ k: number; a: number; b: number }> };
const arbStep: fc.Arbitrary<Step> = fc.record({
  user: fc.nat(USERS.length - 1),
  ops: fc.array(fc.record({ k: fc.nat(9), a: fc.nat(50), b: fc.nat(50) }), { minLength: 1, maxLength: 3 }),
});

/**
 * The rule, the naive way: changes in order; a change with an uncomment of an existing (or
 * deleted) comment of that thread by neither its author nor a current owner is rejected whole.
 */
class Model {
  readonly comments = new Map<string, { threadId: string; author: string; live: boolean }>();
  readonly roles = new Map<string, string>();
  readonly committed: string[] = [];
  readonly rejected: string[] = [];

  apply(user: string, ops: Array<OpBody & { id: string }>): void {
    const roles = new Map(this.roles);
    const made = new Map<string, { threadId: string; author: string; live: boolean }>();
    const deletes: string[] = [];
    for (const op of ops) {
      if (op.type === "comment") made.set(op.id, { threadId: op.threadId as string, author: user, live: true });
      if (op.type === "acl") {
        if (op.role === "none") roles.delete(op.userId as string);
        else roles.set(op.userId as string, op.role as string);
      }
      if (op.type === "uncomment") {
        const c = made.get(op.commentId as string) ?? this.comments.get(op.commentId as string);
        if (!c || c.threadId !== op.threadId) continue;
        if (c.author !== user && roles.get(user) !== "owner") {
          this.rejected.push(...ops.map((o) => o.id));
          return;
        }
        deletes.push(op.commentId as string);
      }
    }
    for (const [id, c] of made) this.comments.set(id, c);
    for (const id of deletes) this.comments.get(id)!.live = false;
    this.roles.clear();
    for (const [u, r] of roles) this.roles.set(u, r);
    this.committed.push(...ops.map((o) => o.id));
  }

  live(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [id, c] of this.comments) if (c.live) (out[c.threadId] ??= []).push(id);
    return out;
  }
}

describe("sequencer gate vs a naive model", () => {
  it.each([true, false])("random changes in random runs commit and reject exactly as the model says (states: %s)", async (states) => {
    let rejections = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbStep, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 1 }), async (steps, runSizes, catchUps) => {
        const r = uncommentRig({ states, maxBatchEntries: 4 });
        const model = new Model();
        const made: string[] = [];
        const seqOf = new Map<string, number>();
        let s = 0;
        for (let run = 0; s < steps.length; run++) {
          const batch = steps.slice(s, s + runSizes[run % runSizes.length]);
          s += batch.length;
          const changes = [];
          for (const step of batch) {
            const user = USERS[step.user];
            const bodies = step.ops.map(({ k, a, b }): OpBody => {
              if (k <= 2) return comment(`t${a % 2}`);
              if (k <= 6) return uncomment(made.length > 0 && a % 7 !== 0 ? made[a % made.length] : "nope", `t${b % 2}`);
              if (k <= 8) return acl(USERS[a % USERS.length], ROLES[b % ROLES.length]);
              return insert();
            });
            const change = await r.change(user, bodies);
            const first = (seqOf.get(user) ?? 0) + 1;
            seqOf.set(user, first + bodies.length - 1);
            const withIds = bodies.map((b, k) => ({ ...b, id: `${user}-${first + k}` }));
            withIds.forEach((o) => o.type === "comment" && made.push(o.id));
            model.apply(user, withIds);
            changes.push(change);
          }
          await r.run(...changes);
          if (states && catchUps[run % catchUps.length]) await r.catchUp();
        }
        expect((await r.entries()).map((e) => e.id)).toEqual(model.committed);
        expect(r.notices.map((n) => n.opId)).toEqual(model.rejected);
        expect(r.notices.every((n) => n.reason === "forbidden")).toBe(true);
        const threads = (await r.state()).threads;
        expect(Object.fromEntries(Object.entries(threads).map(([k, t]) => [k, t.comments.map((c) => c.id)]))).toEqual(model.live());
        rejections += model.rejected.length;
      }),
      { seed: states ? 2_026 : 1_999, numRuns: 120 },
    );
    expect(rejections).toBeGreaterThan(50);
  });
});
