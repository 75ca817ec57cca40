import { copyAcl, type DocAcl } from "../../access/doc-acl.js";
import { docKey, type DocRef } from "../../doc-ref.js";
import type { ClientState, Rejection } from "../records.js";
import type { SequencerStateStore } from "../sequencer-state-store.js";

interface DocState {
  checkpoint: number;
  holding: string[];
  saves: number;
  acl?: DocAcl;
  clients: Map<string, ClientState>;
  rejections: Map<string, Rejection>;
}

/** In-memory SequencerStateStore: the reference implementation of the port contract (deep copies in and out). */
export class MemorySequencerStateStore implements SequencerStateStore {
  private readonly docs = new Map<string, DocState>();

  async client(doc: DocRef, clientId: string): Promise<ClientState | undefined> {
    return (await this.load(doc, [clientId])).clients.get(clientId);
  }

  async load(
    doc: DocRef,
    clientIds: string[],
  ): Promise<{ checkpoint: number; holding: string[]; saves: number; clients: Map<string, ClientState>; acl?: DocAcl }> {
    const state = this.docs.get(docKey(doc));
    const clients = new Map<string, ClientState>();
    if (!state) return { checkpoint: 0, holding: [], saves: 0, clients };
    for (const id of [...clientIds, ...state.holding]) {
      const c = state.clients.get(id);
      if (c) clients.set(id, structuredClone(c));
    }
    return { checkpoint: state.checkpoint, holding: [...state.holding], saves: state.saves, clients, ...(state.acl ? { acl: copyAcl(state.acl) } : {}) };
  }

  async access(doc: DocRef): Promise<{ checkpoint: number; acl?: DocAcl }> {
    const state = this.docs.get(docKey(doc));
    if (!state) return { checkpoint: 0 };
    return { checkpoint: state.checkpoint, ...(state.acl ? { acl: copyAcl(state.acl) } : {}) };
  }

  async accessMany(docs: readonly DocRef[]): Promise<Array<{ checkpoint: number; acl?: DocAcl }>> {
    return Promise.all(docs.map((doc) => this.access(doc)));
  }

  async save(doc: DocRef, clients: ClientState[], checkpoint: number, holding: string[], acl?: DocAcl): Promise<void> {
    const state = this.stateOf(doc);
    for (const c of clients) state.clients.set(c.clientId, structuredClone(c));
    state.holding = [...holding];
    if (checkpoint >= state.checkpoint && acl) state.acl = copyAcl(acl);
    state.checkpoint = Math.max(state.checkpoint, checkpoint);
    state.saves++;
  }

  async putRejections(doc: DocRef, rejections: Rejection[]): Promise<void> {
    const state = this.stateOf(doc);
    for (const r of rejections) state.rejections.set(r.opId, structuredClone(r));
  }

  async getRejection(doc: DocRef, opId: string): Promise<Rejection | undefined> {
    const r = this.docs.get(docKey(doc))?.rejections.get(opId);
    return r && structuredClone(r);
  }

  private stateOf(doc: DocRef): DocState {
    const key = docKey(doc);
    let state = this.docs.get(key);
    if (!state) {
      state = { checkpoint: 0, holding: [], saves: 0, clients: new Map(), rejections: new Map() };
      this.docs.set(key, state);
    }
    return state;
  }
}
