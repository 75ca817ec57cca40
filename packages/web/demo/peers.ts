/**
 * Other users in the document, as the demo shows them: a coloured caret (and selection) per
 * connection over the editor, and a list beside it. Presence states come from other clients,
 * so they are validated here and anything malformed is ignored rather than rendered.
 */

export interface Peer {
  connectionId: string;
  userId: string;
  name: string;
  color: string;
  /** Code point positions in the local text (the SDK maps them through changes since they arrived). */
  cursor: number;
  anchor: number;
}

/** What this demo publishes with doc.setPresence. */
export interface DemoPresence {
  cursor: number;
  anchor: number;
  name: string;
  color: string;
}

const PALETTE = ["#d1495b", "#00798c", "#6a4c93", "#edae49", "#2e933c", "#c45ab3", "#3d5a80", "#e76f51"];

/** A stable colour per user id, so a user looks the same in every window. */
export function colorFor(userId: string): string {
  let h = 0;
  for (const ch of userId) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** A peer from a presence entry, or undefined when its state is absent (left) or malformed. */
export function peerFrom(connectionId: string, userId: string, state: unknown): Peer | undefined {
  if (!state || typeof state !== "object") return undefined;
  const s = state as Record<string, unknown>;
  const pos = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);
  const cursor = pos(s.cursor);
  if (cursor === undefined) return undefined;
  const name = typeof s.name === "string" && s.name.trim() ? s.name.trim().slice(0, 32) : userId;
  const color = typeof s.color === "string" && /^#[0-9a-f]{3,8}$/i.test(s.color) ? s.color : colorFor(userId);
  return { connectionId, userId, name, color, cursor, anchor: pos(s.anchor) ?? cursor };
}

/**
 * Fills `overlay` (laid out exactly like the textarea beneath it, text transparent) with the
 * text and a caret plus name label at each peer's cursor, and a tinted mark over each peer's
 * selection. With no peers the overlay is emptied: there is nothing to place.
 */
export function renderCarets(overlay: HTMLElement, text: string, peers: Peer[]): void {
  overlay.replaceChildren();
  if (peers.length === 0) return;
  const chars = Array.from(text);
  const clamp = (p: number) => Math.min(p, chars.length);
  const cuts = new Set([0, chars.length]);
  for (const p of peers) cuts.add(clamp(p.cursor)).add(clamp(p.anchor));
  const points = [...cuts].sort((x, y) => x - y);
  for (let i = 0; i < points.length; i++) {
    const at = points[i];
    for (const p of peers) if (clamp(p.cursor) === at) overlay.append(caret(p, at));
    if (i + 1 === points.length) break;
    const segment = document.createTextNode(chars.slice(at, points[i + 1]).join(""));
    const over = peers.find((p) => Math.min(clamp(p.cursor), clamp(p.anchor)) <= at && at < Math.max(clamp(p.cursor), clamp(p.anchor)));
    if (over) {
      const mark = document.createElement("mark");
      mark.style.setProperty("--peer", over.color);
      mark.append(segment);
      overlay.append(mark);
    } else overlay.append(segment);
  }
  // A trailing newline only makes a line box when something follows it.
  overlay.append("\u200b");
}

function caret(p: Peer, at: number): HTMLElement {
  const el = document.createElement("span");
  el.className = "peer-caret";
  el.dataset.user = p.userId;
  el.dataset.pos = String(at);
  el.style.setProperty("--peer", p.color);
  const label = document.createElement("span");
  label.className = "peer-label";
  label.textContent = p.name;
  el.append(label);
  return el;
}

/** The list beside the editor: one item per connected peer, with their role. */
export function renderList(list: HTMLElement, peers: Peer[], roleOf: (p: Peer) => string): void {
  list.replaceChildren(
    ...peers.map((p) => {
      const li = document.createElement("li");
      li.dataset.user = p.userId;
      li.style.setProperty("--peer", p.color);
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      const role = document.createElement("span");
      role.className = "role";
      role.textContent = roleOf(p);
      li.append(swatch, `${p.name} at ${p.cursor} `, role);
      return li;
    }),
  );
  if (peers.length === 0) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "Nobody else yet";
    list.append(li);
  }
}
