import { createCipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AESCipher } from '@larksuiteoapi/node-sdk';

/**
 * Feishu's payload encryption and request signature, as the open platform applies them when an
 * Encrypt Key is set on the app:
 * - body `{"encrypt": base64(iv16 ‖ AES-256-CBC(key = SHA-256(encryptKey), PKCS#7, json))}`;
 * - headers `X-Lark-Request-Timestamp`, `X-Lark-Request-Nonce` and
 *   `X-Lark-Signature = hex(SHA-256(timestamp + nonce + encryptKey + rawBody))`.
 * Decryption uses the SDK's own `AESCipher`; the SDK has no encrypt, so `encryptPayload` is ours
 * (used by tests, the bench and anyone replaying a delivery by hand).
 */

/** Decrypts an `encrypt` field; throws when the key is wrong or the data is damaged. */
export function decryptPayload(encryptKey: string, encrypt: string): string {
  return new AESCipher(encryptKey).decrypt(encrypt);
}

/** Encrypts a JSON text exactly as Feishu does (random IV prepended, base64). */
export function encryptPayload(encryptKey: string, plaintext: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** The `X-Lark-Signature` value for a raw body. */
export function signature(encryptKey: string, timestamp: string, nonce: string, rawBody: string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey + rawBody).digest('hex');
}

/** Constant-time check of a request's signature headers against its raw body. */
export function verifySignature(encryptKey: string, headers: SignatureHeaders, rawBody: string): boolean {
  const { timestamp, nonce, signature: given } = headers;
  if (!timestamp || !nonce || !given) return false;
  const expected = Buffer.from(signature(encryptKey, timestamp, nonce, rawBody), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface SignatureHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

/** The headers and body Feishu sends for a payload when an Encrypt Key is set. */
export function buildEncryptedRequest(
  encryptKey: string,
  payload: unknown,
  now: () => number = Date.now,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ encrypt: encryptPayload(encryptKey, JSON.stringify(payload)) });
  const timestamp = String(Math.floor(now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': signature(encryptKey, timestamp, nonce, body),
    },
  };
}
