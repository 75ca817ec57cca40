import { describe, expect, it } from "vitest";
import { MemoryNotifyProfileStore } from "@weft/core/ports/memory/notify-profile-store";
import { GroupsRecorder } from "../../src/notify/groups-recorder.js";

describe("GroupsRecorder", () => {
  it("records a user's token groups once per change (or per TTL), and never fails the caller", async () => {
    const profiles = new MemoryNotifyProfileStore();
    const puts: string[][] = [];
    let now = 0;
    let fail = false;
    const store = {
      putGroups: async (user: { tenant: string; userId: string }, groups: readonly string[]) => {
        if (fail) throw new Error("throttled");
        puts.push([...groups]);
        return profiles.putGroups(user, groups);
      },
    };
    const rec = new GroupsRecorder(store, 1_000, () => now);
    const ann = { tenant: "acme", userId: "ann" };
    await rec.record({ ...ann, groups: ["eng", "design"] });
    await rec.record({ ...ann, groups: ["design", "eng", "eng"] });
    expect(puts).toEqual([["design", "eng"]]);
    expect((await profiles.load(ann)).groups).toEqual(["design", "eng"]);
    await rec.record(ann); // a token without groups: recorded as none
    expect((await profiles.load(ann)).groups).toEqual([]);
    now = 2_000;
    await rec.record(ann);
    expect(puts).toHaveLength(3);
    fail = true;
    await rec.record({ ...ann, groups: ["ops"] });
    fail = false;
    await rec.record({ ...ann, groups: ["ops"] });
    expect((await profiles.load(ann)).groups).toEqual(["ops"]);
  });
});
