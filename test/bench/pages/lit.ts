/**
 * The start-up reference: a Lit element with one button and nothing else, built from the same Lit as the widget
 * (its server-safe build, see widget/vite.widget.ts). What Lit itself costs to become clickable, measured beside
 * the widget so that its own share of start-up shows. Start-up only: its button does nothing.
 */
import { html, LitElement } from 'lit';

class LitButton extends LitElement {
  override render() {
    return html`<button part="button"><slot>Connect your bank</slot></button>`;
  }
}
customElements.define('flinks-connect', LitButton);
