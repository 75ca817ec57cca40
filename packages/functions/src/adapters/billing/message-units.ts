/*
 * AWS's billing units for message-like requests, shared by the SDK middleware and the local
 * stack's gateways (which stand in for API Gateway).
 */

/** API Gateway WebSocket messages (both directions) are metered in 32 KB units. */
export const WS_MESSAGE_UNIT_BYTES = 32 * 1024;
/** API Gateway HTTP API requests are metered in 512 KB units. */
export const HTTP_REQUEST_UNIT_BYTES = 512 * 1024;
/** EventBridge bills each 64 KB chunk of a PutEvents entry as one event. */
export const EVENT_UNIT_BYTES = 64 * 1024;

/** A PutEvents entry as the SDK takes it (only the fields that count toward its size). */
export interface EventEntryFields {
  Time?: unknown;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
}

/**
 * A PutEvents entry's size as EventBridge computes it for its limits and billing: 14 bytes
 * for a Time, plus the UTF-8 bytes of Source, DetailType, Detail and each Resources ARN.
 */
export function eventEntryBytes(e: EventEntryFields): number {
  let size = e.Time !== undefined ? 14 : 0;
  for (const s of [e.Source, e.DetailType, e.Detail, ...(e.Resources ?? [])]) if (s) size += Buffer.byteLength(s, "utf8");
  return size;
}

/** Characters of the GSM 03.38 default alphabet (and its extension table), which SMS sends 7 bits each. */
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;
const GSM7_EXTENSION = /[\^{}\\[~\]|€]/g;

/**
 * The SMS message parts a text is sent (and billed) as: GSM-7 text fits 160 characters in
 * one part and 153 per part when split; anything else goes as UCS-2, 70 UTF-16 units in one
 * part and 67 per part when split. GSM-7 extension characters (`€`, `^`, `{`, ...) take two
 * slots each (an escape and the character).
 */
export function smsParts(text: string): number {
  const gsm = GSM7.test(text);
  const length = gsm ? text.length + (text.match(GSM7_EXTENSION)?.length ?? 0) : text.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return length <= single ? 1 : Math.ceil(length / multi);
}
