import { runDocWatchersStoreConformance } from "../../conformance/doc-watchers-store-conformance.js";
import { MemoryDocWatchersStore } from "../../../src/ports/memory/doc-watchers-store.js";

runDocWatchersStoreConformance("memory", async () => new MemoryDocWatchersStore());
