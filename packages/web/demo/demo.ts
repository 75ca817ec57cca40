import { createClient, WeftError, type WeftClient, type WeftDoc } from "@weft/web";
import { accessKey, canEdit, renderAccess, roleIn, type AccessView } from "./access-panel.js";
import { colorFor, peerFrom, renderCarets, renderList, type DemoPresence, type Peer } from "./peers.js";
import { diffText, toCodePoint, toUtf16 } from "./text-edit.js";

/**
 * The demo editor: a textarea over the SDK's `doc`. The page is served by the local stack, so
 * the API is this origin and the WebSocket is `/ws` on it; tokens come from the stack's
 * local-only GET /dev/token. `/?user=Ann&doc=roadmap` joins at once (the join form is a plain
 * GET form to that URL), so a reload rejoins the same document as the same user.
 *
 * Invariant: between events the textarea shows exactly `doc.text`. Each input event becomes
 * one delete and/or insert at code point positions; each remote change replaces the text and
 * moves the caret through the change's `mapPosition`. The peers' carets come from
 * `doc.presence`, whose positions the SDK moves through every change itself.
 *
 * Access: the editor is writable only while `doc.role` allows text edits (editor, owner); the
 * "Access" panel (access-panel.ts) shows everyone's role and lets an owner change them. A user
 * without access waits on a notice (retrying) until the owner shares the document; one whose
 * access is revoked keeps the last text read-only (`body[data-revoked]`).
 */

const TENANT = "demo";
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const params = new URLSearchParams(location.search);
const userInput = $<HTMLInputElement>("user");
const docInput = $<HTMLInputElement>("doc");
userInput.value = params.get("user") ?? "";
docInput.value = params.get("doc") ?? "";
if (userInput.value.trim() && docInput.value && docInput.checkValidity()) {
  join(userInput.value.trim(), docInput.value).catch((err: Error) => fail(err.message));
}

function fail(message: string): void {
  document.body.dataset.state = "failed";
  const notice = $("notice");
  notice.textContent = `Could not open the document: ${message}`;
  $("session").hidden = false;
}

/** A user id the API accepts and acl ops can name ([A-Za-z0-9_-]{1,64}), from whatever name was typed. */
function userIdOf(name: string): string {
  return name.trim().replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 64) || "anonymous";
}

