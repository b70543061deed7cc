// The provider console's progressive part (the pages read without it):
// 1. a token pasted or scanned into a redeem form is checked in the page — its Ed25519 (EdDSA)
//    signature against the hub's published keys (/.well-known/jwks.json, kept for offline use),
//    its subject and its expiry — before the form is sent; the hub checks it again;
// 2. the case's live conversation over the channel's WebSocket (a single-use ticket asked with
//    the session and its CSRF token), resumed after the last seq seen, with messages,
//    appointment proposals and answers to the customer's proposals.

const JWKS_URL = "/.well-known/jwks.json";
const JWKS_KEPT = "ascc-jwks";
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

// ---- tokens -------------------------------------------------------------------------------

function b64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function publishedKeys(fresh) {
  if (!fresh) {
    const kept = localStorage.getItem(JWKS_KEPT);
    if (kept) return JSON.parse(kept);
  }
  const answer = await fetch(JWKS_URL, { credentials: "omit" });
  if (!answer.ok) throw new Error("the hub's keys could not be read");
  const jwks = await answer.json();
  localStorage.setItem(JWKS_KEPT, JSON.stringify(jwks));
  return jwks;
}

async function keyFor(kid) {
  let found = null;
  try {
    found = (await publishedKeys(false)).keys.find((k) => k.kid === kid);
    if (!found) found = (await publishedKeys(true)).keys.find((k) => k.kid === kid);
  } catch (error) {
    if (!found) throw error;
  }
  return found;
}

// The token's claims if its signature, type, subject and expiry hold; else an Error saying why.
export async function checkToken(token, subject, typ) {
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw new Error("this is not a signed token (three dot-separated parts)");
  let header, claims;
  try {
    header = JSON.parse(new TextDecoder().decode(b64url(parts[0])));
    claims = JSON.parse(new TextDecoder().decode(b64url(parts[1])));
  } catch {
    throw new Error("the token cannot be read");
  }
  if (header.alg !== "EdDSA") throw new Error("the token is not signed with EdDSA");
  if ((header.typ || "JWT") !== typ) throw new Error("this is another kind of token");
  const jwk = await keyFor(header.kid);
  if (!jwk) throw new Error("the token is signed by a key the hub does not publish");
  const key = await crypto.subtle.importKey(
    "jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  const signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
  const good = await crypto.subtle.verify({ name: "Ed25519" }, key, b64url(parts[2]), signed);
  if (!good) throw new Error("the signature does not match: the token was altered or forged");
  if (claims.sub !== subject) throw new Error("the token belongs to " + claims.sub + ", not " + subject);
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    throw new Error("the token expired on " + new Date(claims.exp * 1000).toISOString().slice(0, 10));
  }
  return claims;
}

function guardTokenForm(form) {
  const output = form.querySelector("[data-token-check]");
  const field = form.querySelector("textarea[name=token]");
  const send = () => HTMLFormElement.prototype.submit.call(form); // no second submit event
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    output.className = "";
    output.textContent = "Checking the signature…";
    try {
      const claims = await checkToken(field.value, form.dataset.subject, form.dataset.typ);
      output.className = "ok";
      output.textContent = "Signature valid (" + claims.sub + "). Sending…";
      send();
    } catch (error) {
      if (error instanceof DOMException && error.name === "NotSupportedError") {
        output.textContent = "This browser cannot check Ed25519 signatures: the hub will check.";
        send();
        return;
      }
      output.className = "error";
      output.textContent = "Not sent: " + error.message + ".";
      field.focus();
    }
  });
}

document.querySelectorAll("form[data-verify-token]").forEach(guardTokenForm);

// ---- the conversation ---------------------------------------------------------------------

const room = document.getElementById("case");
if (room) converse(room);

