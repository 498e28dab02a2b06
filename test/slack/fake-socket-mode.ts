import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A message the app sent back over the connection: an ack `{ envelope_id, payload? }`. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * Slack's Socket Mode end on loopback, speaking its envelope protocol: on connect it sends
 * `hello`; `send` wraps a payload in an envelope (`slash_commands`, `interactive`, `events_api`)
 * with a fresh envelope_id and resolves with the app's ack for that id. apps.connections.open is
 * faked by the fake Web API (test/slack/fake-slack.ts), which answers with `url`.
 */
export interface FakeSocketMode {
  url: string;
  /** Connections opened so far. */
  connections: number;
  acks: SocketAck[];
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, extra?: Record<string, unknown>): Promise<SocketAck>;
  close(): Promise<void>;
}

export async function startFakeSocketMode(appId = 'A0SOCKET'): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let socket: WebSocket | undefined;
  const waiting = new Map<string, (ack: SocketAck) => void>();
  const fake: FakeSocketMode = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/?ticket=${randomUUID()}&app_id=${appId}`,
    connections: 0,
    acks: [],
    send(type, payload, extra = {}) {
      if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
      const envelopeId = randomUUID();
      const acked = new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${type} envelope ${envelopeId} within 5 s`)), 5000);
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
      });
      socket.send(JSON.stringify({ envelope_id: envelopeId, payload, type, accepts_response_payload: type !== 'events_api', ...extra }));
      return acked;
    },
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', (ws) => {
    socket = ws;
    fake.connections++;
    ws.on('message', (data) => {
      const ack = JSON.parse(String(data)) as SocketAck;
      fake.acks.push(ack);
      waiting.get(ack.envelope_id)?.(ack);
      waiting.delete(ack.envelope_id);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 }, connection_info: { app_id: appId } }));
  });
  return fake;
}
