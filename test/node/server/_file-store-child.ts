/**
 * Another process writing the file token store, for the stores tests: says `ready` on stdout, then sets COUNT
 * connections one after another, ids `${PREFIX}${i % IDS}`, each with an access token PAD long. Not a test file.
 */
import { createFileTokenStore } from '../../../core/server/node/index.ts';

const env = process.env as Record<string, string>;
const store = createFileTokenStore(env.FILE);
const pad = 'x'.repeat(Number(env.PAD));
process.stdout.write('ready\n');
for (let i = 0; i < Number(env.COUNT); i++) {
  const id = `${env.PREFIX}${i % Number(env.IDS)}`;
  await store.set({
    id,
    provider_id: '1000',
    tokens: { access_token: `${pad}${i}`, token_type: 'bearer', refresh_token: `rt-${id}`, expires_at: 100 },
    status: 'active',
    created_at: 1,
    updated_at: 1,
  });
}
