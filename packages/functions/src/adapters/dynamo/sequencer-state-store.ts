import { aclKey, docKey, parseAcl, type ClientState, type DocAcl, type DocRef, type Rejection, type SequencerStateStore } from "@weft/core";
import { N, S, num, str } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const CHECKPOINT = "ckpt";

/**
 * SequencerStateStore on the `state` table, per document (pk = docKey): one item per client
 * (sk = "c#" + clientId: next, held, skipped), one checkpoint item (sk = "ckpt": asOf, the
 * holding set and the ACL as of asOf, so saving them costs one write and the sequencer reads
 * the ACL with the clients it loads anyway) and one item per rejection
 * (sk = "r#" + opId).
 */
export class DynamoSequencerStateStore implements SequencerStateStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  /** One BatchGetItem for the checkpoint and the requested clients, a second for holding clients not among them. */
  async load(
    doc: DocRef,
    clientIds: string[],
  ): Promise<{ checkpoint: number; holding: string[]; clients: Map<string, ClientState>; acl?: DocAcl }> {
    const pk = docKey(doc);
    const requested = [...new Set(clientIds)];
    const first = await this.table.batchGet([{ pk: S(pk), sk: S(CHECKPOINT) }, ...requested.map((id) => clientKey(pk, id))]);
    const ckpt = first.find((item) => item.sk.S === CHECKPOINT);
    const holding: string[] = ckpt ? JSON.parse(str(ckpt, "holding")) : [];
    const missing = holding.filter((id) => !requested.includes(id));
    const more = missing.length > 0 ? await this.table.batchGet(missing.map((id) => clientKey(pk, id))) : [];
    const clients = new Map<string, ClientState>();
    for (const item of [...first, ...more]) {
      if (item.sk.S === CHECKPOINT) continue;
      const c = clientFromItem(item);
      clients.set(c.clientId, c);
    }
    return { checkpoint: ckpt ? num(ckpt, "asOf") : 0, holding, clients, ...aclOf(ckpt) };
  }

  /** One GetItem of the checkpoint item. */
  async access(doc: DocRef): Promise<{ checkpoint: number; acl?: DocAcl }> {
    const ckpt = await this.table.get({ pk: S(docKey(doc)), sk: S(CHECKPOINT) });
    return { checkpoint: ckpt?.asOf ? num(ckpt, "asOf") : 0, ...aclOf(ckpt) };
  }

  /**
   * The distinct checkpoint items in strongly consistent BatchGetItems (Table.batchGet: 100 keys
   * per call, in parallel): one read unit per item up to 4 KB; nothing for `[]`.
   */
  async accessMany(docs: readonly DocRef[]): Promise<Array<{ checkpoint: number; acl?: DocAcl }>> {
    const pks = [...new Set(docs.map(docKey))];
    const items = pks.length > 0 ? await this.table.batchGet(pks.map((pk) => ({ pk: S(pk), sk: S(CHECKPOINT) }))) : [];
    const byPk = new Map(items.map((item) => [str(item, "pk"), item]));
    return docs.map((doc) => {
      const ckpt = byPk.get(docKey(doc));
      return { checkpoint: ckpt?.asOf ? num(ckpt, "asOf") : 0, ...aclOf(ckpt) };
    });
  }

  /** One GetItem. */
  async client(doc: DocRef, clientId: string): Promise<ClientState | undefined> {
    const item = await this.table.get(clientKey(docKey(doc), clientId));
    return item && clientFromItem(item);
  }

  /**
   * Client states first (BatchWriteItem), then the checkpoint item: asOf is raised only if
   * not lower than the stored one (conditional update); when the condition fails the
   * holding set is still replaced, with a second, unconditional update.
   */
  async save(doc: DocRef, clients: ClientState[], checkpoint: number, holding: string[], acl?: DocAcl): Promise<void> {
    const pk = docKey(doc);
    const latest = new Map(clients.map((c) => [c.clientId, c]));
    await this.table.batchPut([...latest.values()].map((c) => clientItem(pk, c)));
    const Key = { pk: S(pk), sk: S(CHECKPOINT) };
    const raised = await this.table.conditional({
      update: {
        Key,
        UpdateExpression: acl ? "SET asOf = :v, holding = :h, acl = :a" : "SET asOf = :v, holding = :h",
        ConditionExpression: "attribute_not_exists(asOf) OR asOf <= :v",
        ExpressionAttributeValues: { ":v": N(checkpoint), ":h": S(JSON.stringify(holding)), ...(acl ? { ":a": S(aclKey(acl)) } : {}) },
      },
    });
    if (!raised.ok) {
      await this.table.update({ Key, UpdateExpression: "SET holding = :h", ExpressionAttributeValues: { ":h": S(JSON.stringify(holding)) } });
    }
  }

  /** Plain puts: a second put of an op id replaces the first, as the contract says. */
  async putRejections(doc: DocRef, rejections: Rejection[]): Promise<void> {
    const pk = docKey(doc);
    const latest = new Map(rejections.map((r) => [r.opId, r]));
    await this.table.batchPut(
      [...latest.values()].map((r) => ({
        pk: S(pk),
        sk: S(`r#${r.opId}`),
        clientId: S(r.clientId),
        userId: S(r.userId),
        clientSeq: N(r.clientSeq),
        reason: S(r.reason),
        message: S(r.message),
        at: N(r.at),
      })),
    );
  }

  async getRejection(doc: DocRef, opId: string): Promise<Rejection | undefined> {
    const item = await this.table.get({ pk: S(docKey(doc)), sk: S(`r#${opId}`) });
    if (!item) return undefined;
    return {
      opId,
      clientId: str(item, "clientId"),
      userId: str(item, "userId"),
      clientSeq: num(item, "clientSeq"),
      reason: str(item, "reason"),
      message: str(item, "message"),
      at: num(item, "at"),
    };
  }
}

function aclOf(ckpt: Item | undefined): { acl?: DocAcl } {
  return ckpt?.acl?.S ? { acl: parseAcl(ckpt.acl.S) } : {};
}

function clientKey(pk: string, clientId: string): Item {
  return { pk: S(pk), sk: S(`c#${clientId}`) };
}

function clientItem(pk: string, c: ClientState): Item {
  return { ...clientKey(pk, c.clientId), next: N(c.next), held: S(JSON.stringify(c.held)), skipped: S(JSON.stringify(c.skipped)) };
}

function clientFromItem(item: Item): ClientState {
  return {
    clientId: str(item, "sk").slice(2),
    next: num(item, "next"),
    held: JSON.parse(str(item, "held")),
    skipped: JSON.parse(str(item, "skipped")),
  };
}
