// Small helpers shared by the relay tests: waiting, and reading what a stream holds.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` (sync or async) is true, or fails after `ms`. */
export async function until(what, cond, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** How many messages `stream` holds, and their distinct Nats-Msg-Id headers. */
export async function stored(jsm, stream) {
  const { state } = await jsm.streams.info(stream);
  const ids = new Set();
  for (let seq = state.first_seq; seq <= state.last_seq; seq += 250) {
    const batch = [];
    for (let s = seq; s < seq + 250 && s <= state.last_seq; s++) batch.push(jsm.streams.getMessage(stream, { seq: s }));
    for (const m of await Promise.all(batch)) if (m) ids.add(m.header.get("Nats-Msg-Id"));
  }
  return { messages: state.messages, ids };
}
