import { describe, expect, it } from 'vitest';
import { verifySlackRequest } from '@slack/bolt';
import { fixture } from './fixtures.js';
import { sign } from './sign.js';

describe('the test signer', () => {
  it('reproduces the signature of Slack’s documented example', () => {
    const f = fixture('slash_command') as unknown as { raw_body: string; signing_vector: Record<string, string> };
    const v = f.signing_vector;
    expect(sign(v.signing_secret!, Number(v.x_slack_request_timestamp), f.raw_body)).toBe(v.expected_x_slack_signature);
  });

  it('signs requests that Bolt’s own verifier accepts', () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = 'token=x&command=%2Fissue&text=hello';
    expect(() =>
      verifySlackRequest({ signingSecret: 's3cret', body, headers: { 'x-slack-signature': sign('s3cret', ts, body), 'x-slack-request-timestamp': ts } }),
    ).not.toThrow();
  });
});
