import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { type DemoStack, startDemoStack } from '../demo/stack.ts';

export const WIDGET_BUNDLE = new URL('../../dist/widget/flinks-connect.js', import.meta.url).pathname;

export type _Stack = DemoStack;

/** Starts the sandbox and the demo partner site, as `npm start` does, on free ports. */
export async function _startStack(): Promise<_Stack> {
  if (!existsSync(WIDGET_BUNDLE))
    throw new Error(`${WIDGET_BUNDLE} is missing: run \`npm run build\` first.`);
  return startDemoStack();
}

/** Everything a browser context sent, and every CSP or Trusted Types complaint its pages logged. */
export interface _Recorder {
  /** The text of every request (method, URL, headers, body) as it left, to search for secrets. */
  requests: string[];
  violations: string[];
}

export function _record(context: BrowserContext): _Recorder {
  const requests: string[] = [];
  const violations: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Trusted ?Type|TrustedHTML|TrustedScript/i.test(text))
        violations.push(text);
    });
    page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
  };
  // Recorded when sent: a popup's requests cannot be read any more once it has closed itself.
  context.on('request', (request: Request) =>
    requests.push(
      `${request.method()} ${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ''}`,
    ),
  );
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return { requests, violations };
}

/** Signs in at the sandbox bank with the given user and answers the consent page. */
export async function _signInAndDecide(
  bank: Page,
  decision: 'Allow' | 'Deny',
  user = { username: 'greatday', password: 'everyday' },
): Promise<void> {
  await bank.waitForLoadState('domcontentloaded');
  await bank.getByLabel(/username|user name|nom d'utilisateur/i).fill(user.username);
  await bank.getByLabel(/password|mot de passe/i).fill(user.password);
  await bank.getByRole('button', { name: 'Sign in' }).click();
  await bank.getByRole('button', { name: decision }).click();
}

export type { Browser };
