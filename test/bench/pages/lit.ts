/**
 * The start-up reference: a Lit element with one button and nothing else, in a bundle that also evaluates all of
 * the widget's code, as the widget's own bundle does at load (built from the same sources and the same Lit, its
 * server-safe build, see widget/vite.widget.ts; within a few per cent of the widget's size). Its start-up is the
 * least any element in the widget's bytes can cost, so the difference is what the widget's element itself
 * costs: its properties, stylesheet, controllers and first render. Start-up only: its button does nothing.
 */
import { html, LitElement } from 'lit';
import { FlinksConnect } from '../../../widget/flinks-connect.ts';
import { relayCallback } from '../../../widget/relay.ts';

// Kept, so the bundler leaves in the widget's whole module graph; run as the widget's entry runs them.
Object.assign(window, { __widget: FlinksConnect });
relayCallback(window);

class LitButton extends LitElement {
  override render() {
    return html`<button part="button"><slot>Connect your bank</slot></button>`;
  }
}
customElements.define('flinks-connect', LitButton);
