/**
 * The sandbox's state: clients, provider registrations, connections and everything oidc-provider stores
 * (grants, codes, tokens, sessions, interactions). In memory; with `dataFile`, written to a JSON file after each
 * change and read back at start, so a partner's local clients and connections survive a restart.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Adapter, AdapterPayload } from 'oidc-provider';

export type RegistrationStatus = 'PENDING_APPROVAL' | 'PENDING_ACTIVATION' | 'ACTIVE';
export const REGISTRATION_STATUSES: readonly RegistrationStatus[] = [
  'PENDING_APPROVAL',
  'PENDING_ACTIVATION',
  'ACTIVE',
];

export interface StoredClient {
  client_id: string;
  client_secret: string;
  client_name: string;
  kind: 'partner' | 'recipient';
  redirect_uris: string[];
  /** Data clusters the client may ask for (recipients: set at creation). */
  scope: string[];
  created_at: string;
  /** The partner that created it through POST /recipients, if any. */
  created_by?: string;
  /** Data recipient profile fields (Flinks' recipient management API). */
  profile?: RecipientProfile;
}

/** The optional fields of a data recipient besides name, scope and redirect URIs. */
export interface RecipientProfile {
  logo_uri?: string;
  description?: string;
  terms_uri?: string;
  client_uri?: string;
  country?: string;
  contacts?: string[];
}

export interface Registration {
  client_id: string;
  provider_id: number;
  registration_status: RegistrationStatus;
  requested_on: string;
  updated_on: string;
}

export interface Connection {
  grantId: string;
  client_id: string;
  provider_id: number;
  username: string;
  scopes: string[];
  /** The account ids the customer ticked on the consent page. */
  accountIds: string[];
  created_at: string;
  revoked_at?: string;
}

interface StoredEntry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; absent for entries without expiry. */
  expiresAt?: number;
}

export interface StateData {
  version: 1;
  clients: Record<string, StoredClient>;
  registrations: Registration[];
  connections: Record<string, Connection>;
  oidc: Record<string, Record<string, StoredEntry>>;
  /** The private JWK that signs access tokens (and the JWKS). */
  signing_key?: JsonWebKey;
}

export class SandboxState {
  data: StateData;
  readonly #file: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #swept = Date.now();

  constructor(file?: string) {
    this.#file = file;
    this.data = { version: 1, clients: {}, registrations: [], connections: {}, oidc: {} };
    if (file && existsSync(file)) {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateData>;
      if (raw.version !== 1) throw new Error(`${file} is not a sandbox data file (version ${raw.version})`);
      this.data = { ...this.data, ...raw } as StateData;
    }
  }

