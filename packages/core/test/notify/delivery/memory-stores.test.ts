import { MemoryBreakerStateStore, MemoryDeliveryDeadLetterStore } from "../../../src/notify/delivery/memory/index.js";
import { runBreakerStateStoreConformance, runDeliveryDeadLetterStoreConformance } from "./store-conformance.js";

runBreakerStateStoreConformance("memory", async () => new MemoryBreakerStateStore());
runDeliveryDeadLetterStoreConformance("memory", async () => new MemoryDeliveryDeadLetterStore());
