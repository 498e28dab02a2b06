import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';

/**
 * A stand-in for the Bot Framework token service on loopback: serves OpenID metadata and a JWKS
 * with one RSA key, and signs channel tokens the way the Bot Connector does (RS256, iss
 * https://api.botframework.com, aud = bot app id, serviceurl claim, endorsements on the key).
 */
export class FakeBotIssuer {
  readonly issuer = 'https://api.botframework.com';
  readonly kid = randomUUID();
  private readonly privateKey: KeyObject;
  private readonly jwk: Record<string, unknown>;
  private server?: Server;
  metadataUrl = '';
  fetches = 0;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', endorsements: ['msteams'] };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.fetches++;
      const base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
      } else if (req.url === '/v1/.well-known/keys') {
        res.end(JSON.stringify({ keys: [this.jwk] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.metadataUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`;
    return this;
  }

  /** A channel token; `key` lets a test sign with a key the bot does not trust. */
  sign(claims: { aud: string; serviceurl: string; iss?: string; expiresInSec?: number }, key: KeyObject = this.privateKey): string {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const header = b64({ alg: 'RS256', typ: 'JWT', kid: this.kid, x5t: this.kid });
    const payload = b64({
      iss: claims.iss ?? this.issuer,
      aud: claims.aud,
      serviceurl: claims.serviceurl,
      nbf: now - 60,
      iat: now - 60,
      exp: now + (claims.expiresInSec ?? 3600),
    });
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A key the fake issuer does not publish. */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/**
 * Outbound credentials for an app id without Azure AD: every connector call is signed with a fixed
 * bearer token the fake connector can check.
 */
export function fixedTokenCredentials(appId: string, token: string): ServiceClientCredentialsFactory {
  return {
    isValidAppId: async (id: string) => id === appId,
    isAuthenticationDisabled: async () => false,
    createCredentials: async () => ({
      signRequest: async (webResource: { headers: { set(name: string, value: string): void } }) => {
        webResource.headers.set('authorization', `Bearer ${token}`);
        return webResource;
      },
    }),
  } as unknown as ServiceClientCredentialsFactory;
}
