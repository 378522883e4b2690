/**
 * DynamoDB Local as the local cloud starts it listens on 127.0.0.1 only: read from the kernel's
 * table of listening sockets, and tried from this machine's other addresses.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import { expect } from "chai";
import { startDynamoDbLocal, type StartedDynamoDbLocal } from "./dynamodb-local";

/** Local addresses listening on `port`, from /proc/net/tcp and tcp6 (Linux), as IP strings. */
function listeningAddresses(port: number): string[] | undefined {
  const out: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(file)) return undefined;
    for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== "0A") continue; // 0A: LISTEN
      const [hex, portHex] = local.split(":");
      if (parseInt(portHex!, 16) !== port) continue;
      out.push(decodeAddress(hex!));
    }
  }
  return out;
}

/** /proc/net's hex address (32-bit words in host order, little-endian here) as text. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => Buffer.from(w, "hex").reverse());
  const bytes = Buffer.concat(words);
  if (bytes.length === 4) return [...bytes].join(".");
  // ::ffff:a.b.c.d, the IPv4-mapped form Java's dual-stack sockets use.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${[...bytes.subarray(12)].join(".")}`;
  }
  return (bytes.toString("hex").match(/.{4}/g) ?? []).join(":");
}

const refused = (host: string, port: number) =>
  new Promise<string>((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });

describe("DynamoDB Local listens on loopback only", function () {
  this.timeout(60_000);
  let engine: StartedDynamoDbLocal;

  before(async () => {
    engine = await startDynamoDbLocal();
  });
  after(() => engine?.stop());

  it("is bound to 127.0.0.1 in the kernel's socket table, not to every interface", function () {
    const addresses = listeningAddresses(engine.port);
    if (!addresses) this.skip(); // no /proc/net: not Linux; the connection test below still runs
    expect(addresses).to.have.length.greaterThan(0);
    for (const address of addresses!)
      expect(address).to.be.oneOf(["127.0.0.1", "::ffff:127.0.0.1"]);
  });

  it("refuses connections on this machine's other addresses and answers on 127.0.0.1", async function () {
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal && a.family === "IPv4")
      .map((a) => a.address);
    expect(await refused("127.0.0.1", engine.port)).to.equal("connected");
    if (!others.length) {
      console.log("      (no non-loopback IPv4 address on this machine: only 127.0.0.1 was tried)");
      return;
    }
    for (const address of others) {
      expect(await refused(address, engine.port), address).to.equal("ECONNREFUSED");
    }
  });
});
