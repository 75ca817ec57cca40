import { DocWriter, until, type FakeClockStack, type NotifyApi } from "./fake-clock-stack.js";

/**
 * The opening both digest scenarios share (issue: "comments by Alice 09:00, Bob 09:02, Carol
 * 09:04, Alice 09:06, Dan 09:08"): Rex, with a web push device and a verified email (so his
 * summaries go by push alone: the cross-channel rule), creates
 * the document open to comments by everyone in the tenant, writes "Roadmap" and starts thread
 * t1 at 08:59 (so he watches the document); then the five comments, each waited for until
 * Rex's in-app digest item reaches that version. Log seqs: Rex's owner entry 1, the
 * `everyone: commenter` entry 2, rex-1 and rex-2 3-4, then one per comment: alice-1 = 5,
 * bob-1 = 6, carol-1 = 7, alice-2 = 8, dan-1 = 9.
 * `at` turns "hh:mm:ss" into the scenario day's ms.
 */
export async function openCommentDigest(s: FakeClockStack, api: NotifyApi, docId: string, at: (hms: string) => number) {
  const w = new DocWriter(s, docId);
  await api.addWebPush("rex");
  await s.setContacts("rex", { email: { address: "rex@example.test", verified: true } });
  await s.setClock(at("08:59:00"));
  await w.share("rex", { everyone: true }, "commenter");
  await w.post("rex", [{ type: "insert", pos: 0, text: "Roadmap\n" }, { type: "comment", threadId: "t1", body: "thoughts?" }]);
  const feedItems = () => api.feed("rex").then((items) => items.filter((i) => i.docId === w.docId));
  const comments: [string, string][] = [["09:00:00", "alice"], ["09:02:00", "bob"], ["09:04:00", "carol"], ["09:06:00", "alice"], ["09:08:00", "dan"]];
  for (const [k, [t, who]] of comments.entries()) {
    await s.setClock(at(t));
    await w.comment(who, `comment ${k + 1}`);
    await until(`the digest at version ${k + 1}`, async () => ((await feedItems())[0]?.version >= k + 1 ? true : undefined));
  }
  return { w, feedItems };
}

/** The user's deliveries on external channels once there are at least `n`, sorted by time, then channel. */
export async function deliveriesOf(s: FakeClockStack, userId: string, n: number): Promise<any[]> {
  const list = await until(`${n} deliveries to ${userId}`, async () => {
    const d = (await s.outbox({ userId })).deliveries;
    return d.length >= n ? d : undefined;
  });
  return list.sort((a, b) => a.deliveredAt - b.deliveredAt || (a.channel < b.channel ? -1 : 1));
}
