/**
 * Resolves in a later turn of the event loop, among its timers.
 *
 * Answers of many accounts arrive together and are all handled in one I/O phase of the event loop;
 * the timers that pace each account's next request (src/http/pacing.ts) wait until that phase is over.
 * Work that follows an answer and is sizeable (planning an account after its list, settling a batch of
 * verified writes) awaits this first, so it runs as one timer among the pacing timers and those fire
 * between one account's work and the next. Done in the I/O phase, 60 accounts' planning starved the
 * timers of accounts already writing for seconds: one write, then nothing until every account was
 * planned (issue 30).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
