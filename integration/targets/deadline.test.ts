import { expect } from "chai";
import { DeadlineError, Interrupter, withDeadline } from "./deadline";
import { hangingCommand } from "../support/hanging-command";

describe("deadlines for pulumi commands", function () {
  it("returns the result, or rethrows the operation's own error, before the deadline", async () => {
    expect(await withDeadline("x", 1000, 10, async () => 42)).to.equal(42);
    let error: unknown;
    await withDeadline("x", 1000, 10, async () => {
      throw new Error("own");
    }).catch((err) => (error = err));
    expect((error as Error).message).to.equal("own");
  });

  it("interrupts once when the process exits on the first interrupt", async () => {
    const events: string[] = [];
    let error: unknown;
    await withDeadline("pulumi up s", 20, 1000, hangingCommand(1, events, "up")).catch(
      (e) => (error = e),
    );
    expect(events).to.deep.equal(["up: interrupt 1"]);
    expect(error).to.be.instanceOf(DeadlineError);
    expect((error as Error).message).to.equal(
      "pulumi up s did not finish in 0 s; the pulumi process was interrupted and stopped",
    );
  });

  it("an interrupter fires its abort listeners on every interrupt, as Pulumi's second one needs", () => {
    const interrupter = new Interrupter();
    const heard: number[] = [];
    interrupter.signal.addEventListener("abort", () => heard.push(interrupter.interrupts));
    interrupter.interrupt();
    interrupter.interrupt();
    expect(heard).to.deep.equal([1, 2]);
  });
});
