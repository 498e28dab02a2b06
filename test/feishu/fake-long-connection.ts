import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The frame of Feishu's long connection (protobuf package `pbbp2`, as the Lark SDK encodes it):
 * `method` 0 = control (ping/pong), 1 = data (events); headers carry the type (`event`), the
 * message id, and for an event split in parts `sum` and `seq`. The client answers a data frame
 * with the same frame, its payload replaced by `{"code":200,"data":"<base64 of the handler's JSON>"}`.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: { fields: { key: { type: 'string', id: 1, rule: 'required' }, value: { type: 'string', id: 2, rule: 'required' } } },
        Frame: {
          fields: {
            SeqID: { type: 'uint64', id: 1, rule: 'required' },
            LogID: { type: 'uint64', id: 2, rule: 'required' },
            service: { type: 'int32', id: 3, rule: 'required' },
            method: { type: 'int32', id: 4, rule: 'required' },
            headers: { type: 'Header', id: 5, rule: 'repeated' },
            payloadEncoding: { type: 'string', id: 6 },
            payloadType: { type: 'string', id: 7 },
            payload: { type: 'bytes', id: 8 },
            LogIDNew: { type: 'string', id: 9 },
          },
        },
      },
    },
  },
});
const Frame = root.lookupType('pbbp2.Frame');

interface DecodedFrame {
  method: number;
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

/** What the client answered to one event: the answer's code and, when the handler returned something, its JSON. */
export interface FrameAnswer {
  code: number;
  data?: Record<string, unknown>;
}

export interface FakeLongConnection {
  /** The WebSocket URL for the fake open API's `/callback/ws/endpoint` (FakeOpenApi.wsUrl). */
  url: string;
  connections: number;
  /** Control frames the client sent (`ping`). */
  pings: number;
  /** Sends an event (a v2 payload) as a data frame, split in `parts`; resolves with the client's answer. */
  send(event: unknown, parts?: number): Promise<FrameAnswer>;
  close(): Promise<void>;
}

export async function startFakeLongConnection(): Promise<FakeLongConnection> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let socket: WebSocket | undefined;
  const waiting = new Map<string, (answer: FrameAnswer) => void>();
  const fake: FakeLongConnection = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    connections: 0,
    pings: 0,
    send(event, parts = 1) {
      if (!socket) return Promise.reject(new Error('no long connection'));
      const messageId = randomBytes(8).toString('hex');
      const bytes = Buffer.from(JSON.stringify(event));
      const answered = new Promise<FrameAnswer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to frame ${messageId} within 5 s`)), 5000);
        waiting.set(messageId, (a) => {
          clearTimeout(timer);
          resolve(a);
        });
      });
      const size = Math.ceil(bytes.length / parts);
      for (let seq = 0; seq < parts; seq++) {
        const frame = Frame.create({
          SeqID: 0,
          LogID: 0,
          service: 7,
          method: 1,
          headers: [
            { key: 'type', value: 'event' },
            { key: 'message_id', value: messageId },
            { key: 'sum', value: String(parts) },
            { key: 'seq', value: String(seq) },
            { key: 'trace_id', value: `trace-${messageId}` },
          ],
          payload: bytes.subarray(seq * size, (seq + 1) * size),
        });
        socket.send(Frame.encode(frame).finish());
      }
      return answered;
    },
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'ws://x');
    if (url.searchParams.get('device_id') !== 'fake-device') {
      ws.close(1008, 'unknown device');
      return;
    }
    socket = ws;
    fake.connections++;
    ws.on('message', (data: Buffer) => {
      const frame = Frame.toObject(Frame.decode(data), { bytes: Buffer as unknown as typeof Uint8Array }) as DecodedFrame;
      const header = (key: string) => frame.headers.find((h) => h.key === key)?.value;
      if (frame.method === 0) {
        if (header('type') === 'ping') fake.pings++;
        return;
      }
      const id = header('message_id');
      if (!id || !frame.payload) return;
      const body = JSON.parse(Buffer.from(frame.payload).toString('utf8')) as { code: number; data?: string };
      waiting.get(id)?.({ code: body.code, data: body.data ? (JSON.parse(Buffer.from(body.data, 'base64').toString('utf8')) as Record<string, unknown>) : undefined });
      waiting.delete(id);
    });
  });
  return fake;
}
