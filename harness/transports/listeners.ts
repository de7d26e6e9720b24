import type { DataListener, DisconnectListener } from './transport';

/**
 * The listener bookkeeping every transport shares: data fan-out and a disconnect that fires
 * at most once. Kept apart so each transport file is only about its own link.
 */
export class TransportListeners {
  private readonly data = new Set<DataListener>();
  private readonly disconnect = new Set<DisconnectListener>();
  private disconnected = false;

  onData(listener: DataListener): () => void {
    this.data.add(listener);
    return () => this.data.delete(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    this.disconnect.add(listener);
    return () => this.disconnect.delete(listener);
  }

  emitData(chunk: Buffer): void {
    for (const l of this.data) l(chunk);
  }

  emitDisconnect(cause: Error | undefined): void {
    if (this.disconnected) return;
    this.disconnected = true;
    for (const l of this.disconnect) l(cause);
  }

  /** A transport that reopens gets a fresh disconnect. */
  rearm(): void {
    this.disconnected = false;
  }
}
