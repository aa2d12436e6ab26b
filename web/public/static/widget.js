/*
 * Chat widget for the Jobcenter FAQ assistant (Rasa socket.io channel).
 * Embed with one tag:
 *   <script src="/static/widget.js" data-server="http://localhost:5005"
 *           data-title="Digitaler Assistent" data-initial-message="Hallo" defer></script>
 * Transport: socket.io-client (vendored by `make`, see web/package.json). Everything else is here:
 * all text is rendered as text (never as HTML), links only for http(s) addresses.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script.src.replace(/[^/]*$/, "");
  var data = script.dataset;
  var cfg = {
    server: data.server || window.location.protocol + "//" + window.location.hostname + ":5005",
    path: data.socketPath || "/socket.io/",
    title: data.title || "Digitaler Assistent",
    launcherText: data.launcherText || "Fragen? Chat öffnen",
    initial: data.initialMessage || "Hallo",
    answerTimeoutMs: Number(data.answerTimeout || 20000),
    privacyUrl: data.privacyUrl || "",
    retentionDays: Number(data.retentionDays || 30)
  };
  var STORE_KEY = "jobcenter-chat:" + cfg.server;
  var MAX_CHARS = 1000;  /* the server's input gate cuts there too (MAX_INPUT_CHARS) */
  var URL_RE = /(https?:\/\/[^\s<>"]+|www\.[^\s<>"]+)/g;

  function loadState() {
    try {
      var s = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (s && typeof s.sessionId === "string" && Array.isArray(s.messages)) return s;
    } catch (e) { /* a broken entry starts a new conversation */ }
    return newState();
  }
  /* The server issues the session id (session_confirm); "" asks for a new conversation. */
  function newState() {
    return { sessionId: "", messages: [], open: false };
  }
  /* A question is kept in the tab's storage only once the bot has answered it, and then as the
     bot stored it (personal data removed by the server's input gate), never as typed. */
  function saveState() {
    var kept = { sessionId: state.sessionId, open: state.open, greeted: state.greeted,
      messages: state.messages.filter(function (m) { return !m.pending; })
        .map(function (m) { return { from: m.from, text: m.text, buttons: m.buttons }; }) };
    try { window.sessionStorage.setItem(STORE_KEY, JSON.stringify(kept)); } catch (e) { /* private mode */ }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /* Text with clickable http(s) links; everything else stays text. */
  function linkified(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    String(text).replace(URL_RE, function (match, _u, offset) {
      var url = match.replace(/[.,;:!?)\u201c\u201d]+$/, "");
      frag.appendChild(document.createTextNode(text.slice(last, offset)));
      var href = /^https?:\/\//.test(url) ? url : "https://" + url;
      var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, url);
      frag.appendChild(a);
      last = offset + url.length;
      return match;
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  var state = loadState();
  var socket = null;
  var answerTimer = null;

  /* ---- DOM ---- */
  var root = el("div", { "class": "jcw", lang: "de" });
  var launcher = el("button", { type: "button", "class": "jcw-launcher", "aria-expanded": "false",
    "aria-controls": "jcw-panel" }, cfg.launcherText);
  var panel = el("section", { id: "jcw-panel", "class": "jcw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "jcw-title" });
  panel.hidden = true;
  var header = el("div", { "class": "jcw-header" });
  var title = el("h2", { id: "jcw-title", "class": "jcw-title" }, cfg.title);
  var newBtn = el("button", { type: "button", "class": "jcw-new" }, "Neues Gespräch");
  var closeBtn = el("button", { type: "button", "class": "jcw-close", "aria-label": "Chat schließen" }, "\u00d7");
  header.append(title, newBtn, closeBtn);
  var note = el("p", { "class": "jcw-note" },
    "Automatisierter Assistent. Bitte geben Sie keine persönlichen Daten ein. Gespräche werden " +
    cfg.retentionDays + " Tage nach der letzten Nachricht gelöscht. ");
  if (cfg.privacyUrl) {
    var privacy = el("a", { href: cfg.privacyUrl, target: "_blank", rel: "noopener" }, "Datenschutzhinweise");
    privacy.appendChild(el("span", { "class": "jcw-visually-hidden" }, " (öffnet in neuem Fenster)"));
    note.appendChild(privacy);
  }
  var log = el("div", { "class": "jcw-log", role: "log", "aria-live": "polite", "aria-label": "Gesprächsverlauf",
    tabindex: "0" });
  var status = el("div", { "class": "jcw-status", role: "status", "aria-live": "polite" });
  var form = el("form", { "class": "jcw-form" });
  var label = el("label", { "for": "jcw-input", "class": "jcw-label" }, "Ihre Frage");
  var input = el("input", { id: "jcw-input", type: "text", autocomplete: "off", maxlength: String(MAX_CHARS),
    placeholder: "Frage eingeben …" });
  var send = el("button", { type: "submit", "class": "jcw-send" }, "Senden");
  /* Near the 1000-character limit the citizen sees (and hears) how much is left. */
  var counter = el("p", { id: "jcw-counter", "class": "jcw-counter", "aria-live": "polite" });
  counter.hidden = true;
  input.setAttribute("aria-describedby", "jcw-counter");
  input.addEventListener("input", function () {
    var used = input.value.length;
    counter.hidden = used < MAX_CHARS - 100;
    counter.textContent = counter.hidden ? "" : used + " von " + MAX_CHARS + " Zeichen";
  });
  form.append(label, input, send, counter);
  panel.append(header, note, log, status, form);
  root.append(launcher, panel);

  function render(message) {
    var item = el("div", { "class": "jcw-msg jcw-" + message.from });
    var bubble = el("p", { "class": "jcw-bubble" });
    fillBubble(bubble, message);
    item.appendChild(bubble);
    if (message.buttons && message.buttons.length) {
      /* "3 Vorschläge", one list item each: read out apart from the answer and from each other */
      var n = message.buttons.length;
      var group = el("div", { "class": "jcw-buttons", role: "group",
        "aria-label": n === 1 ? "1 Vorschlag" : n + " Vorschläge" });
      var list = el("ul", { "class": "jcw-quick-list" });
      message.buttons.forEach(function (b) {
        var btn = el("button", { type: "button", "class": "jcw-quick" }, b.title);
        btn.addEventListener("click", function () { sendMessage(b.payload, b.title); input.focus(); });
        var li = el("li");
        li.appendChild(btn);
        list.appendChild(li);
      });
      group.appendChild(list);
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function fillBubble(bubble, message) {
    var who = el("span", { "class": "jcw-visually-hidden" }, message.from === "user" ? "Sie: " : "Assistent: ");
    bubble.textContent = "";
    bubble.append(who, linkified(message.text || ""));
  }

  function addMessage(message) {
    state.messages.push(message);
    saveState();
    message.node = render(message);
  }

  /* The server's input gate changed the last question (personal data removed, cut): show that. */
  function showRedacted(text) {
    for (var i = state.messages.length - 1; i >= 0; i--) {
      var m = state.messages[i];
      if (m.from !== "user" || !m.pending) continue;
      m.text = text;
      if (m.node) fillBubble(m.node.querySelector(".jcw-bubble"), m);
      return;
    }
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = "jcw-status" + (kind ? " jcw-" + kind : "");
  }

  /* ---- transport ---- */
  function connect() {
    if (socket || typeof window.io !== "function") return;
    socket = window.io(cfg.server, { path: cfg.path, transports: ["websocket"], reconnection: true,
      reconnectionDelay: 1000, reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: state.sessionId });
      if (status.classList.contains("jcw-error")) setStatus("");
    });
    socket.on("session_confirm", function (id) {
      if (typeof id === "string" && id) { state.sessionId = id; saveState(); }
      if (!state.messages.length && !state.greeted) {
        state.greeted = true;
        saveState();
        emitUser(cfg.initial);
      }
    });
    socket.on("bot_uttered", function (msg) {
      if (msg && typeof msg.redacted_user_text === "string") { showRedacted(msg.redacted_user_text); return; }
      state.messages.forEach(function (m) { delete m.pending; });
      clearTimeout(answerTimer);
      setStatus("");
      addMessage({ from: "bot", text: msg.text || "", buttons: msg.quick_replies || msg.buttons || [] });
    });
    socket.on("connect_error", offline);
    socket.on("disconnect", offline);
  }
  function offline() {
    clearTimeout(answerTimer);
    setStatus("Der Assistent ist gerade nicht erreichbar. Die Verbindung wird automatisch wiederhergestellt …",
      "error");
  }

  function emitUser(text) {
    if (!socket || !socket.connected) { offline(); return false; }
    socket.emit("user_uttered", { message: text, session_id: state.sessionId });
    setStatus("Der Assistent schreibt", "typing");  /* the dots are drawn by the stylesheet */
    clearTimeout(answerTimer);
    answerTimer = setTimeout(function () {
      setStatus("Es kam keine Antwort. Bitte versuchen Sie es noch einmal.", "error");
    }, cfg.answerTimeoutMs);
    return true;
  }

  /* Suggestions of earlier answers are gone once the next question is sent: only the latest
     set is live (and in the Tab order). */
  function dropSuggestions() {
    state.messages.forEach(function (m) { if (m.buttons) m.buttons = []; });
    Array.prototype.forEach.call(log.querySelectorAll(".jcw-buttons"), function (g) { g.remove(); });
  }

  function sendMessage(text, shown) {
    text = String(text || "").trim();
    if (!text) return;
    if (emitUser(text)) {
      dropSuggestions();
      addMessage({ from: "user", text: shown || text, pending: true });
    }
  }

  /* ---- open / close ---- */
  var CLOSE_TEXT = "Chat schließen";
  function showOpen(isOpen) {
    launcher.setAttribute("aria-expanded", isOpen ? "true" : "false");
    launcher.textContent = isOpen ? CLOSE_TEXT : cfg.launcherText;
  }
  function open() {
    panel.hidden = false;
    showOpen(true);
    state.open = true;
    saveState();
    connect();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    showOpen(false);
    state.open = false;
    saveState();
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); close(); } });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    counter.hidden = true;
    counter.textContent = "";
    sendMessage(text);
  });
  newBtn.addEventListener("click", function () {
    state = newState();
    state.open = true;
    saveState();
    log.textContent = "";
    setStatus("");
    if (socket && socket.connected) {
      socket.emit("session_request", { session_id: state.sessionId });
    }
    input.focus();
  });

  function start() {
    var css = el("link", { rel: "stylesheet", href: base + "widget.css" });
    document.head.appendChild(css);
    document.body.appendChild(root);
    state.messages.forEach(render);
    var io = el("script", { src: base + "vendor/socket.io.min.js" });
    io.onload = function () { if (state.open) connect(); };
    io.onerror = offline;
    document.head.appendChild(io);
    if (state.open) { panel.hidden = false; showOpen(true); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
