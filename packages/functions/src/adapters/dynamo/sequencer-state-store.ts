import {
  aclKey,
  docKey,
  parseAcl,
  type ClientState,
  type DocAcl,
  type DocRef,
  type ObjectStore,
  type Rejection,
  type SequencerHead,
  type SequencerHeads,
  type SequencerStateStore,
} from "@weft/core";
import { N, S, num, str } from "./codec.js";
import { LOG_CHECKPOINT_SK, readCheckpointAndTail } from "./log-store.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/**
 * SequencerStateStore (and SequencerHeads) per document (pk = docKey): in the `state` table one
 * item per client (sk = "c#" + clientId: next, held, skipped) and one per rejection
 * (sk = "r#" + opId); in the `log` table (`checkpointTable`) the checkpoint item
 * (sk = LOG_CHECKPOINT_SK: asOf, the holding set, the ACL as of asOf, and `saves`, the count of
 * saves), so saving them costs one write and the run's first read takes it with the log's last
 * batch in one Query (`head`).
 */
export class DynamoSequencerStateStore implements SequencerStateStore, SequencerHeads {
  private readonly table: Table;
  private readonly checkpoints: Table;
  private readonly segmentObjects?: ObjectStore;

  /** `segmentObjects`: where the log's segment bodies are (DynamoLogStore's), for a log whose every batch is in segments. */
  constructor(opts: DynamoAdapterOptions & { checkpointTable: string; segmentObjects?: ObjectStore }) {
    this.table = new Table(opts);
    this.checkpoints = new Table({ ...opts, table: opts.checkpointTable });
    this.segmentObjects = opts.segmentObjects;
  }

  /** The checkpoint item and the requested clients in parallel, then the holding clients not among them. */
  async load(
    doc: DocRef,
    clientIds: string[],
  ): Promise<{ checkpoint: number; holding: string[]; saves: number; clients: Map<string, ClientState>; acl?: DocAcl }> {
    const requested = [...new Set(clientIds)];
    const [ckpt, clients] = await Promise.all([this.checkpointItem(doc), this.clients(doc, requested)]);
    const stored = fromCheckpoint(ckpt);
    const missing = stored.holding.filter((id) => !clients.has(id));
    for (const [id, c] of await this.clients(doc, missing)) clients.set(id, c);
    return { ...stored, clients };
  }

  /** One Query of the log table: the checkpoint item and the last batch (SequencerHeads). */
  async head(doc: DocRef): Promise<SequencerHead> {
    const { checkpoint, tail } = await readCheckpointAndTail(this.checkpoints, doc, this.segmentObjects);
    // A document with a log and no checkpoint here: one saved before the checkpoint moved.
    const ckpt = checkpoint ?? (tail ? await this.table.get(legacyKey(doc)) : undefined);
    return { ...fromCheckpoint(ckpt), tail };
  }

  /**
   * The checkpoint item; where there is none, the one a stage deployed before cut 27 saved in
   * the state table (sk `ckpt`), read until the document's next save writes it here (a second
   * read for a document never saved, once per run of a document that never saves).
   */
  private async checkpointItem(doc: DocRef): Promise<Item | undefined> {
    return (await this.checkpoints.get(checkpointKey(doc))) ?? (await this.table.get(legacyKey(doc)));
  }

  /** One BatchGetItem of the client items (nothing for []). */
  async clients(doc: DocRef, ids: readonly string[]): Promise<Map<string, ClientState>> {
    const pk = docKey(doc);
    const wanted = [...new Set(ids)];
    const items = wanted.length > 0 ? await this.table.batchGet(wanted.map((id) => clientKey(pk, id))) : [];
    return new Map(items.map((item) => clientFromItem(item)).map((c) => [c.clientId, c]));
  }

  /** One GetItem of the checkpoint item. */
  async access(doc: DocRef): Promise<{ checkpoint: number; acl?: DocAcl }> {
    return accessOf(await this.checkpointItem(doc));
  }

