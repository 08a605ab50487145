// The Custom Elements Manifest that `vite build` writes: it must describe the public contract of DESIGN.md, so
// IDEs and docs show partners the real attributes, events, parts and properties.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const file = new URL('../../../custom-elements.json', import.meta.url);

interface Item {
  name: string;
}

function element(): Record<string, Item[] | string | boolean> {
  assert.ok(existsSync(file), `${file.pathname} is missing: run \`npm run build\` first.`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { modules: { declarations?: Item[] }[] };
  const found = manifest.modules
    .flatMap((m) => m.declarations ?? [])
    .find((d) => (d as unknown as { tagName?: string }).tagName === 'flinks-connect');
  assert.ok(found, 'no <flinks-connect> declaration in custom-elements.json');
  return found as unknown as Record<string, Item[] | string | boolean>;
}

const names = (items: unknown) => (items as Item[]).map((i) => i.name).sort();

describe('custom-elements.json', () => {
  it('lists the attributes of the contract, and no internal state', () => {
    const attributes = names(element().attributes);
    for (const name of [
      'client-id',
      'authorize-url',
      'redirect-uri',
      'scope',
      'provider-id',
      'providers-url',
      'exchange-url',
      'issuer',
      'mode',
      'lang',
      'exchange-timeout',
      'exchange-credentials',
      'no-redirect-fallback',
    ]) {
      assert.ok(attributes.includes(name), `attribute ${name} is missing`);
    }
    assert.deepEqual(
      attributes.filter((a) => a.startsWith('_')),
      [],
    );
  });

  it('lists every event, the parts, the custom properties and the public methods', () => {
    const el = element();
    assert.deepEqual(names(el.events), [
      'flinks-authorize',
      'flinks-consent',
      'flinks-error',
      'flinks-event',
      'flinks-exit',
      'flinks-open',
      'flinks-select-provider',
      'flinks-success',
    ]);
    for (const part of ['button', 'status', 'picker', 'item'])
      assert.ok(names(el.cssParts).includes(part), part);
    assert.ok(names(el.cssProperties).every((p) => p.startsWith('--flinks-connect-')));
    const members = names(el.members);
    for (const member of ['open', 'close', 'reset', 'state', 'driver', 'exchangeHeaders', 'onSuccess']) {
      assert.ok(members.includes(member), `member ${member} is missing`);
    }
    assert.deepEqual(
      members.filter((m) => /^[#_]/.test(m)),
      [],
    );
  });
});
