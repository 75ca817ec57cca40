/** Notification preferences (per user), tenant policy and contact facts: schemas, validation, defaults. */
export { NO_CONTACTS, type UserContacts, userContactsOf } from "./contacts.js";
export {
  DIGEST_KEY_PARTS,
  type DigestKeyPart,
  defaultTenantPolicy,
  EMAIL_WITHOUT_PUSH_CLASSES,
  type EmailWithoutPushClass,
  knownTopics,
  parseTenantPolicy,
  POLICY_LIMITS,
  type TenantPolicy,
} from "./tenant-policy.js";
export { canonicalTimeZone, instantOfWall, localWallMs, minuteOfDay, zoneOffsetMs } from "./time-zones.js";
export {
  applyPreferencesUpdate,
  type ConsentRecord,
  defaultUserPreferences,
  parsePreferencesUpdate,
  policyVersionOf,
  type PreferencesUpdate,
  type QuietHours,
  storedPreferencesOf,
  type TopicPreference,
  updateUserPreferences,
  type UserPreferences,
} from "./user-preferences.js";