  /**
   * The distinct checkpoint items in strongly consistent BatchGetItems (Table.batchGet: 100 keys
   * per call, in parallel): one read unit per item up to 4 KB; nothing for `[]`.
   */
  async accessMany(docs: readonly DocRef[]): Promise<Array<{ checkpoint: number; acl?: DocAcl }>> {
    const pks = [...new Set(docs.map(docKey))];
    const items = pks.length > 0 ? await this.checkpoints.batchGet(pks.map((pk) => ({ pk: S(pk), sk: S(LOG_CHECKPOINT_SK) }))) : [];
    const byPk = new Map(items.map((item) => [str(item, "pk"), item]));
    // Checkpoints saved before they moved (see checkpointItem), for the documents without one here.
    const missing = pks.filter((pk) => !byPk.has(pk));
    const legacy = missing.length > 0 ? await this.table.batchGet(missing.map((pk) => ({ pk: S(pk), sk: S(LEGACY_CHECKPOINT_SK) }))) : [];
    for (const item of legacy) byPk.set(str(item, "pk"), item);
    return docs.map((doc) => accessOf(byPk.get(docKey(doc))));
  }

  /** One GetItem. */
  async client(doc: DocRef, clientId: string): Promise<ClientState | undefined> {
    const item = await this.table.get(clientKey(docKey(doc), clientId));
    return item && clientFromItem(item);
  }

  /**
   * Client states first (BatchWriteItem), then the checkpoint item, whose `saves` counts the
   * save only once the client states are stored: asOf is raised only if not lower than the
   * stored one (conditional update); when the condition fails the holding set is still
   * replaced (and the save counted), with a second, unconditional update.
   */
  async save(doc: DocRef, clients: ClientState[], checkpoint: number, holding: string[], acl?: DocAcl): Promise<void> {
    const pk = docKey(doc);
    const latest = new Map(clients.map((c) => [c.clientId, c]));
    await this.table.batchPut([...latest.values()].map((c) => clientItem(pk, c)));
    const Key = checkpointKey(doc);
    const raised = await this.checkpoints.conditional({
      update: {
        Key,
        UpdateExpression: acl ? "SET asOf = :v, holding = :h, acl = :a ADD saves :one" : "SET asOf = :v, holding = :h ADD saves :one",
        ConditionExpression: "attribute_not_exists(asOf) OR asOf <= :v",
        ExpressionAttributeValues: { ":v": N(checkpoint), ":h": S(JSON.stringify(holding)), ":one": N(1), ...(acl ? { ":a": S(aclKey(acl)) } : {}) },
      },
    });
    if (!raised.ok) {
      await this.checkpoints.update({
        Key,
        UpdateExpression: "SET holding = :h ADD saves :one",
        ExpressionAttributeValues: { ":h": S(JSON.stringify(holding)), ":one": N(1) },
      });
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

function checkpointKey(doc: DocRef): Item {
  return { pk: S(docKey(doc)), sk: S(LOG_CHECKPOINT_SK) };
}

/** Where the checkpoint lived before cut 27 (docs/cost.md): the state table, sk `ckpt`. */
const LEGACY_CHECKPOINT_SK = "ckpt";

function legacyKey(doc: DocRef): Item {
  return { pk: S(docKey(doc)), sk: S(LEGACY_CHECKPOINT_SK) };
}

/** The checkpoint item's fields (a never-saved document: checkpoint 0, nothing holding, no saves). */
function fromCheckpoint(ckpt: Item | undefined): { checkpoint: number; holding: string[]; saves: number; acl?: DocAcl } {
  return {
    checkpoint: ckpt?.asOf ? num(ckpt, "asOf") : 0,
    holding: ckpt?.holding ? (JSON.parse(str(ckpt, "holding")) as string[]) : [],
    saves: ckpt?.saves ? num(ckpt, "saves") : 0,
    ...aclOf(ckpt),
  };
}

/** The checkpoint and ACL of a checkpoint item (`access`). */
function accessOf(ckpt: Item | undefined): { checkpoint: number; acl?: DocAcl } {
  const { checkpoint, acl } = fromCheckpoint(ckpt);
  return acl ? { checkpoint, acl } : { checkpoint };
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
