import type { DeliveryTarget } from "../delivery/channel-adapter.js";
import type { PushDevice } from "../stores/device-store.js";
import type { ContactFacts } from "../stores/profile-store.js";
import type { Channel } from "../vocabulary.js";

/**
 * Where an external delivery goes: the verified, enabled email address; the verified phone;
 * every web push subscription (with its keys); every mobile device token. None: the engine
 * chose a channel the user cannot be reached on any more (a device was deleted meanwhile).
 */
export function targetsOf(channel: Channel, devices: readonly PushDevice[], contacts: ContactFacts): DeliveryTarget[] {
  switch (channel) {
    case "email":
      return contacts.email?.verified && !contacts.email.disabled ? [{ kind: "email", address: contacts.email.address }] : [];
    case "sms":
      return contacts.phone?.verified ? [{ kind: "phone", number: contacts.phone.number }] : [];
    case "web_push":
      return devices.flatMap((d) =>
        d.kind === "web_push" && d.keys ? [{ kind: "web_push" as const, deviceId: d.id, subscription: { endpoint: d.endpoint, keys: d.keys } }] : [],
      );
    case "mobile_push":
      return devices.flatMap((d) => (d.kind === "mobile_push" ? [{ kind: "device_token" as const, deviceId: d.id, platform: d.platform, token: d.token }] : []));
    case "in_app":
      return [];
  }
}
