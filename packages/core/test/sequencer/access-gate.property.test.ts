import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AccessPolicy } from "../../src/access/access-policy.js";
import { aclAfter, foldAcl, hasOwner, type DocAcl } from "../../src/access/doc-acl.js";
import type { AclRole, LogEntry } from "../../src/ops/types.js";
import {
  accessRig,
  acl,
  comment,
  everyoneAcl,
  groupAcl,
  insert,
  reaction,
  task,
  type OpBody,
  type Sender,
  uncomment,
} from "./access-harness.js";

const USERS = ["alice", "bob", "olga", "pat"];
const GROUPS = ["eng", "ops"];
const ROLES: AclRole[] = ["owner", "editor", "commenter", "viewer", "none"];
const RANK: Record<AclRole, number> = { none: 0, viewer: 1, commenter: 2, editor: 3, owner: 4 };

type Step = { user: number; groups: number; admin: boolean; ops: Array<{ k: number; a: number; b: number }> };
const arbStep: fc.Arbitrary<Step> = fc.record({
  user: fc.nat(USERS.length - 1),
  groups: fc.nat(3), // bit mask over GROUPS
  admin: fc.boolean(),
  ops: fc.array(fc.record({ k: fc.nat(19), a: fc.nat(50), b: fc.nat(50) }), { minLength: 1, maxLength: 3 }),
});

/**
 * The access rules written out the naive way, straight from the matrix in docs/api.md: the
 * changes in seq order, each op judged by its author's role as of the op before; a change with
 * one refused op is refused whole. Shares nothing with the gate but the ACL shape.
 */
class Model {
  acl: DocAcl | undefined;
  readonly comments = new Map<string, { threadId: string; author: string }>();
  readonly committed: string[] = [];
  readonly rejected = new Map<string, string>();

  constructor(private readonly policy: AccessPolicy) {}

  private role(acl: DocAcl | undefined, s: Sender): AclRole {
    if (!acl) return "none";
    let r: AclRole = acl.everyone;
    const up = (x: AclRole | undefined) => {
      if (x && RANK[x] > RANK[r]) r = x;
    };
    up(acl.users[s.userId]);
    for (const g of s.groups ?? []) up(acl.groups[g]);
    return s.admin ? "owner" : r;
  }

  apply(s: Sender, ops: Array<OpBody & { id: string }>): void {
    let acl: DocAcl | undefined = this.acl;
    const ids: string[] = [];
    if (!acl) {
      acl = { users: { [s.userId]: "owner" }, groups: {}, everyone: this.policy.newDocumentEveryone };
      ids.push("~owner");
      if (this.policy.newDocumentEveryone !== "none") ids.push("~everyone");
    }
    const made = new Map<string, { threadId: string; author: string }>();
    const refuse = (reason: string) => ops.forEach((o) => this.rejected.set(o.id, reason));
    for (const op of ops) {
      const role = this.role(acl, s);
      const at = (r: AclRole) => RANK[role] >= RANK[r];
      let ok: boolean;
      switch (op.type) {
        case "insert":
        case "task":
          ok = at("editor");
          break;
        case "comment":
        case "reaction":
          ok = at("commenter");
          break;
        case "uncomment": {
          const c = made.get(op.commentId as string) ?? this.comments.get(op.commentId as string);
          const own = !c || c.threadId !== op.threadId || c.author === s.userId;
          ok = own ? at("commenter") : at("owner");
          break;
        }
        default: {
          const target = op.everyone ? acl.everyone : op.groupId ? acl.groups[op.groupId as string] : acl.users[op.userId as string];
          ok =
            role === "owner" ||
            (role === "editor" && this.policy.editorsCanShare && RANK[op.role as AclRole] <= RANK.editor && target !== "owner");
        }
      }
      if (!ok) return refuse("forbidden");
      if (op.type === "comment") made.set(op.id, { threadId: op.threadId as string, author: s.userId });
      if (op.type === "acl") {
        const next: DocAcl = { users: { ...acl.users }, groups: { ...acl.groups }, everyone: acl.everyone };
        const role = op.role as AclRole;
        if (op.everyone) next.everyone = role;
        else {
          const map = op.groupId ? next.groups : next.users;
          const key = (op.groupId ?? op.userId) as string;
          if (role === "none") delete map[key];
          else map[key] = role as Exclude<AclRole, "none">;
        }
        const owners = (a: DocAcl) => a.everyone === "owner" || [...Object.values(a.users), ...Object.values(a.groups)].includes("owner");
        if (owners(acl) && !owners(next)) return refuse("last_owner");
        acl = next;
      }
    }
    this.acl = acl;
    for (const [id, c] of made) this.comments.set(id, c);
    this.committed.push(...ids, ...ops.map((o) => o.id));
  }
}

