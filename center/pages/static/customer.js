// The customer's voucher page (/v/<id>#<holder secret>). The secret is read from the URL
// fragment and sent only as the holder's bearer key to the JSON API; it is never put in a URL,
// a form or storage. The last state (with its QR code) and the conversation are kept in
// localStorage so the page reads offline; the conversation resumes with since=<last seq>.
(function () {
  "use strict";
  var ascc = window.ascc;
  var root = document.getElementById("voucher-app");
  if (!root || !ascc) return;
  var id = root.getAttribute("data-voucher-id");
  var stateUrl = root.getAttribute("data-state-url");
  var secret = "";
  try { secret = decodeURIComponent(location.hash.slice(1)); } catch (e) { secret = ""; }
  var STORE = "ascc:voucher:" + id;
  var LIVE_STATES = ["assigned", "in_service", "completed", "assessed", "rewarded"];
  var STATE_LABELS = {
    issued: "Issued", activated: "Activated", assigned: "Provider chosen",
    in_service: "In service", completed: "Service completed", assessed: "Assessed",
    rewarded: "Rewarded", voided: "Voided", expired: "Expired"
  };
  var INCENTIVE_LABELS = {
    issued: "Ready to release", released: "Released to the provider",
    redeemed: "Redeemed by the provider", lapsed: "Lapsed", cancelled: "Cancelled"
  };
  var ACTION_LABELS = {
    issue: "Issued", activate: "Activated", assign: "Provider chosen",
    arrange: "Appointment agreed", redeem: "Service started", complete: "Service completed",
    assess: "Assessed", reward: "Rewarded", void: "Voided", expire: "Expired",
    reinstate: "Reinstated", "incentive.issue": "Thank-you issued",
    "incentive.release": "Thank-you released to the provider",
    "incentive.redeem": "Thank-you redeemed by the provider",
    "incentive.lapse": "Thank-you lapsed", "incentive.cancel": "Thank-you cancelled"
  };
  var view = null;
  var chat = { frames: [], lastSeq: 0, pending: {}, socket: null, retry: 0, timer: null, closed: false };

  function $(name) { return document.getElementById(name); }
  function show(name, visible) { $(name).hidden = !visible; }
  function text(name, value) { $(name).textContent = value == null ? "" : String(value); }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
  function label(state) { return STATE_LABELS[state] || state; }
  function status(message) { text("status", message); show("status", !!message); }
  function problem(message) { text("problem", message); show("problem", !!message); }

  function save() {
    try {
      localStorage.setItem(STORE, JSON.stringify({
        view: view, frames: chat.frames.slice(-200), savedAt: new Date().toISOString()
      }));
    } catch (e) { /* storage full or disabled: the page still works online */ }
  }

  function forget() {  // a link that opens nothing: show nothing kept from an earlier visit
    try { localStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
    Array.prototype.forEach.call(root.querySelectorAll("section.card"), function (card) {
      card.hidden = true;
    });
  }

  function restore() {
    try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }

  // --- rendering -------------------------------------------------------------------------

  function render() {
    if (!view) return;
    var v = view.voucher, p = view.product;
    show("summary", true);
    text("state", label(v.state));
    $("state").setAttribute("data-state", v.state);
    text("program", v.program);
    text("kind", v.kind);
    var price = p.unit_price ? " · " + p.unit_price + " " + (p.currency || "") : "";
    text("product", "Order " + p.order_id + ", line " + p.line_id + ", item " + (p.unit + 1) + price);
    text("valid-until", when(v.valid_until));
    text("provider-name", view.provider
      ? view.provider.name + (view.provider.region ? " (" + view.provider.region + ")" : "")
      : "not chosen yet");
    renderQr();
    show("activate-card", v.state === "issued");
    show("directory-card", v.state === "activated");
    show("conversation-card", LIVE_STATES.indexOf(v.state) >= 0);
    show("assess-card", v.state === "completed");
    show("send-voucher", v.state === "assigned");  // presented once, before the service starts
    renderIncentive();
    renderTimeline();
    if (v.state === "activated" && !$("directory").children.length) loadDirectory();
  }

  function renderQr() {
    var box = $("qr");
    var usable = view.qr_svg && ["voided", "expired"].indexOf(view.voucher.state) < 0;
    show("qr-card", !!usable);
    if (usable && box.getAttribute("data-for") !== view.voucher.token) {
      box.innerHTML = view.qr_svg;  // segno's SVG, made by our server from the signed token
      box.setAttribute("data-for", view.voucher.token);
    }
  }

  function renderIncentive() {
    var incentive = view.incentive;
    show("incentive-card", !!incentive);
    if (!incentive) return;
    text("incentive-amount", incentive.amount + " " + incentive.currency);
    text("incentive-state", INCENTIVE_LABELS[incentive.state] || incentive.state);
    $("incentive-state").setAttribute("data-state", incentive.state);
    show("release", incentive.state === "issued");
    text("incentive-help", incentive.state === "issued"
      ? "Release it to the provider who served you; they can redeem it after " +
        when(incentive.redeemable_at) + "."
      : "");
  }

  function renderTimeline() {
    var list = $("timeline");
    list.textContent = "";
    (view.history || []).forEach(function (event, index, all) {
      var item = ascc.el("li", {}, [
        ascc.el("span", { text: ACTION_LABELS[event.action] || label(event.to || event.action) }),
        ascc.el("span", { "class": "who", text: when(event.at) })
      ]);
      if (index === all.length - 1) item.className = "current";
      list.appendChild(item);
    });
    show("timeline-card", list.children.length > 0);
  }

  // --- the voucher's state and actions ---------------------------------------------------

  // What this device kept from an earlier visit: shown only once the server has accepted the
  // secret again, or when it cannot be reached (offline); never to a link the server refused.
  var kept = null;

  function adoptKept() {
    if (!kept) return;
    chat.frames = kept.frames || [];
    chat.lastSeq = chat.frames.length ? chat.frames[chat.frames.length - 1].seq : 0;
    kept = null;
    redraw();
  }

  async function refresh() {
    try {
      view = await ascc.api(stateUrl, { key: secret });
      adoptKept();
      status("");
      problem("");
      save();
      render();
      if (LIVE_STATES.indexOf(view.voucher.state) >= 0) connect();
    } catch (error) {
      if (error.status === 404 || error.status === 401) {
        view = null;
        kept = null;
        forget();
        problem("This voucher was not found. Check that you opened the whole link you were sent.");
      } else if (error.status === 429) {
        problem("Too many attempts from this device: try again in a minute.");
      } else if (view || (kept && kept.view)) {
        if (!view) { view = kept.view; adoptKept(); render(); }
        status("You are offline: this is your voucher as it was last seen.");
      } else {
        problem("The voucher could not be loaded. Try again when you are online.");
      }
    }
  }

  async function act(button, path, body, done) {
    button.disabled = true;
    problem("");
    try {
      var answer = await ascc.api(path, { key: secret, method: "POST", body: body || {} });
      if (done) done(answer);
      await refresh();
    } catch (error) {
      problem(error.message);
    } finally {
      button.disabled = false;
    }
  }

  async function loadDirectory() {
    var list = $("directory");
    try {
      var page = await ascc.api("/api/v1/providers?sort=rating&category=" +
                                encodeURIComponent(view.voucher.kind));
      list.textContent = "";
      page.items.forEach(function (provider, index) {
        var record = provider.record, inputId = "provider-" + index;
        var rating = record.rating == null ? "not rated yet" : record.rating.toFixed(1) + " of 5";
        var input = ascc.el("input", { type: "radio", name: "provider_id", id: inputId,
                                       value: provider.id, required: "required" });
        var details = ascc.el("span", {}, [
          ascc.el("strong", { text: provider.name }),
          ascc.el("span", { "class": "who", text: "Rating " + rating + " · " + record.reviews +
            " reviews · " + record.completed_services + " services · " +
            (provider.region || "no region given") })
        ]);
        list.appendChild(ascc.el("li", {}, [ascc.el("label", { "class": "radio", "for": inputId },
                                                     [input, details])]));
      });
      if (!page.items.length) list.appendChild(ascc.el("li", { text: "No provider serves this yet." }));
    } catch (error) {
      problem("The providers could not be loaded: " + error.message);
    }
  }

  // --- the conversation (the case's channel) ---------------------------------------------

  function connect() {
    if (chat.socket || chat.closed || !navigator.onLine) return;
    chat.socket = "connecting";
    ascc.api("/api/v1/cases/" + id + "/tickets", { key: secret, method: "POST", body: {} })
      .then(function (ticket) {
        var scheme = location.protocol === "https:" ? "wss:" : "ws:";
        var url = scheme + "//" + location.host + "/ws/cases/" + encodeURIComponent(id) +
          "?ticket=" + encodeURIComponent(ticket.ticket) + "&since=" + chat.lastSeq;
        var socket = new WebSocket(url);
        chat.socket = socket;
        socket.onopen = function () {
          chat.retry = 0;
          text("connection", "Connected.");
          Object.keys(chat.pending).forEach(function (key) {
            socket.send(JSON.stringify(chat.pending[key]));
          });
        };
        socket.onmessage = function (event) { receive(socket, JSON.parse(event.data)); };
        socket.onclose = function (event) { dropped(socket, event.code); };
      })
      .catch(function () { chat.socket = null; later(); });
  }

  function dropped(socket, code) {
    if (chat.socket === socket) chat.socket = null;
    text("connection", "Reconnecting…");
    if (code === 4403) { chat.closed = true; text("connection", "This conversation has ended."); return; }
    later();
  }

  function later() {
    clearTimeout(chat.timer);
    var wait = Math.min(15000, 500 * Math.pow(2, chat.retry++));
    chat.timer = setTimeout(connect, wait);
  }

  function receive(socket, frame) {
    if (frame.type === "ack") { delete chat.pending[frame.client_msg_id]; return; }
    if (frame.type === "error") { problem(frame.detail || frame.code); return; }
    if (frame.type === "resync_required") { chat.frames = []; chat.lastSeq = 0; redraw(); return; }
    if (typeof frame.seq !== "number" || frame.seq <= chat.lastSeq) return;
    if (frame.seq > chat.lastSeq + 1) { socket.close(4000, "gap"); return; }  // never a partial log
    chat.lastSeq = frame.seq;
    chat.frames.push(frame);
    if (frame.client_msg_id) delete chat.pending[frame.client_msg_id];
    redraw();
    save();
    if (frame.type === "system") refresh();
  }

  function answered(seq) {
    return chat.frames.some(function (f) {
      return (f.type === "accept" || f.type === "decline") && f.body && f.body.proposal === seq;
    });
  }

  function describe(frame) {
    var body = frame.body || {};
    if (frame.type === "message") return body.text;
    if (frame.type === "voucher") return "Voucher sent to the provider.";
    if (frame.type === "accept") return "Appointment accepted." + (body.note ? " " + body.note : "");
    if (frame.type === "decline") return "Appointment declined." + (body.note ? " " + body.note : "");
    if (frame.type === "proposal") {
      var w = body.window || {};
      var where = body.remote ? "remote" : (body.place || "");
      return "Appointment proposed: " + when(w.start) + " – " + when(w.end) +
        (where ? ", " + where : "") + (body.note ? ". " + body.note : "");
    }
    if (frame.type === "system" && body.incentive_state) {
      return "Thank-you: " + (INCENTIVE_LABELS[body.incentive_state] || body.incentive_state);
    }
    if (frame.type === "system") return "Voucher: " + label(body.state || body.event);
    return frame.type;
  }

  function redraw() {
    var list = $("messages");
    list.textContent = "";
    chat.frames.forEach(function (frame) {
      var mine = frame.from === "holder";
      var who = frame.from === "system" ? "Update" : (mine ? "You" : "Provider");
      var item = ascc.el("li", { "class": frame.from === "system" ? "system" : (mine ? "mine" : "theirs"),
                                 "data-seq": String(frame.seq), "data-type": frame.type }, [
        ascc.el("span", { "class": "who", text: who + " · " + when(frame.at) }),
        ascc.el("span", { text: describe(frame) })
      ]);
      if (frame.type === "proposal" && !mine && !answered(frame.seq)) {
        item.appendChild(ascc.el("div", { "class": "actions" }, [
          answerButton("accept", "Accept appointment", frame.seq),
          answerButton("decline", "Decline appointment", frame.seq)
        ]));
      }
      list.appendChild(item);
    });
    list.scrollTop = list.scrollHeight;
  }

  function answerButton(type, title, seq) {
    var button = ascc.el("button", { type: "button", "class": type === "accept" ? "" : "secondary",
                                     text: title });
    button.addEventListener("click", function () { send(type, { proposal: seq, note: "" }); });
    return button;
  }

  function send(type, body) {
    var frame = { type: type, client_msg_id: "c-" + Date.now().toString(36) + "-" +
                  Math.random().toString(36).slice(2, 10), body: body };
    chat.pending[frame.client_msg_id] = frame;
    if (chat.socket && chat.socket.readyState === 1) chat.socket.send(JSON.stringify(frame));
    else { status("Your message will be sent when you are back online."); connect(); }
  }

  // --- wiring ------------------------------------------------------------------------------

  $("activate").addEventListener("click", function (event) {
    act(event.currentTarget, "/api/v1/vouchers/" + id + "/activate");
  });
  $("directory-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = event.currentTarget.querySelector("input[name=provider_id]:checked");
    if (chosen) act($("choose"), "/api/v1/vouchers/" + id + "/assign", { provider_id: chosen.value });
  });
  $("message-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = $("message-text");
    if (!field.value.trim()) return;
    send("message", { text: field.value });
    field.value = "";
  });
  $("send-voucher").addEventListener("click", function () {
    if (view && view.voucher.token) send("voucher", { token: view.voucher.token });
  });
  $("assess-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.currentTarget;
    var score = form.querySelector("input[name=score]:checked");
    if (!score) return;
    act($("assess"), "/api/v1/vouchers/" + id + "/assessment",
        { score: Number(score.value), comment: $("assess-comment").value });
  });
  $("release").addEventListener("click", function (event) {
    act(event.currentTarget, "/api/v1/incentives/" + view.incentive.id + "/release",
        { provider_id: view.incentive.provider_id });
  });
  window.addEventListener("online", function () { chat.retry = 0; refresh(); connect(); });
  window.addEventListener("offline", function () {
    status("You are offline: this is your voucher as it was last seen.");
    if (chat.socket && chat.socket.close) chat.socket.close(1000, "offline");
  });

  // Offline reading: the service worker answers from this cache when the network fails.
  function keepOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    var assets = Array.prototype.map.call(
      document.querySelectorAll("link[rel=stylesheet], script[src]"),
      function (node) { return new URL(node.href || node.src, location.href).pathname; });
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: "/v/" })
      .then(function () { return caches.open("ascc-pages-v1"); })
      .then(function (cache) { return cache.addAll([location.pathname].concat(assets)); })
      .then(function () { root.setAttribute("data-offline-ready", "true"); })
      .catch(function () { /* offline reading then relies on localStorage only */ });
  }
  if (navigator.onLine) keepOffline();

  if (secret.indexOf("hld_") !== 0) {
    problem("This link is incomplete: open the whole link you were sent (it ends with a secret part after #).");
    return;
  }
  kept = restore();
  refresh();
})();
