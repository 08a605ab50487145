/**
 * Flinks' access tokens are JWTs carrying `client_id`, `sub` (the customer, for authorization-code tokens) and `exp`.
 * oidc-provider issues opaque tokens and keeps them in the adapter; the sandbox hands out a signed JWT (RFC 9068
 * shape, `typ: at+jwt`) whose `jti` is that opaque token, and maps a presented JWT back to it with {@link tokenId}.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

export interface AccessTokenClaims {
  iss: string;
  /** The customer (FDX customerId) for authorization-code tokens; the client itself for client credentials. */
  sub: string;
  client_id: string;
  /** Epoch seconds. */
  exp: number;
  iat: number;
  scope: string;
  /** The opaque token oidc-provider stored. */
  jti: string;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createAccessTokenSigner(privateJwk: JsonWebKey, kid = 'sandbox') {
  const privateKey: KeyObject = createPrivateKey({ key: privateJwk, format: 'jwk' } as never);
  const publicKey = createPublicKey(privateKey);
  return {
    /** Signs the claims as an ES256 JWT. */
    sign(claims: AccessTokenClaims): string {
      const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid })}.${b64(claims)}`;
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
    /**
     * The stored token behind a presented one: the `jti` of a JWT this sandbox signed, the value itself for an opaque
     * token (refresh tokens stay opaque), undefined for a JWT that is forged or malformed. Expiry is left to
     * oidc-provider, which knows when a token was expired early.
     */
    tokenId(token: string): string | undefined {
      const parts = token.split('.');
      if (parts.length !== 3) return token;
      const [header, payload, signature] = parts as [string, string, string];
      const valid = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
      if (!valid) return undefined;
      try {
        const claims = JSON.parse(
          Buffer.from(payload, 'base64url').toString('utf8'),
        ) as Partial<AccessTokenClaims>;
        return typeof claims.jti === 'string' ? claims.jti : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export type AccessTokenSigner = ReturnType<typeof createAccessTokenSigner>;
