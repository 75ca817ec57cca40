import {
  MAX_DEVICE_ADDRESS_LENGTH,
  assertNotifyUser,
  checkNewDevice,
  deviceIdOf,
  devicesToEvict,
  refreshDevice,
  sortDevices,
  type AddDeviceResult,
  type DeviceStore,
  type NewDevice,
  type NotifyUser,
  type PushDevice,
} from "@weft/core/notify/stores/index";
import { assertId } from "@weft/core/notify/stores/common";
import { S, str } from "./codec.js";
import { key, userPk } from "./notify-keys.js";
import { deleteExisting } from "./notify-transact.js";
import { Table, type DynamoAdapterOptions } from "./table.js";

/** Attempts of an add that keeps losing to concurrent adds of the same device. */
const ATTEMPTS = 8;

/**
 * DeviceStore on the `notify` table, partition `v#<tenant>#<userId>`, one item per device:
 * sk = the device id (core's deviceIdOf: derived from kind + address, so a re-subscription
 * finds its item without a lookup index), `d` = the device as JSON.
 *
 * `add` reads the item and writes it back conditioned on what it read (absent, or the same
 * JSON), retrying a lost race; a new device is followed by one Query of the partition (at
 * most 21 small items) and a DeleteItem per evicted device. `remove` and `removeByToken` are
 * DeleteItems returning the old item, so exactly one of two concurrent removes reports true.
 */
export class DynamoDeviceStore implements DeviceStore {
  private readonly table: Table;
  private readonly meter: DynamoAdapterOptions["meter"];

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
    this.meter = opts.meter;
  }

  async add(device: NewDevice, at: number): Promise<AddDeviceResult> {
    const fresh = await checkNewDevice(device, at);
    const pk = userPk("v", fresh);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const existing = await this.table.get(key(pk, fresh.id));
      const stored = existing ? refreshDevice(JSON.parse(str(existing, "d")) as PushDevice, fresh) : fresh;
      const r = await this.table.conditional({
        put: {
          Item: { ...key(pk, fresh.id), d: S(JSON.stringify(stored)) },
          ConditionExpression: existing ? "d = :old" : "attribute_not_exists(pk)",
          ...(existing ? { ExpressionAttributeValues: { ":old": existing.d } } : {}),
        },
      });
      if (!r.ok) continue;
      if (existing) return { device: stored, created: false, evicted: [] };
      const evicted = devicesToEvict(await this.list(fresh), stored.id);
      for (const id of evicted) await deleteExisting(this.table, this.meter, key(pk, id));
      return { device: stored, created: true, evicted };
    }
    throw new Error(`device ${fresh.id}: add kept losing to concurrent adds (${ATTEMPTS} attempts)`);
  }

  async list(user: NotifyUser): Promise<PushDevice[]> {
    assertNotifyUser(user);
    const out: PushDevice[] = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(userPk("v", user)) },
      ConsistentRead: true,
    })) {
      out.push(...items.map((i) => JSON.parse(str(i, "d")) as PushDevice));
    }
    return sortDevices(out);
  }

  async remove(user: NotifyUser, id: string): Promise<boolean> {
    assertNotifyUser(user);
    assertId(id, "id");
    return deleteExisting(this.table, this.meter, key(userPk("v", user), id));
  }

  async removeByToken(user: NotifyUser, endpointOrToken: string): Promise<boolean> {
    assertNotifyUser(user);
    assertId(endpointOrToken, "endpointOrToken", MAX_DEVICE_ADDRESS_LENGTH);
    const ids = await Promise.all([deviceIdOf("web_push", endpointOrToken), deviceIdOf("mobile_push", endpointOrToken)]);
    const removed = await Promise.all(ids.map((id) => deleteExisting(this.table, this.meter, key(userPk("v", user), id))));
    return removed.some(Boolean);
  }
}
