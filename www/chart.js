// Draws the demo's throughput chart (per-second rates over the last minute) on a <canvas>, no library.

const COLORS = { completed: "#1f9d55", retried: "#d98a00", dead: "#d64545" };

/** A round number at or above `v` (1, 2, 5 × 10^k), so grid lines fall on readable values. */
function niceCeil(v) {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Draws `points` ({ completed, retried, dead } per second, oldest first)
 * into `canvas`, as `slots` seconds wide; returns nothing.
 */
export function drawChart(canvas, points, slots) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth;
  const cssH = canvas.clientHeight || 290;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);

  const pad = { l: 44, r: 10, t: 8, b: 22 };
  const w = cssW - pad.l - pad.r;
  const h = cssH - pad.t - pad.b;
  const max = niceCeil(Math.max(0, ...points.map((p) => Math.max(p.completed, p.retried, p.dead))));
  const x = (i) => pad.l + (w * (i + slots - points.length)) / Math.max(1, slots - 1);
  const y = (v) => pad.t + h - (h * v) / max;

  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#6b7485";
  ctx.strokeStyle = "#e3e6eb";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let g = 0; g <= 4; g++) {
    const v = (max * g) / 4;
    const gy = Math.round(y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(pad.l, gy);
    ctx.lineTo(pad.l + w, gy);
    ctx.stroke();
    ctx.fillText(v.toLocaleString("en-US"), pad.l - 6, gy);
  }
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillText(`-${slots}s`, pad.l, pad.t + h + 6);
  ctx.textAlign = "right";
  ctx.fillText("now", pad.l + w, pad.t + h + 6);
  if (points.length < 2) return;

  // Completed as a filled area, retried and dead as lines on top.
  ctx.beginPath();
  ctx.moveTo(x(0), y(0));
  points.forEach((p, i) => ctx.lineTo(x(i), y(p.completed)));
  ctx.lineTo(x(points.length - 1), y(0));
  ctx.closePath();
  ctx.fillStyle = "rgba(31, 157, 85, 0.12)";
  ctx.fill();
  for (const key of ["completed", "retried", "dead"]) {
    ctx.beginPath();
    points.forEach((p, i) => (i ? ctx.lineTo(x(i), y(p[key])) : ctx.moveTo(x(i), y(p[key]))));
    ctx.strokeStyle = COLORS[key];
    ctx.lineWidth = key === "completed" ? 2 : 1.5;
    ctx.lineJoin = "round";
    ctx.stroke();
  }
}
