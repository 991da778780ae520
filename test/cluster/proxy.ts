/**
 * A TCP proxy on 127.0.0.1 in front of the test apiserver, for one client whose network the test can cut: `cut()`
 * closes every open connection, and every new one at once, until `heal()` — a network partition between that client
 * and the control plane, while the rest of the control plane keeps working. TLS passes through untouched (the
 * apiserver's certificate is for 127.0.0.1, so the client verifies it as usual).
 *
 * (`socket.resetAndDestroy()` would send RSTs, but on Node 20 it can leave libuv spinning at 100% CPU after the
 * proxy is closed; `destroy()` does not.)
 */
import * as net from 'node:net';

export class TcpProxy {
  /** Starts a proxy to `127.0.0.1:<targetPort>` on a free port of 127.0.0.1. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Connections accepted since the start (cut ones included). */
  accepted = 0;
  /** Connections closed by `cut()` or while cut. */
  closed = 0;
  private partitioned = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `https://127.0.0.1:<port>`: the server URL for the client's kubeconfig. */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.partitioned;
  }

  /** Closes all open connections and, until `heal()`, every new one at once. */
  cut(): void {
    this.partitioned = true;
    for (const s of [...this.sockets]) {
      this.closed += 1;
      s.destroy();
    }
    this.sockets.clear();
  }

  heal(): void {
    this.partitioned = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    if (this.partitioned) {
      this.closed += 1;
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
