// OpenAnalyst chat client: one websocket to the hub for requests and live events; the hub's
// HTTP API for past conversations (/api/conversations) and for stopping a request (/api/cancel).
// Plain JS served as is; the Markdown renderer and sanitizer come from render.js.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage; // the token and the unfinished requests live as long as the tab
  const R = window.OARender;
  const randomId = (prefix) => {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return prefix + "_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };
  const MAX_ATTACHMENT_BYTES = 40 * 1024; // base64 grows it by a third; a frame is at most 64 KB

  // Close codes that mean "a new token is needed", not "try again".
  const AUTH_CODES = { 4001: "Your token was refused", 4002: "Your token expired", 4003: "Not allowed" };

  const state = {
    socket: null,
    token: null,
    userId: null,
    sessionId: localStorage.getItem("oa.session") || randomId("sess"),
    lastEventId: store.getItem("oa.lastEventId"),
    retryMs: 500,
    connectedOnce: false,
    link: null, // names the current socket: a request is resent only over a later one
    runUrl: null,
    turns: new Map(), // request messageId -> turn
    aliases: new Map(), // answer messageId -> the request whose flow it resumes
    pending: JSON.parse(store.getItem("oa.pending") || "{}"), // messageId -> frame, until it ends
    attachment: null,
    reading: null, // the chosen file while it is read
  };
  localStorage.setItem("oa.session", state.sessionId);

  // ------------------------------------------------------------------ status words
  // One meaning each: "not connected" = no live link to the hub; "no model configured" = answers
  // come from templates (the model badge, separate).
  function setStatus(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = "badge " + kind;
  }

  function showModelHint(offline) {
    $("model-badge").hidden = !offline;
    $("model-hint").hidden = !offline;
    if (offline) store.setItem("oa.offline", "1");
  }

  function showLogin(message) {
    $("app").hidden = true;
    $("menu").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    setStatus("signed out", "offline");
    $("token").focus();
  }

  function showChat() {
    const first = $("app").hidden;
    $("login").hidden = true;
    $("app").hidden = false;
    $("menu").hidden = false;
    if (first) $("input").focus();
  }

  function savePending() {
    store.setItem("oa.pending", JSON.stringify(state.pending));
  }

  // -------------------------------------------------------------------- the log

  function addItem(kind) {
    const li = document.createElement("li");
    li.className = "message " + kind;
    $("messages").appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }

  function userItem(content, attachments) {
    const li = addItem("user");
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = "You: ";
    li.appendChild(who);
    li.appendChild(document.createTextNode(content));
    (attachments || []).forEach((name) => {
      const chip = document.createElement("span");
      chip.className = "chip file";
      chip.textContent = name;
      li.appendChild(chip);
    });
    return li;
  }

  function turn(correlationId) {
    correlationId = state.aliases.get(correlationId) || correlationId;
    let t = state.turns.get(correlationId);
    if (t) return t;
    const el = addItem("assistant pending");
    el.dataset.correlationId = correlationId;
    el.innerHTML =
      '<span class="visually-hidden">OpenAnalyst: </span>' +
      '<div class="working"><div class="progress" role="progressbar" aria-label="Progress of this request" ' +
      'aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div class="fill"></div></div>' +
      '<p class="step">Starting…</p>' +
      '<button type="button" class="ghost small stop">Stop</button></div>' +
      '<div class="answer"></div>';
    t = {
      id: correlationId,
      el,
      working: el.querySelector(".working"),
      bar: el.querySelector(".progress"),
      fill: el.querySelector(".fill"),
      step: el.querySelector(".step"),
      stop: el.querySelector(".stop"),
      answer: el.querySelector(".answer"),
      done: false,
    };
    t.stop.addEventListener("click", () => cancel(t));
    state.turns.set(correlationId, t);
    return t;
  }

  function finish(t, kind) {
    t.done = true;
    t.el.classList.remove("pending");
    t.el.classList.add(kind);
    t.working.hidden = true;
    delete state.pending[t.id];
    for (const [answerId, requestId] of state.aliases) {
      if (requestId === t.id) delete state.pending[answerId];
    }
    savePending();
  }

  function metaLine(t, meta, jobs) {
    const p = document.createElement("p");
    p.className = "meta";
    const parts = [];
    // SOCIAL_MEDIA -> "Social media": the skill's name as a person reads it
    if (meta.skill) parts.push(meta.skill.charAt(0) + meta.skill.slice(1).toLowerCase().replace(/_/g, " "));
    if (meta.duration) parts.push((meta.duration / 1000).toFixed(1) + " s");
    if (meta.mode === "offline" || meta.model === "offline") parts.push("templates (no model)");
    else if (meta.model) parts.push(meta.model);
    p.textContent = parts.join(" · ");
    jobs = (jobs || []).filter(Boolean);
    if (jobs.length && state.runUrl) {
      p.appendChild(document.createTextNode(parts.length ? " · " : ""));
      jobs.slice(0, 5).forEach((job, n) => {
        const a = document.createElement("a");
        a.href = state.runUrl.replace("{job}", encodeURIComponent(job));
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = n === 0 ? "run in Windmill" : "step " + n;
        if (n) p.appendChild(document.createTextNode(", "));
        p.appendChild(a);
      });
    } else if (jobs.length) {
      p.appendChild(document.createTextNode((parts.length ? " · " : "") + jobs.length + " Windmill run(s)"));
    }
    t.answer.appendChild(p);
  }

  function showAnswer(t, content, meta, questions, questionId, images) {
    if (questions && questions.length) {
      const lead = R.withoutQuestionList(content, questions);
      if (lead) t.answer.appendChild(R.markdown(lead, images));
      t.answer.appendChild(
        R.questionForm(questions, (answers) => {
          const summary = Object.values(answers).join(", ");
          return Boolean(sendRequest(summary, { correlationId: questionId, answers }, t.id));
        }),
      );
      t.working.hidden = true;
      return;
    }
    t.answer.appendChild(R.markdown(content, images));
    metaLine(t, meta || {}, (meta && (meta.windmillJobs || meta.jobs)) || []);
    if (meta && (meta.mode === "offline" || meta.model === "offline")) showModelHint(true);
  }

  function showError(t, payload) {
    const p = document.createElement("p");
    if (payload.code === "cancelled") {
      p.className = "stopped";
      p.textContent = payload.error + (payload.action ? " " + payload.action : "");
      finish(t, "stopped");
    } else {
      p.className = "error";
      p.textContent = payload.error + (payload.action ? " — " + payload.action : "");
      finish(t, "failed");
    }
    t.answer.appendChild(p);
  }

  // ----------------------------------------------------------------- requests

  function send(frame) {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  // The browser's IANA timezone ("Europe/Paris"): times a person writes ("Thursday at noon") are
  // read in it until they set one ("set my timezone to ..."). The hub drops anything not a real zone.
  function browserTimezone() {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return typeof zone === "string" && zone ? zone : null;
    } catch (e) {
      return null;
    }
  }

  function sendRequest(content, extra, resumes) {
    const messageId = randomId("msg");
    const payload = { content };
    if (extra && extra.answers) payload.answers = extra.answers;
    if (state.attachment && !resumes) payload.attachments = [state.attachment];
    const timezone = browserTimezone();
    if (timezone && !resumes) payload.timezone = timezone;
    const frame = {
      type: "USER_REQUEST",
      sessionId: state.sessionId,
      messageId,
      timestamp: Date.now(),
      payload,
    };
    if (extra && extra.correlationId) frame.correlationId = extra.correlationId;
    if (!send(frame)) {
      addItem("notice").textContent = "Not connected: your message was not sent. Reconnecting…";
      return null;
    }
    state.pending[messageId] = { frame, resumes: resumes || null, link: state.link };
    savePending();
    userItem(content, payload.attachments ? payload.attachments.map((a) => a.name) : []);
    if (resumes) {
      // Answers resume the original request's flow: its turn shows what follows.
      state.aliases.set(messageId, resumes);
      const t = turn(resumes);
      t.working.hidden = false;
      $("messages").appendChild(t.el);
    } else {
      turn(messageId);
      clearAttachment();
    }
    touchConversation(content);
    return messageId;
  }

  // After a reconnect, requests that never ended are sent again with the same messageId: the hub
  // runs each messageId once and reattaches to the running job.
  function resendPending() {
    for (const entry of Object.values(state.pending)) {
      if (entry.frame.sessionId !== state.sessionId || entry.link === state.link) continue;
      const t = state.turns.get(entry.resumes || entry.frame.messageId);
      if (t && t.done) continue;
      if (entry.resumes) state.aliases.set(entry.frame.messageId, entry.resumes);
      if (send(entry.frame)) entry.link = state.link;
    }
    savePending();
  }

  async function api(path, options) {
    const response = await fetch(path, {
      ...(options || {}),
      headers: { Authorization: "Bearer " + state.token, "Content-Type": "application/json" },
    });
    const body = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body };
  }

  async function cancel(t) {
    t.stop.disabled = true;
    t.stop.textContent = "Stopping…";
    try {
      const r = await api("/api/cancel", { method: "POST", body: JSON.stringify({ messageId: t.id }) });
      if (!r.ok) {
        t.step.textContent = r.body.error || "This request could not be stopped.";
        t.stop.hidden = true;
      }
    } catch (err) {
      t.stop.disabled = false;
      t.stop.textContent = "Stop";
      t.step.textContent = "Not connected: try stopping it again in a moment.";
    }
  }

  // ------------------------------------------------------------- conversations

  function touchConversation(title) {
    const list = $("conversations");
    if (list.querySelector(`[data-id="${state.sessionId}"]`)) return;
    list.prepend(conversationItem({ id: state.sessionId, title }));
    markCurrent();
  }

  function conversationItem(c) {
    const li = document.createElement("li");
    li.dataset.id = c.id;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation";
    button.textContent = c.title || "Untitled";
    if (c.updatedAt) button.title = new Date(c.updatedAt).toLocaleString();
    button.addEventListener("click", () => openConversation(c.id));
    li.appendChild(button);
    return li;
  }

  function markCurrent() {
    document.querySelectorAll("#conversations li").forEach((li) => {
      const button = li.querySelector("button");
      if (li.dataset.id === state.sessionId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    });
  }

  async function loadConversations() {
    const r = await api("/api/conversations").catch(() => null);
    const note = $("history-note");
    if (!r || !r.ok) {
      note.hidden = false;
      note.textContent = "Past conversations cannot be loaded right now.";
      return;
    }
    note.hidden = r.body.kept;
    if (!r.body.kept) note.textContent = "This hub keeps no history: conversations last until you close the tab.";
    const list = $("conversations");
    // A conversation started while the list was on its way is not in it yet: it stays on top.
    const known = new Set(r.body.conversations.map((c) => c.id));
    const started = [...list.children].filter((li) => !known.has(li.dataset.id));
    list.replaceChildren(...started, ...r.body.conversations.map(conversationItem));
    markCurrent();
  }

  async function loadMessages() {
    const r = await api("/api/conversations/" + encodeURIComponent(state.sessionId)).catch(() => null);
    if (!r || !r.ok || !r.body.kept) {
      // No history on this hub: at least show what this tab is still waiting for.
      for (const entry of Object.values(state.pending)) {
        if (entry.frame.sessionId !== state.sessionId || entry.resumes) continue;
        userItem(entry.frame.payload.content);
        turn(entry.frame.messageId).step.textContent = "Reattaching…";
      }
      return;
    }
    const messages = r.body.messages;
    messages.forEach((m, index) => {
      const meta = m.metadata || {};
      if (m.role === "user") {
        if (meta.answers) return; // answers show as the question's filled form
        userItem(m.content, meta.attachments);
        return;
      }
      const requestId = m.id.endsWith(":answer") ? m.id.slice(0, -7) : m.id;
      const t = turn(requestId);
      if (meta.error) {
        showError(t, { error: m.content, action: meta.action, code: meta.code });
      } else if (meta.questions && index === messages.length - 1) {
        showAnswer(t, m.content, meta, meta.questions, meta.questionId, meta.images);
      } else {
        showAnswer(t, m.content, meta, null, null, meta.images);
        finish(t, "done");
      }
    });
    // Asked but not answered yet (still running, or sent just before the reload).
    messages.forEach((m) => {
      if (m.role === "user" && !(m.metadata || {}).answers && !state.turns.has(m.id)) {
        const t = turn(m.id);
        t.step.textContent = state.pending[m.id] ? "Reattaching…" : "Working on it…";
      }
    });
  }

  function clearLog() {
    $("messages").replaceChildren();
    state.turns.clear();
    state.aliases.clear();
  }

  async function openConversation(id) {
    state.sessionId = id;
    localStorage.setItem("oa.session", id);
    clearLog();
    markCurrent();
    closeMenu();
    await loadMessages();
    $("input").focus();
  }

  $("new-conversation").addEventListener("click", () => {
    state.sessionId = randomId("sess");
    localStorage.setItem("oa.session", state.sessionId);
    clearLog();
    markCurrent();
    closeMenu();
    $("input").focus();
  });

  function closeMenu() {
    document.body.classList.remove("menu-open");
    $("menu").setAttribute("aria-expanded", "false");
  }

  $("menu").addEventListener("click", () => {
    const open = document.body.classList.toggle("menu-open");
    $("menu").setAttribute("aria-expanded", String(open));
    if (open) $("new-conversation").focus();
  });

  // ------------------------------------------------------------------- events

  async function onConnected(frame) {
    state.retryMs = 500;
    state.userId = frame.payload.userId;
    setStatus("connected as " + state.userId, "online");
    showChat();
    if (!state.connectedOnce) {
      state.connectedOnce = true;
      const me = await api("/api/me").catch(() => null);
      if (me && me.ok) state.runUrl = me.body.runUrl;
      if (store.getItem("oa.offline")) showModelHint(true);
      await loadConversations();
      await loadMessages();
    } else if (frame.payload.recovered === false) {
      addItem("notice").textContent = "Some updates may have been missed while you were away.";
    }
    // Replayed events arrive right after CONNECTED; resend what is still open after them.
    setTimeout(resendPending, 400);
  }

  // Events of the conversation on screen (or of a request shown here); others stay in the history.
  function mine(frame) {
    const key = frame.correlationId && (state.aliases.get(frame.correlationId) || frame.correlationId);
    return frame.sessionId === state.sessionId || (key && state.turns.has(key));
  }

  function onFrame(frame) {
    if (frame.eventId) {
      state.lastEventId = frame.eventId;
      store.setItem("oa.lastEventId", frame.eventId);
    }
    const key = frame.correlationId;
    switch (frame.type) {
      case "CONNECTED":
        onConnected(frame);
        break;
      case "TASK_PROGRESS": {
        if (!key || !mine(frame)) break;
        const t = turn(key);
        if (t.done) break;
        const p = frame.payload;
        const percent = Math.max(0, Math.min(100, p.percent || 0));
        t.fill.style.width = Math.max(2, percent) + "%";
        t.bar.setAttribute("aria-valuenow", String(percent));
        t.step.textContent = p.message || p.step;
        break;
      }
      case "ASSISTANT_RESPONSE": {
        if (!mine(frame)) break;
        const t = turn(key || frame.messageId);
        if (t.done) break; // already shown (from the history, or a replay)
        const p = frame.payload;
        const meta = p.metadata || {};
        showAnswer(t, p.content, meta, p.questions, frame.messageId, null);
        t.el.scrollIntoView({ block: "end" });
        break;
      }
      case "TASK_COMPLETE": {
        if (!key || !mine(frame)) break;
        const t = turn(key);
        if (!t.done) finish(t, "done");
        break;
      }
      case "TASK_ERROR": {
        if (!key || !mine(frame)) break;
        const t = turn(key);
        if (!t.done) showError(t, frame.payload);
        break;
      }
      case "ERROR": {
        if (key && state.pending[key]) {
          delete state.pending[key];
          savePending();
        }
        addItem("error").textContent = frame.payload.message;
        break;
      }
      default:
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    state.socket = socket;
    state.link = randomId("link");
    setStatus("connecting…", "connecting");
    socket.addEventListener("open", () => {
      // The token goes in the first frame, not the URL, so it never lands in access logs.
      const payload = { token: state.token };
      if (state.lastEventId) payload.lastEventId = state.lastEventId;
      socket.send(JSON.stringify({ type: "AUTH", sessionId: "auth", payload }));
    });
    socket.addEventListener("message", (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (err) {
        console.error("bad frame", err);
      }
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      state.socket = null;
      if (AUTH_CODES[event.code]) {
        store.removeItem("oa.token");
        showLogin(AUTH_CODES[event.code] + (event.reason ? ": " + event.reason : "") + ".");
        return;
      }
      setStatus("not connected · retrying", "offline");
      setTimeout(connect, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, 15000);
    });
  }

  function start(token) {
    state.token = token;
    store.setItem("oa.token", token);
    connect();
  }

  // -------------------------------------------------------------- attachments

  function clearAttachment() {
    state.attachment = null;
    $("file").value = "";
    $("attachment").hidden = true;
  }

  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    if (!file) return;
    const chip = $("attachment");
    chip.hidden = false;
    if (file.size > MAX_ATTACHMENT_BYTES) {
      state.attachment = null;
      chip.querySelector("span").textContent =
        `${file.name} is ${(file.size / 1024).toFixed(0)} KB; files up to 40 KB can be attached. Paste a smaller extract instead.`;
      chip.classList.add("too-big");
      return;
    }
    // Named at once (its size is known before it is read): the chip never shows an empty name.
    chip.classList.remove("too-big");
    chip.querySelector("span").textContent = `${file.name} (${(file.size / 1024).toFixed(1)} KB) goes with your next message`;
    const reader = new FileReader();
    state.reading = new Promise((resolve) => {
      reader.onloadend = () => {
        const data = reader.result ? String(reader.result).split(",", 2)[1] || "" : "";
        const still = $("file").files[0] === file; // not removed or replaced meanwhile
        if (still) state.attachment = data ? { name: file.name, contentType: file.type || "text/plain", data } : null;
        state.reading = null;
        resolve();
      };
    });
    reader.readAsDataURL(file);
  });

  $("remove-attachment").addEventListener("click", () => {
    clearAttachment();
    $("input").focus();
  });

  // ------------------------------------------------------------------- wiring

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) start(token);
  });

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const content = $("input").value.trim();
    if (!content) return;
    if (state.reading) await state.reading; // a file chosen a moment ago goes with this message
    if (sendRequest(content)) $("input").value = "";
  });

  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("menu-open")) {
      closeMenu();
      $("menu").focus();
    }
  });

  if (!R.ready) {
    addItem("notice").textContent =
      "Answers show as plain text: the page's Markdown scripts are missing (run ./scripts/setup).";
  }

  // A token in the fragment (#token=...) is taken once and removed from the address bar.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) history.replaceState(null, "", location.pathname + location.search);
  const token = fromHash || store.getItem("oa.token");
  if (token) start(token);
  else showLogin("");
})();
