/**
 * What the engine needs to know about how a user can be reached, derived from the profile
 * and device stores (it never sees addresses or tokens: delivery resolves those).
 */
export interface UserContacts {
  /** A verified email address that is not disabled by a hard bounce or a complaint. */
  emailVerified: boolean;
  /** A verified phone number. */
  hasPhone: boolean;
  /** Registered push subscriptions by kind. */
  devices: { web_push: number; mobile_push: number };
}

export const NO_CONTACTS: UserContacts = Object.freeze({
  emailVerified: false,
  hasPhone: false,
  devices: Object.freeze({ web_push: 0, mobile_push: 0 }),
}) as UserContacts;

/**
 * Contacts from stored contact facts (shaped as the profile store keeps them) and device
 * counts. An email counts only when verified and not disabled; a phone only when verified.
 */
export function userContactsOf(
  facts: { email?: { verified: boolean; disabled?: string }; phone?: { verified: boolean } },
  devices: { web_push?: number; mobile_push?: number } = {},
): UserContacts {
  return {
    emailVerified: facts.email?.verified === true && !facts.email.disabled,
    hasPhone: facts.phone?.verified === true,
    devices: { web_push: devices.web_push ?? 0, mobile_push: devices.mobile_push ?? 0 },
  };
}
