import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";

/**
 * The mobile_push channel: FCM for Android (and any FCM token), APNs for iOS, chosen by the
 * target's platform. A platform with no adapter configured is rejected (dead-lettered), not
 * retried: retrying cannot configure it.
 */
export class MobilePushAdapter implements ChannelAdapter {
  constructor(private readonly by: { fcm?: ChannelAdapter; apns?: ChannelAdapter }) {}

  send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (cmd.target.kind !== "device_token") return Promise.resolve({ status: "rejected", error: `mobile push cannot send to a ${cmd.target.kind} target` });
    const adapter = this.by[cmd.target.platform];
    return adapter ? adapter.send(cmd) : Promise.resolve({ status: "rejected", error: `no ${cmd.target.platform} adapter configured` });
  }
}
