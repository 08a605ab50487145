/**
 * Another process writing the file token store, for the stores tests: says `ready` on stdout, then sets COUNT
 * connections one after another, ids `${PREFIX}${i % IDS}`, access tokens PAD x's then i. Not a test file.
 */
import { createFileTokenStore } from '../../../core/server/node/index.ts';
import { record } from './_connection.ts';

const env = process.env as Record<string, string>;
const store = createFileTokenStore(env.FILE);
const pad = 'x'.repeat(Number(env.PAD));
process.stdout.write('ready\n');
for (let i = 0; i < Number(env.COUNT); i++)
  await store.set(record(`${env.PREFIX}${i % Number(env.IDS)}`, `${pad}${i}`));
