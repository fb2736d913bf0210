// Server mode needs a ControllingStation on a TCP connection the RTU opened, but the station
// (core/protocols/iec104/controlling-station.ts) can only dial. Until it can adopt an accepted
// socket, the RTU's socket is joined to a one-shot listener on 127.0.0.1 that the station dials:
// bytes are piped both ways unchanged, and either side closing closes the other, so a link the
// station closes (a malformed APDU) drops the RTU's connection and an RTU that hangs up closes
// the station's link.

import { createServer, type Socket } from 'node:net';

export interface Bridge {
  /** The loopback port the station dials. */
  readonly port: number;
  /** Closes both sides (and the listener if the station never came). */
  close(): void;
}

/** Opens the loopback end for `outer`; `outer` is paused until the station connects, so no byte is lost. */
export async function bridgeSocket(outer: Socket, acceptWithinMs: number): Promise<Bridge> {
  outer.pause();
  outer.setNoDelay(true);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let inner: Socket | undefined;
  const close = (): void => {
    clearTimeout(timer);
    server.close();
    inner?.destroy();
    outer.destroy();
  };
  // A station that never dials (it failed before connecting) must not leave the RTU hanging.
  const timer = setTimeout(() => {
    if (inner === undefined) close();
  }, acceptWithinMs);
  timer.unref();
  server.once('connection', (socket) => {
    clearTimeout(timer);
    server.close();
    inner = socket;
    socket.setNoDelay(true);
    outer.pipe(socket);
    socket.pipe(outer);
    socket.on('error', () => outer.destroy());
    socket.on('close', () => outer.destroy());
    outer.resume();
  });
  outer.on('error', () => inner?.destroy());
  outer.on('close', close);
  return { port, close };
}
