import { afterEach, describe, expect, it } from "vitest";
import { freshDoc } from "../../../test/e2e/http.js";
import type { ClientOptions, WeftClient } from "../src/index.js";
import { stackClient } from "./stack-client.js";

const open: WeftClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** A client of the local stack whose change POSTs are counted (real HTTP all the same). */
function counted(opts: Partial<ClientOptions>) {
  const posts: number[] = [];
  const c = stackClient({
    ...opts,
    fetch: (input, init) => {
      if (init?.method === "POST" && String(input).endsWith("/ops")) posts.push(JSON.parse(String(init.body)).ops.length);
      return fetch(input, init);
    },
  });
  open.push(c);
  return { c, posts };
}

/** Types `text` one character every `gapMs`, as a person would. */
async function type(doc: { insert(pos: number, text: string): string[]; text: string }, text: string, gapMs: number) {
  for (const ch of text) {
    doc.insert(doc.text.length, ch);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

describe("sendIntervalMs (local stack)", () => {
  it("sparse typing goes in a change per interval, not per keystroke; every keystroke is committed in order", async () => {
    const paced = counted({ sendIntervalMs: 500 });
    const doc = paced.c.doc(freshDoc("paced"));
    await doc.ready;
    const started = Date.now();
    await type(doc, "steady typing", 60);
    const typedMs = Date.now() - started;
    await doc.whenSynced();
    expect(doc.state.text).toBe("steady typing");
    // 13 keystrokes at most one change per 500 ms: about one change per 500 ms of typing (two or
    // three at this host's usual ~0.8 s), never one per keystroke. Bounded by the typing's own
    // duration so that a slow spell of the host (longer timers) cannot fail it.
    expect(paced.posts.length).toBeGreaterThanOrEqual(2);
    expect(paced.posts.length).toBeLessThanOrEqual(Math.min(Math.floor(typedMs / 500) + 2, 7));
  });

  it("without it, a change goes as soon as the previous is acknowledged (one per keystroke when typing is slower than a round trip)", async () => {
    const eager = counted({});
    const doc = eager.c.doc(freshDoc("eager"));
    await doc.ready;
    await type(doc, "slow", 1_000); // slower than a round trip even in this host's slow spells
    await doc.whenSynced();
    expect(doc.state.text).toBe("slow");
    expect(eager.posts).toEqual([1, 1, 1, 1]);
  });

  it("the first change after a quiet spell goes at once", async () => {
    const paced = counted({ sendIntervalMs: 3_000 });
    const doc = paced.c.doc(freshDoc("quiet"));
    await doc.ready;
    doc.insert(0, "a");
    await doc.whenSynced();
    await new Promise((r) => setTimeout(r, 3_100));
    const before = Date.now();
    doc.insert(1, "b");
    await doc.whenSynced();
    expect(Date.now() - before).toBeLessThan(3_000); // not held for an interval
    expect(paced.posts).toEqual([1, 1]);
  });
});
