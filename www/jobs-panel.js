// The demo's "Waiting jobs" panel: the first page of queue.jobs() (id, state, tries, due time, group, payload) with a Cancel button per waiting job.
const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString("en-US");
/** Jobs the panel lists: one page, the first ones by id. */
export const JOBS_PAGE = 20;
/** The refusals of cancel() that are an outcome to show, not a failure of the page. */
const REFUSALS = {
  JOB_IN_FLIGHT: "it is running now",
  NOT_FOUND: "it is no longer waiting (completed, dead or cancelled)",
};

/** A payload as a short line of JSON. */
export const preview = (payload) => JSON.stringify(payload)?.slice(0, 60) ?? "";

const emptyRow = () => Object.assign(document.createElement("tr"), { innerHTML: '<td colspan="7" class="muted">Nothing waits.</td>' });

/** `ms` from now as "in 9m 58s" / "3 s ago" / "now". */
function relative(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s === 0) return "now";
  const text = s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s} s`;
  return ms > 0 ? `in ${text}` : `${text} ago`;
}

/**
 * Wires the panel to `queue`; `onError` gets failures that are not a refusal.
 * Returns `{ refresh, cancel }`: `refresh(stats)` re-lists (call it on the stats tick;
 * it skips while a listing is under way, and while nothing waits and nothing is shown);
 * `cancel(id)` is what a row's button does, resolving with the message it showed.
 */
export function startJobsPanel(queue, onError) {
  const rows = new Map(); // job id → its <tr>, kept across refreshes so a button is not replaced under the pointer
  let busy = false;

  function rowFor(job) {
    let tr = rows.get(job.id);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.id = job.id;
      tr.innerHTML = '<td class="num"></td><td></td><td class="num"></td><td class="num"></td><td></td><td><code></code></td><td class="actions"></td>';
      rows.set(job.id, tr);
    }
    const c = tr.children;
    const set = (el, text) => { if (el.textContent !== text) el.textContent = text; };
    set(c[0], String(job.id));
    set(c[1], job.state);
    set(c[2], `${job.attempts} of ${job.maxAttempts}`);
    set(c[3], job.state === "inFlight" ? `started ${relative(job.dueAt - Date.now())}` : relative(job.dueAt - Date.now()));
    set(c[4], job.group ?? "");
    set(c[5].firstChild, preview(job.payload));
    tr.dataset.state = job.state;
    const waiting = job.state !== "inFlight";
    if (waiting !== !!c[6].firstChild) {
      c[6].innerHTML = waiting ? `<button class="small danger" data-id="${job.id}">cancel</button>` : "";
    }
    return tr;
  }

  async function refresh(stats) {
    const waiting = stats.pending + stats.delayed + stats.inFlight;
    if (busy || (waiting === 0 && rows.size === 0)) return;
    busy = true;
    try {
      const list = await queue.jobs({ limit: JOBS_PAGE });
      $("jobs-count").textContent = waiting > list.length ? `(first ${list.length} of ${fmt(waiting)})` : `(${fmt(list.length)})`;
      const keep = new Set(list.map((j) => j.id));
      for (const id of rows.keys()) if (!keep.has(id)) rows.delete(id);
      const next = list.map(rowFor);
      const body = $("job-rows");
      const same = next.length === body.children.length && next.every((tr, i) => body.children[i] === tr);
      if (!same) body.replaceChildren(...(next.length ? next : [emptyRow()]));
    } catch (e) {
      onError(e);
    } finally {
      busy = false;
    }
  }

  async function cancel(id) {
    let text;
    try {
      await queue.cancel(id);
      text = `Cancelled job ${id}.`;
    } catch (e) {
      if (!(e?.code in REFUSALS)) {
        onError(e);
        return null;
      }
      text = `Job ${id} not cancelled: ${REFUSALS[e.code]} (${e.code}).`;
    }
    $("jobs-action").textContent = text;
    await refresh(queue.stats());
    return text;
  }

  $("job-rows").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-id]");
    if (!b) return;
    b.disabled = true;
    cancel(Number(b.dataset.id));
  });
  return { refresh, cancel };
}
