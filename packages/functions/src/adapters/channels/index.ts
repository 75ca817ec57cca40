/** The external channels' providers (ChannelAdapter implementations) and their configuration. */
export * from "./apns.js";
export * from "./fcm.js";
export * from "./from-env.js";
export * from "./google-token.js";
export * from "./mobile-push.js";
export * from "./outbox-http.js";
export * from "./push-payload.js";
export * from "./ses.js";
export * from "./ses-feedback.js";
export * from "./sns-sms.js";
export * from "./web-push.js";