function body(k: number, a: number, b: number, made: string[]): OpBody {
  if (k <= 2) return comment(`t${a % 2}`);
  if (k <= 4) return uncomment(made.length > 0 && a % 7 !== 0 ? made[a % made.length] : "nope", `t${b % 2}`);
  if (k === 5) return reaction(made.length > 0 ? made[a % made.length] : "nope", `t${b % 2}`);
  if (k <= 8) return acl(USERS[a % USERS.length], ROLES[b % ROLES.length]);
  if (k <= 10) return groupAcl(GROUPS[a % GROUPS.length], ROLES[b % ROLES.length]);
  if (k === 11) return everyoneAcl(ROLES[b % ROLES.length]);
  if (k === 12) return task();
  return insert();
}

describe("the sequencer's access gate vs a naive model of the matrix", () => {
  it.each([
    { states: true, crashRate: 0, policy: { newDocumentEveryone: "none", editorsCanShare: false } },
    { states: false, crashRate: 0, policy: { newDocumentEveryone: "viewer", editorsCanShare: true } },
    { states: false, crashRate: 0.05, policy: { newDocumentEveryone: "commenter", editorsCanShare: true } },
  ] as const)("random changes by random users in random runs (%o)", async ({ states, crashRate, policy }) => {
    let rejected = 0;
    let committed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbStep, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 1 }),
        fc.nat(1_000_000),
        async (steps, runSizes, catchUps, seed) => {
          const r = accessRig({ states, maxBatchEntries: 4, crashRate, seed, policy });
          const model = new Model(policy);
          const made: string[] = [];
          const seqOf = new Map<string, number>();
          let s = 0;
          for (let run = 0; s < steps.length; run++) {
            const batch = steps.slice(s, s + runSizes[run % runSizes.length]);
            s += batch.length;
            const changes = [];
            for (const step of batch) {
              // Admins are rare; groups come from the token.
              const sender: Sender = { userId: USERS[step.user], groups: GROUPS.filter((_, i) => step.groups & (1 << i)), admin: step.admin && step.user === 3 };
              const bodies = step.ops.map(({ k, a, b }) => body(k, a, b, made));
              const change = await r.change(sender, bodies);
              const first = (seqOf.get(sender.userId) ?? 0) + 1;
              seqOf.set(sender.userId, first + bodies.length - 1);
              const withIds = bodies.map((b, k) => ({ ...b, id: `${sender.userId}-${first + k}` }));
              withIds.forEach((o) => o.type === "comment" && made.push(o.id));
              model.apply(sender, withIds);
              changes.push(change);
            }
            await r.run(...changes);
            if (states && catchUps[run % catchUps.length]) await r.catchUp();
          }
          const entries = await r.entries();
          expect(entries.map((e) => e.id)).toEqual(model.committed);
          for (const [id, reason] of model.rejected) expect((await r.store.getRejection(r.doc, id))?.reason).toBe(reason);
          expect(foldAcl(undefined, entries)).toEqual(model.acl);
          // Invariants, checked on the log itself: once created a document always has an owner,
          // and the stored ACL is the log's.
          let acl: DocAcl | undefined;
          for (const e of entries) {
            acl = aclAfter(acl, e);
            expect(hasOwner(acl) || !hasOwnerEver(entries, e.seq)).toBe(true);
          }
          const stored = await r.store.access(r.doc);
          if (entries.length > 0) expect(stored.acl).toEqual(foldAcl(undefined, entries.filter((e) => e.seq <= stored.checkpoint)));
          rejected += model.rejected.size;
          committed += model.committed.length;
        },
      ),
      { seed: crashRate ? 77 : states ? 2_026 : 1_999, numRuns: 100 },
    );
    // Not vacuous: both outcomes happen often.
    expect(rejected).toBeGreaterThan(100);
    expect(committed).toBeGreaterThan(100);
  });
});

/** Whether any entry up to `seq` made someone owner (a document starts with one, so: always after creation). */
function hasOwnerEver(entries: readonly LogEntry[], seq: number): boolean {
  return entries.some((e) => e.seq <= seq && e.type === "acl" && e.role === "owner");
}
