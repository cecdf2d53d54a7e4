/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A real streaming HTTP client for Server-Sent Events: `fetch` with a body reader, parsing the
 * stream as it arrives. `next()` resolves with the next event (or rejects after `timeoutMs`).
 */
export class SseClient {
  private readonly queue: SseEvent[] = [];
  private waiters: Array<(event: SseEvent) => void> = [];
  private buffer = '';
  private ended = false;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {}

  /** Opens the stream; resolves once the response headers arrived (whatever the status). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    const client = new SseClient(response, controller);
    if (response.ok && response.body) void client.read(response.body);
    return client;
  }

  get status(): number {
    return this.response.status;
  }

  get done(): boolean {
    return this.ended;
  }

  next(timeoutMs = 5000): Promise<SseEvent> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a server-sent event`));
      }, timeoutMs);
      const waiter = (event: SseEvent) => {
        clearTimeout(timer);
        resolve(event);
      };
      this.waiters.push(waiter);
    });
  }

  /** The next event named `name`, skipping others. */
  async nextOf(name: string, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (event.event === name) return event;
    }
  }

  close(): void {
    this.controller.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          this.dispatch(block);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      this.ended = true;
    }
  }

  private dispatch(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const parsed = { event, data: data.join('\n') };
    const waiter = this.waiters.shift();
    if (waiter) waiter(parsed);
    else this.queue.push(parsed);
  }
}
