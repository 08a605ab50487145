import type { FlinksConnect, FlowDriver } from '../widget/index.ts';
import '../widget/index.ts';
import { browser } from './browser.ts';
import { localize, t, uiLanguage } from './i18n.ts';
import {
  type Connection,
  type FinishedAttempt,
  POPUP_PORT,
  type PopupState,
  type PortMessage,
  send,
} from './messages.ts';

const element = document.querySelector('#connect') as FlinksConnect;
const connectArea = document.querySelector('#connect-area') as HTMLElement;
const status = document.querySelector('#status') as HTMLElement;
const setup = document.querySelector('#setup') as HTMLElement;
const list = document.querySelector('#connections') as HTMLUListElement;
const none = document.querySelector('#no-connections') as HTMLElement;
const lang = uiLanguage();
const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
/** Attempts started from this popup: the element shows how they end, the banner would only repeat it. */
const ownSessions = new Set<string>();

localize();

// The element keeps its picker and states; the background runs the flow, so it survives this popup closing.
const driver: FlowDriver = {
  connect(request) {
    ownSessions.add(request.session_id);
    return send({ type: 'connect', ...request });
  },
};
element.driver = driver;

const bankName = (provider_id: string, provider_name?: string) =>
  provider_name || t('bankFallbackName', provider_id);

function outcomeMessage(last: FinishedAttempt): { text: string; kind: 'success' | 'error' | 'info' } {
  const name = bankName(last.provider_id, last.provider_name);
  const outcome = last.outcome;
  if (outcome.type === 'success') return { text: t('statusConnected', name), kind: 'success' };
  if (outcome.type === 'exit') {
    return outcome.reason === 'closed'
      ? { text: t('statusClosed', name), kind: 'info' }
      : { text: t('statusRefused', name), kind: 'info' };
  }
  return { text: t('statusError', [name, outcome.message]), kind: 'error' };
}

function configure(state: PopupState): void {
  const attributes: Record<string, string> = {
    'client-id': state.settings.client_id,
    'authorize-url': state.settings.authorize_url,
    'redirect-uri': browser.identity.getRedirectURL(),
    scope: state.settings.scope,
    'provider-id': state.settings.provider_id,
    'providers-url': state.settings.providers_url,
    issuer: state.settings.issuer,
    lang,
  };
  for (const [name, value] of Object.entries(attributes)) {
    if (value) {
      if (element.getAttribute(name) !== value) element.setAttribute(name, value);
    } else element.removeAttribute(name);
  }
}

function connectionItem(connection: Connection): HTMLLIElement {
  const item = document.createElement('li');
  const name = bankName(connection.provider_id, connection.provider_name);
  const label = document.createElement('span');
  label.className = 'bank';
  label.textContent = name;
  const when = document.createElement('span');
  when.className = 'muted';
  when.textContent = t('connectedOn', dates.format(new Date(connection.connected_at)));
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = t('disconnect');
  button.setAttribute('aria-label', t('disconnectLabel', name));
  button.addEventListener('click', async () => {
    button.disabled = true;
    render(await send({ type: 'disconnect', provider_id: connection.provider_id }));
  });
  item.dataset.providerId = connection.provider_id;
  item.append(label, ' ', when, ' ', button);
  return item;
}

function render(state: PopupState): void {
  setup.hidden = state.configured;
  // On a wrapper: the element's own display style would win over its `hidden` attribute.
  connectArea.hidden = !state.configured;
  (document.querySelector('#setup-message') as HTMLElement).textContent = state.config_error
    ? `${t('setupNeeded')} ${state.config_error}`
    : '';
  if (state.configured) configure(state);

  let banner: { text: string; kind: string } | undefined;
  if (state.pending && !ownSessions.has(state.pending.session_id)) {
    banner = {
      text: t('statusPending', bankName(state.pending.provider_id, state.pending.provider_name)),
      kind: 'info',
    };
  } else if (!state.pending && state.last && !ownSessions.has(state.last.session_id)) {
    banner = outcomeMessage(state.last);
  }
  status.hidden = !banner;
  status.textContent = banner?.text ?? '';
  status.dataset.kind = banner?.kind ?? '';

  list.replaceChildren(...state.connections.map(connectionItem));
  none.hidden = state.connections.length > 0;
}

(document.querySelector('#open-settings') as HTMLButtonElement).addEventListener('click', () => {
  void browser.runtime.openOptionsPage();
  window.close();
});

const port = browser.runtime.connect({ name: POPUP_PORT });
port.onMessage.addListener((message: unknown) => {
  if ((message as PortMessage | undefined)?.type === 'state') render((message as PortMessage).state);
});

// Opening the popup is seeing the last result: it clears the badge.
render(await send({ type: 'ack-last' }));
document.body.dataset.ready = 'true';
