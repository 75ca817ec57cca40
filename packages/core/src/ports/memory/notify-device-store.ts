import { assertId, assertNotifyUser, type NotifyUser } from "../../notify/stores/common.js";
import {
  MAX_DEVICE_ADDRESS_LENGTH,
  checkNewDevice,
  deviceIdOf,
  devicesToEvict,
  refreshDevice,
  sortDevices,
  type AddDeviceResult,
  type DeviceStore,
  type NewDevice,
  type PushDevice,
} from "../../notify/stores/device-store.js";

/** In-memory DeviceStore: the reference implementation of the port contract. */
export class MemoryDeviceStore implements DeviceStore {
  private readonly users = new Map<string, Map<string, PushDevice>>();

  async add(device: NewDevice, at: number): Promise<AddDeviceResult> {
    const fresh = await checkNewDevice(device, at);
    const devices = this.devices(fresh);
    const existing = devices.get(fresh.id);
    const stored = existing ? refreshDevice(existing, fresh) : fresh;
    devices.set(stored.id, stored);
    const evicted = devicesToEvict([...devices.values()], stored.id);
    for (const id of evicted) devices.delete(id);
    return { device: structuredClone(stored), created: !existing, evicted };
  }

  async list(user: NotifyUser): Promise<PushDevice[]> {
    assertNotifyUser(user);
    return sortDevices(structuredClone([...this.devices(user).values()]));
  }

  async remove(user: NotifyUser, id: string): Promise<boolean> {
    assertNotifyUser(user);
    assertId(id, "id");
    return this.devices(user).delete(id);
  }

  async removeByToken(user: NotifyUser, endpointOrToken: string): Promise<boolean> {
    assertNotifyUser(user);
    assertId(endpointOrToken, "endpointOrToken", MAX_DEVICE_ADDRESS_LENGTH);
    const ids = await Promise.all([deviceIdOf("web_push", endpointOrToken), deviceIdOf("mobile_push", endpointOrToken)]);
    const removed = ids.map((id) => this.devices(user).delete(id));
    return removed.some(Boolean);
  }

  private devices(user: NotifyUser): Map<string, PushDevice> {
    const k = `${user.tenant}#${user.userId}`;
    let devices = this.users.get(k);
    if (!devices) this.users.set(k, (devices = new Map()));
    return devices;
  }
}
