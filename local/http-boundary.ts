/**
 * What every server of the local cloud shares, so that no request can take the process (and the
 * in-memory data with it) down:
 *
 * - an error boundary around each request listener: an unexpected error, thrown or rejected, is
 *   logged and answered 500 in API Gateway's built-in error shape (`{"message": ...}`, as
 *   `gateway-responses.ts` renders it without a declared response); the process lives on;
 * - answers to what Node's HTTP parser refuses before a listener runs (headers over its 16 KB, a
 *   malformed request line, CONNECT): a body in the same shape instead of Node's empty one;
 * - bodies read against a limit that is enforced while reading: past it the request is refused at
 *   once and the rest is never buffered.
 */
import type * as http from "node:http";
import type * as net from "node:net";
import { API_GATEWAY_431 } from "../contract/limits";

const INTERNAL = JSON.stringify({ message: "Internal server error" });

/** `listener`, with errors answered 500 and logged instead of ending the process. */
export function guarded(
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
  log: (line: string) => void,
  server: string,
): http.RequestListener {
  return (req, res) => {
    // A client that goes away mid-body makes these emit 'error'; unheard, that would throw.
    req.on("error", (err) => log(`${server}: request stream error: ${err.message}`));
    res.on("error", (err) => log(`${server}: response stream error: ${err.message}`));
    const fail = (err: unknown) => {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`${server}: unexpected error on ${req.method} ${req.url}: ${detail}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(INTERNAL),
      });
      res.end(INTERNAL);
    };
    try {
      Promise.resolve(listener(req, res)).catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

/**
 * Answers what Node's parser refuses before any listener runs, with a body in API Gateway's error
 * shape: 431 for headers (or a URL) over Node's `maxHeaderSize`, 400 for anything else malformed.
 */
export function answerClientErrors(server: http.Server, log: (line: string) => void): void {
  const answer = (socket: net.Socket, tooLarge: boolean, why: string) => {
    const status = tooLarge ? API_GATEWAY_431.status : 400;
    const body = tooLarge ? API_GATEWAY_431.body : JSON.stringify({ message: "Bad Request" });
    const reason = tooLarge ? "Request Header Fields Too Large" : "Bad Request";
    log(`refused before parsing: ${status} (${why})`);
    socket.on("error", () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${API_GATEWAY_431.contentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  server.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    answer(socket, err.code === "HPE_HEADER_OVERFLOW", err.code ?? err.message);
  });
  // CONNECT asks for a tunnel, which no server here offers (unanswered, Node drops the socket).
  server.on("connect", (_req: http.IncomingMessage, socket: net.Socket) =>
    answer(socket, false, "CONNECT"),
  );
}

/**
 * The body, or "too-large" as soon as it passes `limit` (a Content-Length over it: before a byte
 * is read), so the caller answers while the client is still sending. Past the limit nothing is
 * kept: Node discards the rest once the answer is sent (so a client that sent a little too much
 * reads the answer on a clean connection), and once twice `limit` has arrived the
 * connection is cut.
 */
export function readLimited(
  req: http.IncomingMessage,
  limit: number,
): Promise<Buffer | "too-large"> {
  let size = 0;
  const discard = () => {
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 2 * limit) req.socket.destroy();
    });
  };
  if (Number(req.headers["content-length"] ?? 0) > limit) {
    discard();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off("data", onData);
      discard();
      resolve("too-large");
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
