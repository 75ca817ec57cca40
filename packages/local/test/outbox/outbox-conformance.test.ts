import { EXTERNAL_CHANNELS } from "@weft/core/notify/delivery/index";
import { runChannelAdapterConformance } from "../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { Outbox } from "../../src/outbox/index.js";
import { outboxHarness } from "./harness.js";

for (const channel of EXTERNAL_CHANNELS) {
  runChannelAdapterConformance(`local outbox (${channel})`, async () => {
    const outbox = new Outbox();
    return outboxHarness(outbox, outbox, channel);
  });
}
