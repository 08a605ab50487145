/**
 * Fault injection for other parts' tests: make the next calls to the token endpoint, /authorize or the FDX
 * API fail or answer slowly. Armed by POST /sandbox/faults (see the README) or per request with the
 * `x-sandbox-fault` header.
 */

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpError, sendJson } from './http.ts';

export const FAULT_KINDS = [
  'server_error',
  'temporarily_unavailable',
  'slow',
  'fdx_500',
  'fdx_503',
  'fdx_1207',
  'fdx_1207_422',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export const FAULT_TARGETS = ['token', 'authorize', 'fdx', 'admin'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export interface Fault {
  kind: FaultKind;
  target: FaultTarget;
  /** How many of the next matching calls fail; default 1. */
  remaining: number;
  /** For `slow`: the delay before the call proceeds normally. Default 2000 ms. */
  delayMs: number;
}

export function parseFault(input: Record<string, unknown>, fallbackTarget?: FaultTarget): Fault {
  const kind = input.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new HttpError(400, {
      error: 'invalid_request',
      error_description: `kind must be one of ${FAULT_KINDS.join(', ')}`,
    });
  }
  const target = input.target ?? fallbackTarget;
  if (typeof target !== 'string' || !(FAULT_TARGETS as readonly string[]).includes(target)) {
    throw new HttpError(400, {
      error: 'invalid_request',
      error_description: `target must be one of ${FAULT_TARGETS.join(', ')}`,
    });
  }
  const count = input.count === undefined ? 1 : Number(input.count);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new HttpError(400, {
      error: 'invalid_request',
      error_description: 'count must be an integer 1–1000',
    });
  }
  const delayMs = input.delay_ms === undefined ? 2000 : Number(input.delay_ms);
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60000) {
    throw new HttpError(400, {
      error: 'invalid_request',
      error_description: 'delay_ms must be an integer 0–60000',
    });
  }
  return { kind: kind as FaultKind, target: target as FaultTarget, remaining: count, delayMs };
}

const FDX_FAULTS: Record<string, { status: number; code: string; message: string }> = {
  fdx_500: { status: 500, code: '500', message: 'Internal server error' },
  fdx_503: { status: 503, code: '503', message: 'Scheduled maintenance' },
  fdx_1207: { status: 429, code: '1207', message: 'Too many requests' },
  // One of Flinks' error tables gives 1207 with HTTP 422.
  fdx_1207_422: { status: 422, code: '1207', message: 'Too many requests' },
};

export class Faults {
  #queue: Fault[] = [];
  #timers = new Set<NodeJS.Timeout>();

  arm(fault: Fault): void {
    this.#queue.push(fault);
  }

  list(): Fault[] {
    return this.#queue.map((f) => ({ ...f }));
  }

  clear(): void {
    this.#queue = [];
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Takes one use of the first fault armed for `target`, if any. */
  take(target: FaultTarget, header?: string | string[]): Fault | undefined {
    if (typeof header === 'string' && header) {
      const [kind, delay] = header.split(';').map((s) => s.trim());
      const delay_ms = delay?.startsWith('delay_ms=') ? delay.slice(9) : undefined;
      return parseFault({ kind, target, ...(delay_ms ? { delay_ms } : {}) });
    }
    const i = this.#queue.findIndex((f) => f.target === target);
    if (i < 0) return undefined;
    const fault = this.#queue[i] as Fault;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#queue.splice(i, 1);
    return { ...fault };
  }

  /**
   * Answers with the fault. For `slow` it only waits and returns false: the call then proceeds. Otherwise it
   * writes the error (RFC 6749 body for OAuth targets, FDX body for the data API) and returns true.
   */
  async apply(fault: Fault, res: ServerResponse, style: 'oauth' | 'fdx'): Promise<boolean> {
    if (fault.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          resolve();
        }, fault.delayMs);
        this.#timers.add(t);
      });
      return false;
    }
    if (style === 'fdx') {
      const f =
        FDX_FAULTS[fault.kind] ??
        (fault.kind === 'temporarily_unavailable' ? FDX_FAULTS.fdx_503 : FDX_FAULTS.fdx_500) ??
        FDX_FAULTS.fdx_500;
      const headers: Record<string, string> = { 'ob-trace-id': randomUUID() };
      if (f?.status === 429 || f?.status === 503) headers['retry-after'] = '1';
      sendJson(
        res,
        f?.status ?? 500,
        { code: f?.code, message: f?.message, debugMessage: 'sandbox fault' },
        headers,
      );
      return true;
    }
    if (
      fault.kind === 'temporarily_unavailable' ||
      fault.kind === 'fdx_503' ||
      fault.kind === 'fdx_1207' ||
      fault.kind === 'fdx_1207_422'
    ) {
      sendJson(
        res,
        503,
        {
          error: 'temporarily_unavailable',
          error_description: 'the service is temporarily unavailable (sandbox fault)',
        },
        { 'retry-after': '1' },
      );
    } else {
      sendJson(res, 500, { error: 'server_error', error_description: 'internal error (sandbox fault)' });
    }
    return true;
  }
}
