/**
 * The demo partner's sandbox credentials. Sandbox-only values: a real client_secret comes from Flinks and
 * lives in the partner's server configuration, never in code a browser loads.
 */
export const DEMO_CLIENT = {
  client_id: 'dc-5d0e7c1a-8f3b-4e2a-9c61-2b7f0a4d9e13',
  client_secret: 'sandbox-demo-secret-7f3c9a1e5b2d4086',
  kind: 'recipient' as const,
  name: 'Maple Budget (demo)',
  active_providers: [1000, 1001, 1002, 1003, 2000, 3000],
};
