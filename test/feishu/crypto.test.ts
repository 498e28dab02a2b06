import { readFileSync } from 'node:fs';
import { EventDispatcher, LoggerLevel } from '@larksuiteoapi/node-sdk';
import { describe, expect, it } from 'vitest';
import { buildEncryptedRequest, decryptPayload, encryptPayload, verifySignature } from '../../adapters/feishu/crypto.js';
import { verifyDelivery } from '../../adapters/feishu/verify.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/feishu/${name}`, import.meta.url), 'utf8')) as T;
const sdkVector = fixture<{ _meta: { encrypt_key: string; expected_challenge: string }; payload: { encrypt: string } }>(
  'url_verification.encrypted.sdk_test.json',
);
const message = fixture<{ payload: { header: { token: string } } }>('im.message.receive_v1.json').payload;
const KEY = 'test-encrypt-key';
const TOKEN = message.header.token;

describe('Feishu payload crypto', () => {
  it('decrypts the SDK’s own encrypted challenge vector', () => {
    const plain = JSON.parse(decryptPayload(sdkVector._meta.encrypt_key, sdkVector.payload.encrypt)) as { challenge: string };
    expect(plain.challenge).toBe(sdkVector._meta.expected_challenge);
  });

  it('encrypts so that the SDK decrypts and its signature check accepts the request', async () => {
    const { body, headers } = buildEncryptedRequest(KEY, message);
    let seen: unknown;
    const dispatcher = new EventDispatcher({ encryptKey: KEY, loggerLevel: LoggerLevel.fatal }).register({
      'im.message.receive_v1': async (data: unknown) => {
        seen = data;
        return 'handled';
      },
    });
    const data = Object.assign(Object.create({ headers }), JSON.parse(body));
    expect(await dispatcher.invoke(data)).toBe('handled');
    expect(seen).toMatchObject({ event_id: '5e3702a84e847582be8db7fb73283c02', message: { chat_type: 'group' } });
  });

  it('uses a fresh IV each time', () => {
    expect(encryptPayload(KEY, '{}')).not.toBe(encryptPayload(KEY, '{}'));
  });

  it('rejects a signature made over another body', () => {
    const { body, headers } = buildEncryptedRequest(KEY, message);
    const sig = { timestamp: headers['x-lark-request-timestamp'], nonce: headers['x-lark-request-nonce'], signature: headers['x-lark-signature'] };
    expect(verifySignature(KEY, sig, body)).toBe(true);
    expect(verifySignature(KEY, sig, body.replace(/.$/, ' }'))).toBe(false);
    expect(verifySignature('other', sig, body)).toBe(false);
  });
});

describe('Feishu delivery verification', () => {
  const options = { encryptKey: KEY, verificationToken: TOKEN };

  it('accepts an encrypted, signed payload carrying the verification token', () => {
    const { body, headers } = buildEncryptedRequest(KEY, message);
    const v = verifyDelivery(body, headers, options);
    expect(v).toMatchObject({ ok: true, payload: { header: { event_id: '5e3702a84e847582be8db7fb73283c02' } } });
  });

  it('refuses a captured delivery replayed after five minutes, and one stamped in the future', () => {
    const captured = buildEncryptedRequest(KEY, message, () => Date.now() - 6 * 60_000);
    expect(verifyDelivery(captured.body, captured.headers, options)).toEqual({ ok: false, status: 401, error: expect.stringContaining('5 minutes') });
    const ahead = buildEncryptedRequest(KEY, message, () => Date.now() + 6 * 60_000);
    expect(verifyDelivery(ahead.body, ahead.headers, options)).toMatchObject({ ok: false, status: 401 });
    const recent = buildEncryptedRequest(KEY, message, () => Date.now() - 4 * 60_000);
    expect(verifyDelivery(recent.body, recent.headers, options)).toMatchObject({ ok: true });
  });

  it('rejects a payload encrypted with another key as undecryptable (400)', () => {
    const { body, headers } = buildEncryptedRequest('wrong-key', message);
    expect(verifyDelivery(body, headers, options)).toMatchObject({ ok: false, status: 400 });
  });

  it('rejects a well-encrypted payload with the wrong token (401), which the SDK would dispatch', () => {
    const forged = { ...message, header: { ...message.header, token: 'not-the-token' } };
    const { body, headers } = buildEncryptedRequest(KEY, forged);
    expect(verifyDelivery(body, headers, options)).toEqual({ ok: false, status: 401, error: expect.stringContaining('verification token') });
  });

  it('rejects a bad signature (401) and a plaintext body when an encrypt key is set (400)', () => {
    const { body, headers } = buildEncryptedRequest(KEY, message);
    expect(verifyDelivery(body, { ...headers, 'x-lark-signature': '00'.repeat(32) }, options)).toMatchObject({ ok: false, status: 401 });
    expect(verifyDelivery(JSON.stringify(message), {}, options)).toMatchObject({ ok: false, status: 400 });
    expect(verifyDelivery('not json', {}, options)).toMatchObject({ ok: false, status: 400 });
  });

  it('accepts an unsigned encrypted URL challenge, whose token still has to match', () => {
    const challenge = { challenge: 'abc', token: TOKEN, type: 'url_verification' };
    const { body } = buildEncryptedRequest(KEY, challenge);
    expect(verifyDelivery(body, {}, options)).toMatchObject({ ok: true, payload: { challenge: 'abc' } });
    const { body: forged } = buildEncryptedRequest(KEY, { ...challenge, token: 'x' });
    expect(verifyDelivery(forged, {}, options)).toMatchObject({ ok: false, status: 401 });
  });

  it('checks only the token when no encrypt key is configured', () => {
    const plain = fixture<{ payload: Record<string, unknown> }>('url_verification.plain.json').payload;
    expect(verifyDelivery(JSON.stringify(plain), {}, { verificationToken: TOKEN })).toMatchObject({ ok: true });
    expect(verifyDelivery(JSON.stringify(plain), {}, { verificationToken: 'other' })).toMatchObject({ ok: false, status: 401 });
  });
});
