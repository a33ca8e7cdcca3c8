/**
 * Resolves in a later turn of the event loop, after the timers and I/O that are due.
 *
 * Answers of many accounts arrive together and are all handled in one I/O phase of the event loop;
 * the timers that pace each account's next request (src/http/pacing.ts) wait until that phase is over.
 * Work that follows an answer and is sizeable (settling an account's campaigns after its list, planning
 * and starting it, settling a batch of verified writes, a piece of apply's plan text) awaits this first.
 * The waiting work is released one piece per turn (in the loop's check phase, FIFO), so the pacing
 * timers and the answers that came in run between one piece and the next: no account waits for more
 * than one piece to send its next request. Done in the I/O phase, 60 accounts' planning starved the
 * timers of accounts already writing for seconds: one write, then nothing until every account was
 * planned (issue 30).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(releaseOne);
    }
  });
}

const waiting: (() => void)[] = [];
let scheduled = false;

function releaseOne(): void {
  const next = waiting.shift();
  if (waiting.length > 0) setImmediate(releaseOne);
  else scheduled = false;
  next?.();
}
