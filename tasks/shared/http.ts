/**
 * A plain HTTP GET shaped like an AWS SDK v3 command, so a task sends it through the same `send(command)` as
 * every other client: the deployed `HttpClient` performs it with `fetch`, the offline engine's client sends it to
 * the simulated region's `http` service (action `Get`, from the class name `GetCommand`).
 */

export interface GetCommandInput {
  readonly Url: string;
  /** Seconds to wait for the whole answer (connect, headers, body). */
  readonly TimeoutSeconds: number;
}

export interface GetCommandOutput {
  readonly StatusCode: number;
  readonly Body: string;
}

/** GET `Url`, giving up after `TimeoutSeconds`. The class name is the action the engine dispatches on. */
export class GetCommand {
  constructor(readonly input: GetCommandInput) {}
}

/** Bodies longer than this are cut: a status page answers a word, anything longer is not one. */
export const MAX_BODY_CHARACTERS = 4096;

/**
 * An HTTP error without a response, named like Node's network errors so that callers (and the engine's
 * simulated endpoints) agree on the names: `ETIMEDOUT`, `ECONNREFUSED`, `ECONNRESET`, `EHOSTUNREACH`, `ENOTFOUND`, …
 */
export class HttpError extends Error {
  constructor(
    /** Node's error code, e.g. `ECONNREFUSED`; `EHTTP` when there is none. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * The deployed client: `fetch` with an AbortSignal timeout, no redirects followed, no retries. A response of
 * any status is returned (the caller decides what a 503 means); only the absence of a response throws.
 */
export class HttpClient {
  async send(command: { readonly input: object }): Promise<GetCommandOutput> {
    const { Url, TimeoutSeconds } = command.input as GetCommandInput;
    try {
      const response = await fetch(Url, {
        method: 'GET',
        redirect: 'manual',
        headers: { accept: 'text/plain, text/html;q=0.9, */*;q=0.1' },
        signal: AbortSignal.timeout(Math.round(TimeoutSeconds * 1000)),
      });
      const body = await response.text();
      return { StatusCode: response.status, Body: body.slice(0, MAX_BODY_CHARACTERS) };
    } catch (e) {
      throw toHttpError(e, Url, TimeoutSeconds);
    }
  }
}

/** Names a failed fetch by its cause: a timeout is `ETIMEDOUT`, a network error keeps Node's code. */
export function toHttpError(error: unknown, url: string, timeoutSeconds: number): HttpError {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new HttpError('ETIMEDOUT', `GET ${url}: no answer within ${timeoutSeconds} s`);
  }
  const code = e?.cause?.code ?? 'EHTTP';
  return new HttpError(code, `GET ${url}: ${e?.cause?.message ?? e?.message ?? String(error)}`);
}
