/**
 * A connection record as the file and PostgreSQL store tests write it, and as the other process of the file store
 * tests (_file-store-child.ts) writes it: one shape, so a record read back can be compared whole. Not a test file.
 */
import type { Connection } from '../../../core/server/index.ts';

export const record = (id: string, access_token = `at-${id}`): Connection => ({
  id,
  provider_id: '1000',
  tokens: { access_token, token_type: 'bearer', refresh_token: `rt-${id}`, expires_at: 100 },
  status: 'active',
  created_at: 1,
  updated_at: 1,
});
