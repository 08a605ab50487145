/**
 * `flinks-connect/react`: `<FlinksConnect>` for React 17–19, made with `@lit/react`. Properties are set on the
 * element (not stringified into attributes) and each `flinks-*` event has its `on…` prop:
 *
 * ```tsx
 * <FlinksConnect clientId="dc-…" authorizeUrl="…" redirectUri="…" exchangeUrl="/api/flinks/exchange"
 *   onSuccess={(event) => setConnection(event.detail.result)} />
 * ```
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { FlinksConnect as FlinksConnectElement, type FlinksEventDetails } from './index.ts';

type Detail<N extends keyof FlinksEventDetails> = CustomEvent<FlinksEventDetails[N]>;
type Handler<N extends keyof FlinksEventDetails> = (event: Detail<N>) => void;

/** The element's public properties, each settable as a prop. */
type ElementProps = Partial<
  Pick<
    FlinksConnectElement,
    | 'clientId'
    | 'authorizeUrl'
    | 'redirectUri'
    | 'scope'
    | 'providerId'
    | 'providersUrl'
    | 'exchangeUrl'
    | 'issuer'
    | 'mode'
    | 'exchangeTimeout'
    | 'exchangeCredentials'
    | 'noRedirectFallback'
    | 'exchangeHeaders'
    | 'driver'
  >
>;

/** Props of `<FlinksConnect>`: the element's properties, HTML attributes, and one handler per event. */
export interface FlinksConnectProps
  extends ElementProps,
    Omit<React.HTMLAttributes<FlinksConnectElement>, 'onError'> {
  onOpen?: Handler<'flinks-open'>;
  onSelectProvider?: Handler<'flinks-select-provider'>;
  onAuthorize?: Handler<'flinks-authorize'>;
  onConsent?: Handler<'flinks-consent'>;
  onSuccess?: Handler<'flinks-success'>;
  onExit?: Handler<'flinks-exit'>;
  onError?: Handler<'flinks-error'>;
  onEvent?: Handler<'flinks-event'>;
}

/** `<flinks-connect>` as a React component; its ref is the element. */
export const FlinksConnect: React.ForwardRefExoticComponent<
  FlinksConnectProps & React.RefAttributes<FlinksConnectElement>
> = createComponent({
  react: React,
  tagName: 'flinks-connect',
  elementClass: FlinksConnectElement,
  displayName: 'FlinksConnect',
  events: {
    onOpen: 'flinks-open' as EventName<Detail<'flinks-open'>>,
    onSelectProvider: 'flinks-select-provider' as EventName<Detail<'flinks-select-provider'>>,
    onAuthorize: 'flinks-authorize' as EventName<Detail<'flinks-authorize'>>,
    onConsent: 'flinks-consent' as EventName<Detail<'flinks-consent'>>,
    onSuccess: 'flinks-success' as EventName<Detail<'flinks-success'>>,
    onExit: 'flinks-exit' as EventName<Detail<'flinks-exit'>>,
    onError: 'flinks-error' as EventName<Detail<'flinks-error'>>,
    onEvent: 'flinks-event' as EventName<Detail<'flinks-event'>>,
  },
}) as unknown as React.ForwardRefExoticComponent<
  FlinksConnectProps & React.RefAttributes<FlinksConnectElement>
>;
