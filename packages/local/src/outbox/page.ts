/**
 * The local dev page at /dev/outbox: what the external channels "sent" (newest first) and the
 * faults injected, refreshed every 2 s from GET /v1/dev/outbox. Text goes in via textContent
 * only (notification titles are user content).
 */
export const OUTBOX_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Weft local outbox</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
  th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f4f4; }
  .muted { color: #777; }
  .fail { color: #a00; }
  form { margin-bottom: 1rem; display: flex; gap: .5rem; align-items: center; }
  pre { background: #f7f7f7; padding: .5rem; }
</style>
</head>
<body>
<h1>Local outbox</h1>
<form id="filter">
  <label>userId <input name="userId"></label>
  <label>channel <select name="channel"><option value="">any</option><option>email</option><option>sms</option><option>web_push</option><option>mobile_push</option></select></label>
  <button type="button" id="clear">Clear outbox</button>
  <span class="muted" id="status"></span>
</form>
<h2>Deliveries <span class="muted" id="count"></span></h2>
<table><thead><tr><th>When</th><th>Channel</th><th>Provider</th><th>User</th><th>Target</th><th>Title / body</th><th>Attempt</th><th>Resends</th></tr></thead><tbody id="deliveries"></tbody></table>
<h2>Injected failures</h2>
<table><thead><tr><th>When</th><th>Channel</th><th>Provider</th><th>User</th><th>Attempt</th><th>Result</th></tr></thead><tbody id="failures"></tbody></table>
<h2>Fault rules <span class="muted">(PUT /v1/dev/outbox/faults)</span></h2>
<pre id="faults"></pre>
<script>
const $ = (id) => document.getElementById(id);
function cell(tr, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); }
function when(ms) { return new Date(ms).toISOString().replace("T", " ").replace("Z", ""); }
function target(t) { return t.address || t.number || (t.subscription && t.subscription.endpoint) || t.token || ""; }
function fill(body, rows, render) { body.replaceChildren(...rows.map((r) => { const tr = document.createElement("tr"); render(tr, r); return tr; })); }
async function refresh() {
  const q = new URLSearchParams([...new FormData($("filter")).entries()].filter(([, v]) => v));
  try {
    const [box, faults] = await Promise.all([fetch("/v1/dev/outbox?" + q).then((r) => r.json()), fetch("/v1/dev/outbox/faults").then((r) => r.json())]);
    if (box.error) throw new Error(box.error.message);
    $("count").textContent = "(" + box.deliveries.length + ")";
    fill($("deliveries"), box.deliveries.reverse(), (tr, d) => {
      cell(tr, when(d.deliveredAt)); cell(tr, d.channel); cell(tr, d.provider); cell(tr, d.userId + " @ " + d.tenant);
      cell(tr, target(d.target)); cell(tr, d.title + " — " + d.body); cell(tr, String(d.attempt)); cell(tr, String(d.resends));
    });
    fill($("failures"), box.failures.reverse(), (tr, f) => {
      cell(tr, when(f.at)); cell(tr, f.channel); cell(tr, f.provider); cell(tr, f.userId); cell(tr, String(f.attempt));
      cell(tr, f.result.status + (f.result.kind ? " " + f.result.kind : "") + ": " + f.result.error, "fail");
    });
    $("faults").textContent = JSON.stringify(faults.faults, null, 2);
    $("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (err) {
    $("status").textContent = "refresh failed: " + err.message;
  }
}
$("clear").onclick = () => fetch("/v1/dev/outbox", { method: "DELETE" }).then(refresh);
$("filter").oninput = refresh;
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
