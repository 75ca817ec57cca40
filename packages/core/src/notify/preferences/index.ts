/** Notification preferences (per user), tenant policy and contact facts: schemas, validation, defaults. */
export * from "./contacts.js";
export * from "./tenant-policy.js";
export * from "./time-zones.js";
export * from "./user-preferences.js";
