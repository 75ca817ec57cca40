import { z } from "zod";
import { CHANNELS } from "../vocabulary.js";
import { HARD_FAILURE_KINDS, PROVIDERS, TARGET_KIND_OF, type DeliveryCommand, type DeliveryResult } from "./channel-adapter.js";

/**
 * Wire schemas of DeliveryCommand and DeliveryResult, for the places they cross a process
 * boundary (the local outbox's send endpoint and its client). Lengths are generous ceilings,
 * not product limits.
 */
export const EXTERNAL_CHANNELS = CHANNELS.filter((c) => c !== "in_app") as Exclude<(typeof CHANNELS)[number], "in_app">[];

const id = z.string().min(1).max(512);
const text = z.string().max(64 * 1024);

export const deliveryTargetSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("email"), address: z.string().min(3).max(320) }),
  z.strictObject({ kind: z.literal("phone"), number: z.string().regex(/^\+[1-9]\d{1,14}$/, "expected an E.164 number such as +14155550100") }),
  z.strictObject({
    kind: z.literal("web_push"),
    deviceId: id,
    subscription: z.object({ endpoint: z.url().max(2048), keys: z.object({ p256dh: z.string().min(1).max(256), auth: z.string().min(1).max(256) }) }),
  }),
  z.strictObject({ kind: z.literal("device_token"), deviceId: id, platform: z.enum(["fcm", "apns"]), token: z.string().min(1).max(4096) }),
]);

export const deliveryCommandSchema = z
  .strictObject({
    notificationId: id,
    tenant: id,
    userId: id,
    channel: z.enum(EXTERNAL_CHANNELS),
    provider: z.enum(PROVIDERS),
    target: deliveryTargetSchema,
    title: text,
    body: text,
    url: z.string().max(2048).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    attempt: z.number().int().min(1).max(1000),
  })
  .refine((c) => c.target.kind === TARGET_KIND_OF[c.channel], { message: "target kind does not fit the channel", path: ["target", "kind"] });

export const deliveryResultSchema = z.discriminatedUnion("status", [
  z.strictObject({ status: z.literal("delivered"), providerMessageId: z.string().min(1) }),
  z.strictObject({ status: z.literal("retryable"), error: z.string(), retryAfterMs: z.number().int().min(0).optional() }),
  z.strictObject({ status: z.literal("hard"), kind: z.enum(HARD_FAILURE_KINDS), error: z.string() }),
  z.strictObject({ status: z.literal("rejected"), error: z.string() }),
]);

// Compile-time checks that the schemas and the hand-written types agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const commandAgrees: Same<z.infer<typeof deliveryCommandSchema>, DeliveryCommand> = true;
const resultAgrees: Same<z.infer<typeof deliveryResultSchema>, DeliveryResult> = true;
void commandAgrees;
void resultAgrees;
