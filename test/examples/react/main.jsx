import { FlinksConnect } from 'flinks-connect/react';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

const env = import.meta.env;

function App() {
  const [status, setStatus] = useState('Not connected');
  return (
    <main>
      <h1>Maple Budget</h1>
      <FlinksConnect
        clientId={env.VITE_FLINKS_CLIENT_ID}
        authorizeUrl={env.VITE_FLINKS_AUTHORIZE_URL}
        issuer={env.VITE_FLINKS_ISSUER}
        redirectUri={`${location.origin}/callback.html`}
        providerId="1000"
        exchangeUrl="/api/flinks/exchange"
        onSuccess={(event) => setStatus(`Connected: ${JSON.stringify(event.detail.result)}`)}
        onError={(event) => setStatus(`Failed: ${event.detail.code}`)}
      />
      <p role="status">{status}</p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