function converse(room) {
  const caseId = room.dataset.case;
  const list = document.getElementById("conversation");
  const live = document.getElementById("live");
  const pending = new Map(); // client_msg_id → frame, until acknowledged
  let last = Number(room.dataset.head || 0);
  let socket = null;
  let delay = 500;
  let stopped = false;
  let counter = 0;

  function nextId() {
    counter += 1;
    return "console-" + Date.now().toString(36) + "-" + counter;
  }

  function say(text) { live.textContent = text; }

  function send(frame) {
    frame.client_msg_id = nextId();
    pending.set(frame.client_msg_id, frame);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function line(text) {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  function render(frame) {
    const item = document.createElement("li");
    item.dataset.seq = frame.seq;
    item.dataset.type = frame.type;
    if (frame.from === "provider") item.className = "mine";
    if (frame.from === "system") item.className = "system";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = frame.from + " · " + frame.at.slice(0, 16).replace("T", " ");
    item.append(who);
    const body = frame.body || {};
    if (frame.type === "message") item.append(line(body.text));
    else if (frame.type === "proposal") {
      const where = body.place || "remote";
      item.append(line("Proposed appointment: " + body.window.start + " – " + body.window.end + ", " + where + " #" + frame.seq));
      if (frame.from === "holder") item.append(answerButtons(frame.seq));
    } else if (frame.type === "accept" || frame.type === "decline") {
      item.append(line((frame.type === "accept" ? "Accepted" : "Declined") + " proposal #" + body.proposal));
    } else if (frame.type === "voucher") {
      item.append(line("The customer presented the voucher."));
      const code = document.createElement("code");
      code.className = "token";
      code.dataset.token = "";
      code.textContent = body.token;
      item.append(code);
      offerToken(body.token);
    } else if (frame.type === "system") {
      item.append(line(body.event + (body.state ? " → " + body.state : "")));
      if (body.state) document.getElementById("state").textContent = body.state;
    }
    list.append(item);
  }

  function answerButtons(seq) {
    const box = document.createElement("div");
    box.className = "actions";
    for (const [type, label] of [["accept", "Accept"], ["decline", "Decline"]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = type === "accept" ? "" : "secondary";
      button.textContent = label + " proposal #" + seq;
      button.addEventListener("click", () => {
        send({ type, body: { proposal: seq, note: "" } });
        box.remove();
      });
      box.append(button);
    }
    return box;
  }

  function offerToken(token) {
    const use = document.getElementById("use-presented");
    const field = document.getElementById("token");
    if (!use || !field) return;
    use.hidden = false;
    use.onclick = () => { field.value = token; field.focus(); };
  }

  function receive(frame) {
    if (frame.type === "hello") {
      delay = 500;
      say("Live: connected.");
      for (const waiting of pending.values()) socket.send(JSON.stringify(waiting));
      return;
    }
    if (frame.type === "ack") { pending.delete(frame.client_msg_id); return; }
    if (frame.type === "error") { say("Refused: " + frame.detail); pending.delete(frame.client_msg_id); return; }
    if (frame.type === "typing" || typeof frame.seq !== "number") return;
    if (frame.seq <= last) return;
    if (frame.seq > last + 1) { socket.close(); return; } // a gap: resume from the last seq
    last = frame.seq;
    render(frame);
  }

  async function connect() {
    if (stopped) return;
    try {
      const answer = await fetch(room.dataset.ticketUrl, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf },
      });
      if (!answer.ok) throw new Error("ticket " + answer.status);
      const { ticket } = await answer.json();
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const query = "?ticket=" + encodeURIComponent(ticket) + "&since=" + last;
      socket = new WebSocket(scheme + location.host + "/ws/cases/" + encodeURIComponent(caseId) + query);
    } catch {
      return retry();
    }
    socket.onmessage = (event) => receive(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (event.code === 4403) { stopped = true; say("You are no longer this case's provider."); return; }
      retry();
    };
  }

  function retry() {
    say("Offline: reconnecting…");
    delay = Math.min(delay * 2, 15000);
    setTimeout(connect, delay);
  }

  const message = document.getElementById("send-message");
  message.hidden = false;
  message.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = message.elements.text.value.trim();
    if (text) send({ type: "message", body: { text } });
    message.reset();
  });
  const proposal = document.getElementById("send-proposal");
  proposal.hidden = false;
  proposal.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = proposal.elements;
    const window_ = { start: new Date(f.start.value).toISOString(), end: new Date(f.end.value).toISOString() };
    const place = f.place.value.trim() || null;
    send({ type: "proposal", body: { window: window_, place, remote: !place, note: "" } });
    proposal.reset();
  });
  document.querySelectorAll("#conversation [data-type=voucher] [data-token]").forEach(
    (code) => offerToken(code.textContent.trim()));
  const answered = new Set([...document.querySelectorAll("#conversation [data-answers]")]
    .map((item) => item.dataset.answers));
  document.querySelectorAll("#conversation li[data-type=proposal]").forEach((item) => {
    const open = !item.classList.contains("mine") && !item.classList.contains("system");
    if (open && !answered.has(item.dataset.seq)) item.append(answerButtons(Number(item.dataset.seq)));
  });
  connect();
}
