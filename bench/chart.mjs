// The results as an HTML page of SVG bar charts (medians with min–max whiskers), screenshotted to target/bench/chart.png.
import { human } from "./report.mjs";

const W = 960, LABEL = 330, VALUE = 150, BAR_H = 22, GAP = 8;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot" }[c]};`);

/** One horizontal bar panel; `log` for a log10 axis; `goal` draws a dashed target line. */
function panel(title, bars, { log = false, goal = null, goalLabel = "" } = {}) {
  bars = bars.filter((b) => b.row);
  if (!bars.length) return "";
  const plot = W - LABEL - VALUE;
  const maxV = Math.max(...bars.map((b) => b.row.max ?? b.row.median), goal ?? 0) * 1.05;
  const minV = log ? 10 ** Math.floor(Math.log10(Math.min(...bars.map((b) => b.row.min ?? b.row.median)))) : 0;
  const x = (v) => LABEL + (log ? (Math.log10(Math.max(v, minV)) - Math.log10(minV)) / (Math.log10(maxV) - Math.log10(minV)) : v / maxV) * plot;
  const h = 34 + bars.length * (BAR_H + GAP) + 22;
  const out = [`<svg width="${W}" height="${h}" xmlns="http://www.w3.org/2000/svg">`,
    `<text x="0" y="18" class="title">${esc(title)}</text>`];
  if (log) {
    for (let e = Math.log10(minV); 10 ** e <= maxV; e++) {
      const gx = x(10 ** e);
      out.push(`<line x1="${gx}" x2="${gx}" y1="28" y2="${h - 18}" class="grid"/>`,
        `<text x="${gx}" y="${h - 4}" class="tick">${(10 ** e).toLocaleString("en")}</text>`);
    }
  }
  bars.forEach((b, i) => {
    const y = 32 + i * (BAR_H + GAP);
    const { median, min, max, unit } = b.row;
    out.push(`<text x="${LABEL - 8}" y="${y + 15}" class="label">${esc(b.label)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${Math.max(1, x(median) - LABEL)}" height="${BAR_H}" class="${b.wasmq ? "wasmq" : "other"}"/>`);
    if (b.row.runs.length > 1) {
      out.push(`<line x1="${x(min)}" x2="${x(max)}" y1="${y + BAR_H / 2}" y2="${y + BAR_H / 2}" class="whisker"/>`,
        `<line x1="${x(min)}" x2="${x(min)}" y1="${y + 5}" y2="${y + BAR_H - 5}" class="whisker"/>`,
        `<line x1="${x(max)}" x2="${x(max)}" y1="${y + 5}" y2="${y + BAR_H - 5}" class="whisker"/>`);
    }
    out.push(`<text x="${Math.max(x(max ?? median), x(median)) + 6}" y="${y + 15}" class="value">${esc(human(median, unit))}</text>`);
  });
  if (goal != null) {
    const gx = x(goal);
    out.push(`<line x1="${gx}" x2="${gx}" y1="28" y2="${h - 18}" class="goal"/>`,
      `<text x="${gx + 4}" y="${h - 4}" class="goaltext">${esc(goalLabel)}</text>`);
  }
  out.push("</svg>");
  return out.join("\n");
}

