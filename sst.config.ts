// Globals ($config, $app, sst, aws) come from SST's generated .sst/platform/config.d.ts, which
// `npm test` prepares and type-checks this file against (scripts/check-infra.mjs).

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
      // Production keeps its tables (and their data) when resources are removed, and `sst remove`
      // refuses to remove it at all; other stages are disposable.
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    // Imported here, not at the top: SST components may only be created inside run().
    const { tables } = await import("./infra/tables.js");
    const { buckets } = await import("./infra/buckets.js");
    const { api } = await import("./infra/api.js");
    await import("./infra/stream-subscriptions.js");
    await import("./infra/kinesis-subscriptions.js");
    const { alarmTopic } = await import("./infra/alarms.js");
    await import("./infra/schedules.js");
    await import("./infra/log-compaction.js");
    await import("./infra/rules.js");
    const { bus } = await import("./infra/bus.js");
    await import("./infra/websocket.js");
    await import("./infra/ses-feedback.js");
    const { webSocketApi } = await import("./infra/websocket-api.js");
    const { roomsTier } = await import("./infra/rooms.js");
    const { tableLink, bucketLink } = await import("./infra/manifest.js");

    // Outputs (`.sst/outputs.json`): the tables and buckets under their link names (`InboxTable`,
    // `SegmentsBucket`), the names the functions read them by; `roomsUrl` only on a stage with a
    // room tier (infra/rooms.ts).
    return {
      apiUrl: api.url,
      webSocketUrl: webSocketApi.url,
      ...(roomsTier ? { roomsUrl: roomsTier.url } : {}),
      eventBus: bus.name,
      alarmTopic: alarmTopic.arn,
      ...Object.fromEntries(Object.entries(tables).map(([name, table]) => [tableLink(name), table.name])),
      ...Object.fromEntries(Object.entries(buckets).map(([name, bucket]) => [bucketLink(name), bucket.name])),
    };
  },
});
