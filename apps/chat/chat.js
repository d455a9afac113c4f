// OpenAnalyst chat client: one websocket to the hub, progress as it streams, answers as markdown,
// clarification questions answered in place. Plain JS, no build step.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;
  const randomId = (prefix) => {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return prefix + "_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  // Close codes that mean "a new token is needed", not "try again".
  const AUTH_CODES = { 4001: "Your token was refused", 4002: "Your token expired", 4003: "Not allowed" };

  const state = {
    socket: null,
    token: null,
    sessionId: store.getItem("oa.session") || randomId("sess"),
    lastEventId: store.getItem("oa.lastEventId"),
    retryMs: 500,
    turns: new Map(), // request messageId -> {el, progress, bar, text}
    aliases: new Map(), // answer messageId -> the request whose flow it resumes
  };
  store.setItem("oa.session", state.sessionId);

  function setStatus(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = "status " + kind;
  }

  function showLogin(message) {
    $("chat").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    setStatus("offline", "offline");
  }

  function showChat() {
    $("login").hidden = true;
    $("chat").hidden = false;
    $("input").focus();
  }

  function addItem(kind) {
    const li = document.createElement("li");
    li.className = "message " + kind;
    $("messages").appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }

  function turn(correlationId) {
    correlationId = state.aliases.get(correlationId) || correlationId;
    let t = state.turns.get(correlationId);
    if (t) return t;
    const el = addItem("assistant pending");
    el.dataset.correlationId = correlationId;
    el.innerHTML =
      '<div class="typing" aria-label="OpenAnalyst is working"><span></span><span></span><span></span></div>' +
      '<div class="progress" hidden><div class="bar"><div class="fill"></div></div><p class="step"></p></div>' +
      '<div class="answer"></div>';
    t = { el, progress: el.querySelector(".progress"), fill: el.querySelector(".fill"),
          step: el.querySelector(".step"), answer: el.querySelector(".answer") };
    state.turns.set(correlationId, t);
    return t;
  }

  function send(frame) {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  function sendRequest(content, extra, resumes) {
    const messageId = randomId("msg");
    const frame = Object.assign(
      { type: "USER_REQUEST", sessionId: state.sessionId, messageId, timestamp: Date.now(),
        payload: { content } },
      extra || {},
    );
    if (extra && extra.payload) frame.payload = Object.assign({ content }, extra.payload);
    if (!send(frame)) {
      addItem("error").textContent = "Not connected; your message was not sent. Reconnecting…";
      return null;
    }
    const li = addItem("user");
    li.textContent = content;
    if (resumes) {
      // Answers resume the original request's flow: its turn shows what follows.
      state.aliases.set(messageId, resumes);
      const t = turn(resumes);
      t.el.classList.add("pending");
      $("messages").appendChild(t.el);
    } else {
      turn(messageId);
    }
    return messageId;
  }

  function renderQuestions(t, frame) {
    const payload = frame.payload;
    const form = document.createElement("form");
    form.className = "questions";
    for (const q of payload.questions) {
      const field = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = q.question;
      field.appendChild(legend);
      if (q.choices && q.choices.length) {
        q.choices.forEach((choice, index) => {
          const label = document.createElement("label");
          const input = document.createElement("input");
          input.type = "radio";
          input.name = q.id;
          input.value = choice;
          input.required = true;
          if (index === 0) input.checked = true;
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + choice));
          field.appendChild(label);
        });
      } else {
        const input = document.createElement("input");
        input.type = "text";
        input.name = q.id;
        input.required = true;
        field.appendChild(input);
      }
      form.appendChild(field);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Answer";
    form.appendChild(button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const answers = {};
      for (const [key, value] of new FormData(form).entries()) answers[key] = String(value);
      const summary = Object.values(answers).join(", ");
      // correlationId names the question: the hub resumes the suspended flow with these answers.
      const resumes = frame.correlationId || null;
      if (sendRequest(summary, { correlationId: frame.messageId, payload: { answers } }, resumes)) {
        form.querySelectorAll("input, button").forEach((el) => (el.disabled = true));
      }
    });
    t.answer.appendChild(form);
  }

  function metadataLine(meta) {
    if (!meta) return "";
    const parts = [];
    if (meta.skill) parts.push(meta.skill);
    if (meta.duration) parts.push((meta.duration / 1000).toFixed(1) + " s");
    if (meta.model) parts.push(meta.model);
    if (meta.windmillJobs && meta.windmillJobs.length) parts.push(meta.windmillJobs.length + " job(s)");
    return parts.join(" · ");
  }

  function onFrame(frame) {
    if (frame.eventId) {
      state.lastEventId = frame.eventId;
      store.setItem("oa.lastEventId", frame.eventId);
    }
    const key = frame.correlationId;
    switch (frame.type) {
      case "CONNECTED":
        state.retryMs = 500;
        setStatus("connected as " + frame.payload.userId, "online");
        showChat();
        if (frame.payload.recovered === false) {
          addItem("notice").textContent = "Some updates may have been missed while you were away.";
        }
        break;
      case "ASSISTANT_TYPING":
        if (key) turn(key).el.classList.add("typing-on");
        break;
      case "TASK_PROGRESS": {
        if (!key) break;
        const t = turn(key);
        const p = frame.payload;
        t.progress.hidden = false;
        t.fill.style.width = Math.max(2, Math.min(100, p.percent || 0)) + "%";
        t.step.textContent = p.message || p.step;
        break;
      }
      case "ASSISTANT_RESPONSE": {
        const t = turn(key || frame.messageId);
        const p = frame.payload;
        const block = document.createElement("div");
        block.className = "markdown";
        block.innerHTML = window.renderMarkdown(p.content);
        t.answer.appendChild(block);
        if (p.questions && p.questions.length) {
          renderQuestions(t, frame);
        } else {
          const meta = metadataLine(p.metadata);
          if (meta) {
            const m = document.createElement("p");
            m.className = "meta";
            m.textContent = meta;
            t.answer.appendChild(m);
          }
        }
        t.el.classList.remove("typing-on");
        t.el.scrollIntoView({ block: "end" });
        break;
      }
      case "TASK_COMPLETE": {
        const t = turn(key);
        t.el.classList.remove("pending", "typing-on");
        t.el.classList.add("done");
        t.progress.hidden = true;
        break;
      }
      case "TASK_ERROR": {
        const t = turn(key);
        t.el.classList.remove("pending", "typing-on");
        t.el.classList.add("failed");
        t.progress.hidden = true;
        const p = frame.payload;
        const err = document.createElement("p");
        err.className = "error";
        err.textContent = p.error + (p.action ? " — " + p.action : "");
        t.answer.appendChild(err);
        break;
      }
      case "ERROR":
        addItem("error").textContent = frame.payload.message;
        break;
      default:
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    state.socket = socket;
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
      setStatus("reconnecting…", "connecting");
      setTimeout(connect, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, 15000);
    });
  }

  function start(token) {
    state.token = token;
    store.setItem("oa.token", token);
    connect();
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) start(token);
  });

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const content = $("input").value.trim();
    if (!content) return;
    if (sendRequest(content)) $("input").value = "";
  });

  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  // A token in the fragment (#token=...) is taken once and removed from the address bar.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) history.replaceState(null, "", location.pathname + location.search);
  const token = fromHash || store.getItem("oa.token");
  if (token) start(token);
  else showLogin("");
})();