/** The whole chart page; the element #chart is what gets screenshotted. */
export function chartHtml({ rows, summary, targets, meta }) {
  const r = (id) => rows.find((x) => x.id === id);
  const n = r("wasmq_memory_node")?.n ?? r("wasmq_memory_chromium")?.n;
  const big = rows.find((x) => x.id.startsWith("fastq_") && x.n !== n)?.n;
  const nn = (v) => (v >= 1e5 ? `10^${Math.log10(v)}` : v?.toLocaleString("en"));
  const mem = (env, envLabel) => [
    { label: `${envLabel} p-queue, ${nn(big)} jobs`, row: r(`pqueue_${big}_${env}`) },
    { label: `${envLabel} fastq, ${nn(big)} jobs`, row: r(`fastq_${big}_${env}`) },
    { label: `${envLabel} p-queue, ${nn(n)} jobs`, row: r(`pqueue_${n}_${env}`) },
    { label: `${envLabel} fastq, ${nn(n)} jobs`, row: r(`fastq_${n}_${env}`) },
    { label: `${envLabel} wasmq memory, ${nn(n)} jobs`, row: r(`wasmq_memory_${env}`), wasmq: true },
  ];
  const kib = (id, label, wasmq) => {
    const row = r(id);
    return { label, wasmq, row: row && { ...row, median: row.median / 1024, min: row.median / 1024, max: row.median / 1024, unit: "KiB gzip" } };
  };
  const kibHuman = (bars) => bars.map((b) => b.row ? { ...b, row: { ...b.row, runs: [0] } } : b);
  const verdicts = targets.map((t) => `<li class="${t.met ? "met" : "missed"}">${t.met ? "met" : "missed"}: ${esc(t.target)} — ${esc(t.measured)}</li>`).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; font: 13px/1.35 system-ui, sans-serif; color: #222; background: #fff; }
    #chart { width: ${W}px; padding: 16px 20px; }
    h1 { font-size: 18px; margin: 0 0 4px; } p.meta { color: #555; margin: 0 0 12px; }
    .title { font-weight: 600; font-size: 14px; } .label { text-anchor: end; font-size: 12.5px; }
    .value { font-size: 12px; fill: #333; } .tick { font-size: 10.5px; fill: #777; text-anchor: middle; }
    .grid { stroke: #e4e4e4; } .wasmq { fill: #6b4fbb; } .other { fill: #9db4cc; }
    .whisker { stroke: #222; stroke-width: 1.2; } .goal { stroke: #c0392b; stroke-dasharray: 5 4; stroke-width: 1.5; }
    .goaltext { fill: #c0392b; font-size: 11px; } ul { margin: 8px 0 0; padding-left: 18px; }
    li.met { color: #1e7b34; } li.missed { color: #b03a2e; } svg { display: block; margin-bottom: 10px; }
  </style></head><body><div id="chart">
  <h1>wasmq beside the anchors — make bench</h1>
  <p class="meta">${esc(`Chromium ${meta.chromium}, Node ${meta.node}, ${meta.cpus} shared cores, ${meta.date.slice(0, 16).replace("T", " ")} UTC. Bars: median of ${meta.runsPerMeasurement} runs; whiskers: min–max. Purple: wasmq.`)}</p>
  ${panel("Durable enqueue in Chromium (IndexedDB), per second — log scale", [
    { label: "IndexedDB ceiling (put, 1,000 per tx)", row: r("idb_ceiling") },
    { label: "IndexedDB, 1 record per 1,000 messages", row: r("idb_batch_ceiling") },
    { label: "Workbox pushRequest, one by one", row: r("workbox_serial") },
    { label: `Workbox pushRequest, ${r("workbox_all")?.n.toLocaleString("en")} at once`, row: r("workbox_all") },
    { label: "wasmq enqueue, one by one", row: r("wasmq_idb_serial"), wasmq: true },
    { label: `wasmq enqueue, ${r("wasmq_idb_burst")?.n.toLocaleString("en")} at once (durable)`, row: r("wasmq_idb_burst"), wasmq: true },
    { label: "wasmq enqueue → handler → ack", row: r("wasmq_idb_e2e"), wasmq: true },
  ], { log: true })}
  ${panel("In memory, jobs per second at concurrency 16 (no-op async job) — log scale",
    [...mem("node", "Node"), ...mem("chromium", "Chromium")], { log: true })}
  ${panel("Open with pending messages in IndexedDB (ms; goal < 1 s for 10^5)", [
    { label: "Queue.open, 10^5 pending", row: r("open_100000"), wasmq: true },
    { label: "Queue.open, 10^6 pending (1 run)", row: r("open_1000000"), wasmq: true },
  ], { goal: 1000, goalLabel: "goal 1 s" })}
  ${panel("Download size, gzip -9 (KiB; goal ≤ 60 KiB for wasm + glue)", kibHuman([
    kib("size_total_gzip", "wasmq wasm + JS glue", true),
    kib("size_wasm_gzip", "wasmq_bg.wasm", true),
    kib("size_glue_gzip", "wasmq.js (glue)", true),
    kib("size_workbox_gzip", "workbox-background-sync (minified)"),
  ]), { goal: 60, goalLabel: "goal 60 KiB" })}
  <ul>${verdicts}</ul>
  </div></body></html>`;
}
