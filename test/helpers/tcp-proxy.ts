/**
 * A loopback TCP proxy for outage tests against shared servers that must not be stopped
 * (PostgreSQL, MariaDB): the store connects through it, and the test breaks the link instead
 * of the server.
 *
 * - `hang()`: nothing is forwarded any more, in either direction, but every socket stays open
 *   and new connections are still accepted (what a SIGSTOPped server or a stalled network
 *   looks like). Bytes are held, in order, and `resume()` delivers them.
 * - `kill()`: every connection is reset (RST to the client) and the port stops listening, so
 *   new connections are refused (what a crashed server looks like). `resume()` listens again
 *   on the same port.
 * - `forget()`: the open connections are lost for good without the client being told (a NAT
 *   or firewall dropping its state, a failover to another host behind the same address): their
 *   sockets stay open and silent forever, while new connections are forwarded normally.
 * - `onChunk`: sees every chunk before it is forwarded (or held, or dropped), so a test can
 *   break the link at an exact protocol moment, e.g. when a given write goes out.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyState = 'up' | 'hung' | 'down';
/** `toServer`: client → real server; `toClient`: real server → client. */
export type Direction = 'toServer' | 'toClient';

interface Link {
  id: number;
  client: Socket;
  server: Socket;
  /** Bytes held while hung, per direction, in arrival order. */
  held: Record<Direction, Buffer[]>;
  /** Lost by `forget()`: nothing is forwarded on it any more, and nobody is told. */
  forgotten: boolean;
}

export class TcpProxy {
  /** Called for every chunk before it is forwarded; may call `hang()` or `kill()` to act on it. */
  onChunk: ((chunk: Buffer, direction: Direction, linkId: number) => void) | undefined;
  /** Connections accepted so far (a pool reconnecting shows up here). */
  accepted = 0;
  #state: ProxyState = 'up';
  #server: Server;
  #links = new Set<Link>();
  #nextId = 1;
  #closing: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    server: Server,
    private readonly target: { host: string; port: number },
  ) {
    this.#server = server;
  }

  /** Starts a proxy on 127.0.0.1 (an ephemeral port) in front of `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await listen(server, 0);
    const proxy = new TcpProxy((server.address() as { port: number }).port, server, target);
    server.on('connection', (socket) => proxy.#accept(socket));
    return proxy;
  }

  get state(): ProxyState {
    return this.#state;
  }

  /** Open client connections. */
  get connections(): number {
    return this.#links.size;
  }

  hang(): void {
    if (this.#state === 'up') this.#state = 'hung';
  }

  /** Resets every connection and stops listening (at once; the promise is for the port's release). */
  kill(): Promise<void> {
    if (this.#state === 'down') return this.#closing;
    this.#state = 'down';
    for (const link of this.#links) {
      link.client.resetAndDestroy();
      link.server.destroy();
    }
    this.#links.clear();
    const server = this.#server;
    this.#closing = new Promise<void>((resolve) => server.close(() => resolve()));
    return this.#closing;
  }

  /** Back to forwarding: held bytes are delivered first; after `kill()`, listens on the same port again. */
  async resume(): Promise<void> {
    if (this.#state === 'down') {
      await this.#closing;
      this.#server = createServer((socket) => this.#accept(socket));
      await listen(this.#server, this.port);
    }
    this.#state = 'up';
    for (const link of this.#links) {
      for (const chunk of link.held.toServer.splice(0)) if (link.server.writable) link.server.write(chunk);
      for (const chunk of link.held.toClient.splice(0)) if (link.client.writable) link.client.write(chunk);
    }
  }

  /** Drops every open connection silently (see above) and forwards new ones again. */
  forget(): void {
    for (const link of this.#links) {
      link.forgotten = true;
      link.held.toServer.length = 0;
      link.held.toClient.length = 0;
      // The real server's end is closed (it must not keep a shared server's sessions open),
      // without that close reaching the client.
      link.server.removeAllListeners('end').removeAllListeners('close').destroy();
    }
    if (this.#state === 'hung') this.#state = 'up';
  }

  async close(): Promise<void> {
    this.onChunk = undefined;
    await this.kill();
  }

  #accept(client: Socket): void {
    if (this.#state === 'down') {
      client.resetAndDestroy();
      return;
    }
    this.accepted++;
    const server = connect({ host: this.target.host, port: this.target.port });
    const link: Link = { id: this.#nextId++, client, server, held: { toServer: [], toClient: [] }, forgotten: false };
    this.#links.add(link);
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.on('data', (chunk) => this.#forward(link, chunk, 'toServer'));
    server.on('data', (chunk) => this.#forward(link, chunk, 'toClient'));
    // A clean close is passed on as a clean close (FIN), a failed one as a failure; errors are
    // expected here (resets), not news.
    for (const [from, to] of [[client, server], [server, client]] as const) {
      from.on('error', () => {});
      from.on('end', () => to.end());
      from.on('close', (hadError) => {
        this.#links.delete(link);
        if (hadError) to.destroy();
        else to.end();
      });
    }
  }

  #forward(link: Link, chunk: Buffer, direction: Direction): void {
    this.onChunk?.(chunk, direction, link.id);
    if (this.#state === 'down' || !this.#links.has(link) || link.forgotten) return;
    if (this.#state === 'hung') link.held[direction].push(chunk);
    else (direction === 'toServer' ? link.server : link.client).write(chunk);
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
