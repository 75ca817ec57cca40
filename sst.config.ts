// Globals ($config, $app, sst, aws) come from SST's generated .sst/platform/config.d.ts, or,
// offline, from infra/sst-platform.d.ts (its header explains why there is no
// `/// <reference>` to the generated file here).

/**
 * Weft on AWS. Every resource is derived from infra/manifest.ts, the manifest the local
 * stack also runs from; the infra/* files turn its entries into SST components and must not
 * restate any table, route or stream setting. Deploy steps: docs/deploy.md.
 */
export default $config({
  app(input) {
    return {
      name: "weft",
      home: "aws",
      // Production keeps its tables (and their data) when resources are removed; other stages are disposable.
      removal: input?.stage === "production" ? "retain" : "remove",
    };
  },
  async run() {
    // Imported here, not at the top: SST components may only be created inside run().
    const { tables } = await import("./infra/tables.js");
    const { api } = await import("./infra/api.js");
    await import("./infra/stream-subscriptions.js");
    await import("./infra/schedules.js");
    await import("./infra/rules.js");
    const { bus } = await import("./infra/bus.js");
    await import("./infra/websocket.js");
    await import("./infra/ses-feedback.js");
    const { webSocketApi } = await import("./infra/websocket-api.js");
    const { tableEnvVar } = await import("./infra/manifest.js");

    // Outputs (`.sst/outputs.json`) use the functions' env var names for the tables, so a
    // deployed stage's names can be fed to tools that read the same contract.
    return {
      apiUrl: api.url,
      webSocketUrl: webSocketApi.url,
      eventBus: bus.name,
      ...Object.fromEntries(Object.entries(tables).map(([name, table]) => [tableEnvVar(name), table.name])),
    };
  },
});