/** Waits until the document opens: while the user has no access, says so and tries again every 2 s. */
async function openDoc(client: WeftClient, docId: string, userId: string): Promise<WeftDoc> {
  for (;;) {
    const doc = client.doc(docId);
    try {
      await doc.ready;
      return doc;
    } catch (err) {
      if (!(err instanceof WeftError && err.code === "forbidden")) throw err;
      document.body.dataset.state = "no-access";
      $("notice").textContent = `You have no access to ${docId} yet: its owner can share it with "${userId}". Trying again…`;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function join(name: string, docId: string): Promise<void> {
  const userId = userIdOf(name);
  const color = colorFor(userId);
  document.title = `${docId} · ${name} · Weft demo`;
  $("doc-name").textContent = docId;
  const me = $("me");
  me.textContent = name;
  me.style.setProperty("--peer", color);
  $("session").hidden = false;
  const editor = $<HTMLTextAreaElement>("editor");
  const overlay = $("overlay");

  const client = createClient({
    url: location.origin,
    wsUrl: `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`,
    getToken: async () => {
      const q = new URLSearchParams({ user: userId, name, tenant: TENANT });
      const res = await fetch(`/dev/token?${q}`);
      if (!res.ok) throw new Error(`GET /dev/token: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
  });
  const connection = $("connection");
  const showStatus = (s: string) => {
    connection.textContent = s;
    connection.dataset.status = s;
  };
  showStatus(client.status);
  client.on("status", showStatus);

  const doc = await openDoc(client, docId, userId);
  $("notice").textContent = "";

  let peers: Peer[] = [];
  let shownAccess = "";
  const renderPeers = () => {
    renderCarets(overlay, editor.value, peers);
    renderList($("peers"), peers, (p) => roleOf(p.userId));
    const view: AccessView = { me: userId, myRole: doc.role, acl: doc.state.acl, present: peers.map((p) => ({ userId: p.userId, name: p.name })) };
    const key = accessKey(view);
    if (key === shownAccess) return;
    shownAccess = key;
    renderAccess($("access"), view, (target, role) => {
      try {
        doc.share(target, role);
      } catch (err) {
        $("notice").textContent = `Could not share: ${(err as Error).message}`;
      }
    });
  };
  const roleOf = (who: string) => (who === userId ? doc.role : roleIn(doc.state.acl, who));
  const showCounters = () => {
    $("version").textContent = String(doc.version);
    $("pending").textContent = String(doc.pending);
  };

  let sent = "";
  const publishPresence = () => {
    const text = editor.value;
    const start = toCodePoint(text, editor.selectionStart);
    const end = toCodePoint(text, editor.selectionEnd);
    const backward = editor.selectionDirection === "backward";
    const state: DemoPresence = { cursor: backward ? start : end, anchor: backward ? end : start, name, color };
    const key = JSON.stringify(state);
    if (key !== sent) {
      sent = key;
      doc.setPresence({ ...state });
    }
  };

  editor.value = doc.text;
  editor.addEventListener("input", () => {
    const edit = diffText(doc.text, editor.value, editor.selectionEnd);
    try {
      if (edit && edit.deleted > 0) doc.delete(edit.pos, edit.deleted);
      if (edit && edit.inserted) doc.insert(edit.pos, edit.inserted);
    } catch (err) {
      $("notice").textContent = `Edit not applied: ${(err as Error).message}`;
    }
    // Normally a no-op; after a refused edit this puts the document's text back.
    if (editor.value !== doc.text) showText(doc.text, (p) => p);
    publishPresence();
    showCounters();
  });
  document.addEventListener("selectionchange", () => {
    if (document.activeElement === editor) publishPresence();
  });
  editor.addEventListener("scroll", () => (overlay.scrollTop = editor.scrollTop));

  /** Shows `text`, keeping the caret (and selection) where `map` puts it. */
  function showText(text: string, map: (pos: number) => number): void {
    const before = editor.value;
    const start = map(toCodePoint(before, editor.selectionStart));
    const end = map(toCodePoint(before, editor.selectionEnd));
    const direction = editor.selectionDirection ?? "none";
    const scroll = editor.scrollTop;
    editor.value = text;
    editor.setSelectionRange(toUtf16(text, start), toUtf16(text, end), direction);
    editor.scrollTop = scroll;
    overlay.scrollTop = scroll;
  }

  doc.on("change", (e) => {
    if (e.text !== editor.value) {
      showText(e.text, e.mapPosition);
      publishPresence();
    }
    // The SDK has already moved the peers' positions through this change (doc.presence).
    readPresence(doc.presence);
    showCounters();
  });
  const readPresence = (all: typeof doc.presence) => {
    peers = [];
    for (const [connectionId, { userId: peerUser, state }] of all) {
      const peer = peerFrom(connectionId, peerUser, state);
      if (peer) peers.push(peer);
    }
    renderPeers();
  };
  doc.on("presence", readPresence);
  let rejected = 0;
  doc.on("rejected", (r) => {
    document.body.dataset.rejected = String(++rejected);
    $("notice").textContent = `An edit was rejected by the server (${r.reason}); the text shows the committed document.`;
  });
  const showRole = () => {
    const role = doc.role;
    $("role").textContent = role;
    document.body.dataset.role = role;
    editor.readOnly = !canEdit(role);
    $("share-form").hidden = role !== "owner";
    renderPeers();
  };
  doc.on("role", showRole);
  doc.on("revoked", (e) => {
    document.body.dataset.revoked = "true";
    showRole();
    const lost = e.dropped.length > 0 ? ` ${e.dropped.length} edit(s) not yet saved were discarded.` : "";
    $("notice").textContent = `Your access to this document was revoked: it is read-only now.${lost}`;
  });
  $("share-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const who = userIdOf($<HTMLInputElement>("share-user").value);
    try {
      doc.share(who, $<HTMLSelectElement>("share-role").value as WeftDoc["role"]);
      $<HTMLInputElement>("share-user").value = "";
    } catch (err) {
      $("notice").textContent = `Could not share: ${(err as Error).message}`;
    }
  });
  // Unsent edits drain without a change event of their own: poll the counters cheaply.
  setInterval(showCounters, 250);

  editor.disabled = false;
  showRole();
  readPresence(doc.presence);
  showCounters();
  editor.focus();
  publishPresence();
  document.body.dataset.state = "ready";
}