  /** Marks the state changed: with a data file, writes it (coalesced to one write per tick). */
  changed(): void {
    if (!this.#file || this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), 0);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#file) return;
    const now = Date.now();
    for (const model of Object.values(this.data.oidc)) {
      for (const [id, entry] of Object.entries(model)) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) delete model[id];
      }
    }
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.#file);
  }

  // -- clients ---------------------------------------------------------------------------------------------

  client(id: string): StoredClient | undefined {
    return Object.hasOwn(this.data.clients, id) ? this.data.clients[id] : undefined;
  }

  putClient(client: StoredClient): void {
    this.data.clients[client.client_id] = client;
    this.changed();
  }

  static newSecret(): string {
    return randomBytes(24).toString('base64url');
  }

  static newRecipientId(): string {
    return `dc-${randomUUID()}`;
  }

  // -- registrations --------------------------------------------------------------------------------------

  registration(clientId: string, providerId: number): Registration | undefined {
    return this.data.registrations.find((r) => r.client_id === clientId && r.provider_id === providerId);
  }

  isActive(clientId: string, providerId: number): boolean {
    return this.registration(clientId, providerId)?.registration_status === 'ACTIVE';
  }

  /** Adds a registration request (or returns the existing one: a repeated request changes nothing). */
  requestRegistration(clientId: string, providerId: number, status: RegistrationStatus = 'PENDING_APPROVAL') {
    const existing = this.registration(clientId, providerId);
    if (existing) return { registration: existing, created: false };
    const now = new Date().toISOString();
    const registration: Registration = {
      client_id: clientId,
      provider_id: providerId,
      registration_status: status,
      requested_on: now,
      updated_on: now,
    };
    this.data.registrations.push(registration);
    this.changed();
    return { registration, created: true };
  }

  // -- oidc-provider storage ------------------------------------------------------------------------------

  #model(name: string): Record<string, StoredEntry> {
    this.data.oidc[name] ??= {};
    return this.data.oidc[name];
  }

  entry(name: string, id: string): StoredEntry | undefined {
    const model = this.#model(name);
    const entry = Object.hasOwn(model, id) ? model[id] : undefined;
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      delete model[id];
      this.changed();
      return undefined;
    }
    return entry;
  }

  /**
   * Drops expired entries, at most once a minute. Expired entries were otherwise only dropped when looked up by
   * id, and nothing looks up an abandoned interaction, a used session or an old code again: memory grew with
   * every flow.
   */
  sweep(): void {
    const now = Date.now();
    if (now - this.#swept < 60_000) return;
    this.#swept = now;
    for (const model of Object.values(this.data.oidc)) {
      for (const [id, entry] of Object.entries(model)) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) delete model[id];
      }
    }
  }

  entries(name: string): [string, StoredEntry][] {
    return Object.entries(this.#model(name));
  }

  /**
   * The adapter factory for oidc-provider. `Client` is served from the sandbox's own client records (so a
   * rotated secret or replaced redirect_uris apply at once); everything else is stored as oidc-provider gives it.
   */
  adapterFor(refreshIdleSeconds: number, clientMetadata: (c: StoredClient) => AdapterPayload) {
    const state = this;
    return class SandboxAdapter implements Adapter {
      readonly name: string;
      constructor(name: string) {
        this.name = name;
      }

      async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
        const entry: StoredEntry = { payload: { ...payload } };
        if (expiresIn) entry.expiresAt = Date.now() + expiresIn * 1000;
        if (this.name === 'RefreshToken') entry.payload.lastUsedAt = Date.now();
        state.#model(this.name)[id] = entry;
        state.sweep();
        state.changed();
      }

      async find(id: string): Promise<AdapterPayload | undefined> {
        if (this.name === 'Client') {
          const client = state.client(id);
          return client ? clientMetadata(client) : undefined;
        }
        const entry = state.entry(this.name, id);
        if (!entry) return undefined;
        if (this.name === 'RefreshToken') {
          // Flinks' refresh tokens expire after 30 days without use; each use starts the period again.
          const last = Number(entry.payload.lastUsedAt ?? 0);
          if (Date.now() - last > refreshIdleSeconds * 1000) return undefined;
          entry.payload.lastUsedAt = Date.now();
          state.changed();
        }
        return { ...entry.payload };
      }

      async findByUid(uid: string): Promise<AdapterPayload | undefined> {
        for (const [id, entry] of state.entries(this.name)) {
          if (entry.payload.uid === uid) return state.entry(this.name, id)?.payload;
        }
        return undefined;
      }

      async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
        for (const [id, entry] of state.entries(this.name)) {
          if (entry.payload.userCode === userCode) return state.entry(this.name, id)?.payload;
        }
        return undefined;
      }

      async consume(id: string): Promise<void> {
        const entry = state.entry(this.name, id);
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
          state.changed();
        }
      }

      async destroy(id: string): Promise<void> {
        delete state.#model(this.name)[id];
        state.changed();
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        const model = state.#model(this.name);
        for (const [id, entry] of Object.entries(model)) {
          if (entry.payload.grantId === grantId) delete model[id];
        }
        state.changed();
      }
    };
  }
}
