import { FlinksConnect } from './flinks-connect.ts';
import { relayCallback } from './relay.ts';

export {
  type ConnectState,
  type ExchangeHeaders,
  FlinksConnect,
  type FlinksEventDetails,
  type FlowDriver,
  type FlowDriverResult,
  type Provider,
} from './flinks-connect.ts';
export { CALLBACK_CHANNEL, CALLBACK_MESSAGE, type CallbackMessage } from './relay.ts';

// Guarded so the module can be imported on a server (SSR) and loaded twice without throwing.
if (typeof window !== 'undefined' && typeof customElements !== 'undefined') {
  relayCallback(window);
  if (!customElements.get('flinks-connect')) customElements.define('flinks-connect', FlinksConnect);
}
