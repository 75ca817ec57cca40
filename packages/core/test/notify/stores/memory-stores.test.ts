import { MemoryNotificationFeedStore } from "../../../src/ports/memory/notify-feed-store.js";
import { MemoryDecisionLogStore } from "../../../src/ports/memory/notify-decision-log-store.js";
import { MemoryDeviceStore } from "../../../src/ports/memory/notify-device-store.js";
import { MemoryNotifyProfileStore } from "../../../src/ports/memory/notify-profile-store.js";
import { MemoryNotifyUserStateStore } from "../../../src/ports/memory/notify-user-state-store.js";
import {
  runDecisionLogStoreConformance,
  runDeviceStoreConformance,
  runNotificationFeedStoreConformance,
  runNotifyProfileStoreConformance,
  runNotifyUserStateStoreConformance,
} from "../../conformance/index.js";

runNotifyUserStateStoreConformance("memory", async ({ now }) => new MemoryNotifyUserStateStore({ now }));
runNotificationFeedStoreConformance("memory", async () => new MemoryNotificationFeedStore());
runDecisionLogStoreConformance("memory", async (opts) => new MemoryDecisionLogStore(opts));
runDeviceStoreConformance("memory", async () => new MemoryDeviceStore());
runNotifyProfileStoreConformance("memory", async () => new MemoryNotifyProfileStore());
