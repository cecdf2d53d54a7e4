// (a) Plain Socket.IO: node http + socket.io, the JWT verified in namespace middleware with
// jsonwebtoken (a KeyObject built once: the fastest way to call it), hand validation, and
// @socket.io/redis-adapter over ioredis when REDIS_URL is set (plain-socket.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server } from 'socket.io';
import { PUBLISH_EVENT, readMetrics } from '../shared.js';
import { servePlain } from './plain-socket.js';

const port = Number(process.env.PORT ?? 3000);

const http = createServer((req, res) => void route(req, res));
const io = new Server(http);
servePlain(io);

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/metrics') {
    const body = readMetrics(url.searchParams.has('gc'), io.of('/').sockets.size);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/publish') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { room, payload } = JSON.parse(Buffer.concat(chunks).toString()) as {
      room: string;
      payload: unknown;
    };
    io.to(room).emit(PUBLISH_EVENT, payload);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  res.writeHead(404).end();
}

http.listen(port, () => process.send?.({ ready: port }) ?? console.log(`plain on ${port}`));
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
