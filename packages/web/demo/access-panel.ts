import type { AclRole, DocAcl } from "@weft/web";
import { atLeast, memberRole, roleOfTarget } from "@weft/core/access/doc-acl";

/**
 * The demo's "Access" panel: everyone with an entry in the document's ACL and everyone present,
 * each with their role, plus the tenant-wide "everyone" entry. An owner gets a role selector per
 * person (not for themselves) and for everyone; the share form beside the panel covers users who
 * have not joined yet. Other people's roles are shown as the ACL gives them (their own entry or
 * everyone's, whichever is higher; group entries are theirs to know); one's own is `doc.role`.
 */

export const ROLES: readonly AclRole[] = ["owner", "editor", "commenter", "viewer", "none"];

export interface AccessView {
  me: string;
  myRole: AclRole;
  acl: DocAcl;
  /** Present users (from presence): id and display name. */
  present: Array<{ userId: string; name: string }>;
}

/** Whether `role` may change the text (the demo's editor is read-only otherwise). */
export function canEdit(role: AclRole): boolean {
  return atLeast(role, "editor");
}

/**
 * Someone else's role as the ACL shows it: their own entry or everyone's, whichever is higher
 * (core's memberRole without groups: ids such as `constructor` are ordinary ids).
 */
export function roleIn(acl: DocAcl, userId: string): AclRole {
  return memberRole(acl, { userId });
}

/** What the panel would show, as a string: re-render only when it changes (an open selector stays open). */
export function accessKey(v: AccessView): string {
  return JSON.stringify([v.me, v.myRole, v.acl, v.present]);
}

/** Fills `list` with one item per person and one for everyone; `share` is called with a selector's new value. */
export function renderAccess(list: HTMLElement, v: AccessView, share: (target: string | { everyone: true }, role: AclRole) => void): void {
  const owner = v.myRole === "owner";
  const names = new Map<string, string>([[v.me, v.me]]);
  for (const id of Object.keys(v.acl.users)) names.set(id, id);
  for (const p of v.present) names.set(p.userId, p.name);
  const items = [...names].map(([userId, name]) => {
    const li = document.createElement("li");
    li.dataset.user = userId;
    const own = roleOfTarget(v.acl, { userId });
    const effective = userId === v.me ? v.myRole : roleIn(v.acl, userId);
    li.dataset.role = effective;
    li.append(userId === v.me ? `${name} (you)` : name, " ");
    if (owner && userId !== v.me) li.append(selector(`Role of ${name}`, own, (role) => share(userId, role)));
    const shown = document.createElement("span");
    shown.className = "role";
    shown.textContent = effective;
    li.append(shown);
    return li;
  });
  const everyone = document.createElement("li");
  everyone.id = "everyone";
  everyone.dataset.role = v.acl.everyone;
  everyone.append("Everyone in the tenant ");
  if (owner) everyone.append(selector("Role of everyone in the tenant", v.acl.everyone, (role) => share({ everyone: true }, role), "everyone-role"));
  const shown = document.createElement("span");
  shown.className = "role";
  shown.textContent = v.acl.everyone;
  everyone.append(shown);
  list.replaceChildren(...items, everyone);
}

function selector(label: string, value: AclRole, onChange: (role: AclRole) => void, id?: string): HTMLSelectElement {
  const select = document.createElement("select");
  if (id) select.id = id;
  select.className = "role-select";
  select.setAttribute("aria-label", label);
  for (const r of ROLES) select.append(new Option(r, r, false, r === value));
  select.addEventListener("change", () => onChange(select.value as AclRole));
  return select;
}
