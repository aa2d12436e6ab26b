/*
 * Chat widget for the Jobcenter FAQ assistant (Rasa socket.io channel, channels/socketio.py).
 * Embed with one tag:
 *   <script src="/static/widget.js" data-server="http://localhost:5005"
 *           data-title="Digitaler Assistent" data-initial-message="Hallo"
 *           data-privacy-url="/datenschutz.html" data-retention-days="30" defer></script>
 * Transport: socket.io-client (vendored by `make`, see web/package.json), loaded from the same
 * folder as this file: no request leaves the page's own origin but the one to the server.
 * All text is rendered as text (never as HTML); links only for http(s) addresses.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script.src.replace(/[^/]*$/, "");
  var data = script.dataset;
  var cfg = {
    server: data.server || window.location.protocol + "//" + window.location.hostname + ":5005",
    path: data.socketPath || "/socket.io/",
    title: data.title || "",              /* German only; the other languages have their own */
    launcherText: data.launcherText || "",
    initial: data.initialMessage || "Hallo",
    answerTimeoutMs: Number(data.answerTimeout || 20000),
    privacyUrl: data.privacyUrl || "",
    retentionDays: Number(data.retentionDays || 30)
  };
  /* The widget's own texts in each language of the assistant (issue 16): widget-texts.json, next
     to this file, loaded once before the widget is shown (the answers come from the server in the
     conversation's language). */
  var LANGUAGES = [];  /* [code, the language's own name] */
  var RTL = {};
  var TEXTS = {};
  var PLURALS = {};  /* code -> placeholder -> plural category -> "{n} ..." */
  var rules = {};    /* code -> Intl.PluralRules */
  var STORE_KEY = "jobcenter-chat:" + cfg.server;
  /* a text of the widget in the conversation's language, {placeholders} filled; a number with
     plural forms in the language is said in the form of its category (issue 26: "حرفان", "2 дні") */
  function t(key, values) {
    var code = TEXTS[state.language] && TEXTS[state.language][key] !== undefined ? state.language : "de";
    var text = TEXTS[code][key], forms = PLURALS[code] || {}, lang = htmlLang(code);
    if (state.language === "de" && key === "title" && cfg.title) text = cfg.title;
    if (state.language === "de" && key === "launcher" && cfg.launcherText) text = cfg.launcherText;
    Object.keys(values || {}).forEach(function (k) {
      var value = String(values[k]), form = forms[k];
      if (form) {
        rules[lang] = rules[lang] || new Intl.PluralRules(lang);
        value = (form[rules[lang].select(values[k])] || form.other).split("{n}").join(value);
      }
      text = text.split("{" + k + "}").join(value);
    });
    return text;
  }
  var MAX_CHARS = 1000;  /* the server's input gate cuts there too (MAX_INPUT_CHARS) */
  var URL_RE = /(https?:\/\/[^\s<>"]+|www\.[^\s<>"]+)/g;
  /* the sources of an answer: its last sentences, from "Quelle:" / "Quellen:" (or the same word
     in the answer's language) on */
  var SOURCE_WORD = "(?:Quellen?|Sources?|Джерела|Джерело|Источники|Источник|المصادر|المصدر|Kaynaklar|Kaynak):\\s";
  var SOURCE_RE = new RegExp("^(.*?[.!?)\\u201c\\u00bb\"])\\s+(" + SOURCE_WORD + ".+)$");
  var SOURCE_START = new RegExp("^" + SOURCE_WORD);
  /* below this size the chat takes the whole screen (widget.css has the same media query) */
  var compact = window.matchMedia("(max-width: 30rem), (max-height: 34rem)");

  function loadState() {
    try {
      var s = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (s && typeof s.sessionId === "string" && Array.isArray(s.messages)) {
        s.messages.forEach(function (m) { m.stored = true; });  /* kept, so confirmed by the server */
        return s;
      }
    } catch (e) { /* a broken entry starts a new conversation */ }
    return newState();
  }
  /* The server issues the session id (session_confirm); "" asks for a new conversation. */
  function newState(language) {
    return { sessionId: "", messages: [], open: false, language: language || "de" };
  }
  /* A question is kept in the tab's storage only in the form the server confirmed it stored
     (``stored``, see confirmStored: personal data removed by its input gate), never as typed;
     until then nothing of it is kept (only the page shows it as typed). Nothing goes to
     localStorage. */
  function saveState() {
    var kept = { sessionId: state.sessionId, open: state.open, greeted: state.greeted, language: state.language,
      messages: state.messages.filter(function (m) { return m.from !== "user" || m.stored; }).map(function (m) {
        return { from: m.from, text: m.text, buttons: m.buttons, answer: m.answer, done: m.done, lang: m.lang };
      }) };
    try { window.sessionStorage.setItem(STORE_KEY, JSON.stringify(kept)); } catch (e) { /* private mode */ }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null) node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function hidden(text) { return el("span", { "class": "jcw-visually-hidden" }, text); }
  /* the widget's own words in a message: its lang and dir (which dir="auto" then skips) */
  function own(node) { setLangAttrs(node, state.language); return node; }

  /* Text with clickable http(s) links, shown as their host name; everything else stays text. */
  function linkified(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    text.replace(URL_RE, function (match, _u, offset) {
      var url = match.replace(/[.,;:!?)\u201c\u201d]+$/, "");
      var href = /^https?:\/\//.test(url) ? url : "https://" + url;
      var host;
      try { host = new URL(href).hostname.replace(/^www\./, ""); } catch (e) { return match; }
      frag.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer", title: href, dir: "ltr" }, host);
      a.appendChild(own(hidden(t("newWindow"))));
      frag.appendChild(a);
      last = offset + url.length;
      return match;
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  /* Right-to-left text with Latin in it (German names, sources, addresses): each Latin run in a
     <bdi>, so the sentence's punctuation does not jump around it (issue 26). A run: from a Latin
     letter (or a bracket or quotation mark it closes) to its last letter or digit, with the marks
     it closes and a full stop before a closing mark ("Vor Ort.»"). */
  var RTL_CHARS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc";
  var LATIN = "A-Za-z\u00c0-\u024f\u1e00-\u1eff";
  var RUN_RE = new RegExp("[(\\[\u201e\u201c\"]?[" + LATIN + "][^" + RTL_CHARS + "]*", "g");
  var RUN_END_RE = new RegExp("[" + LATIN + "0-9/=#%_]$");
  var RTL_FIRST_RE = new RegExp("^[^" + LATIN + "\u0400-\u04ff" + RTL_CHARS + "]*[" + RTL_CHARS + "]");
  var CLOSER = { "(": ")", "[": "]", "\u201e": "\u201c", "\u201c": "\u201d", "\"": "\"" };
  function times(text, c) { return text.split(c).length - 1; }
  function closes(run, c) {
    return Object.keys(CLOSER).some(function (o) {
      return CLOSER[o] === c && (o === c ? times(run, c) % 2 === 1 : times(run, o) > times(run, c));
    });
  }
  function latinRun(run) {
    while (!RUN_END_RE.test(run)) {
      var c = run.slice(-1);
      run = run.slice(0, -1);
      if (closes(run, c)) return run + c;
      if (/[.!?]$/.test(run) && /[)\]\u00bb\u201c\u201d"]/.test(c)) return run;
    }
    return run;
  }
  function bidiText(text, rtl) {
    if (!rtl) return linkified(text);
    var frag = document.createDocumentFragment(), last = 0;
    text.replace(RUN_RE, function (stretch, offset) {
      var run = latinRun(stretch);
      if (CLOSER[run[0]] && times(run.slice(1), CLOSER[run[0]]) < 1) { run = run.slice(1); offset++; }
      var bdi = el("bdi", { dir: "ltr" });
      bdi.appendChild(linkified(run));
      frag.append(linkified(text.slice(last, offset)), bdi);
      last = offset + run.length;
      return stretch;
    });
    frag.appendChild(linkified(text.slice(last)));
    return frag;
  }

  /* An answer as paragraphs (blank lines), spaces collapsed, the sources as their own line. */
  function paragraphs(text) {
    var out = [];
    String(text).split(/\n\s*\n/).forEach(function (part) {
      part = part.replace(/\s+/g, " ").trim();
      if (!part) return;
      var m = SOURCE_RE.exec(part);
      if (m) out.push({ text: m[1] }, { text: m[2], source: true });
      else out.push({ text: part, source: SOURCE_START.test(part) });
    });
    return out.length ? out : [{ text: "" }];
  }

  var state = loadState();
  var socket = null;
  var online = false;        /* connected and the session confirmed */
  var unreachable = false;   /* the connection failed or dropped: Send is disabled */
  var waitingForSession = false;
  var queue = [];            /* questions asked while not connected: sent once, on reconnect */
  var unconfirmed = [];      /* what was sent on this socket and not yet confirmed stored, in order */
  var lastSent = null;       /* the question a timeout offers to send again */
  var resent = null;         /* after an automatic resend: the answers shown since (a second copy is dropped) */
  var answerTimer = null;
  var chosen = null;         /* a language chosen in the menu, told the server with the next message */

  /* ---- DOM ---- */
  var root = el("div", { "class": "jcw" });
  var launcher = el("button", { type: "button", "class": "jcw-launcher", "aria-expanded": "false",
    "aria-controls": "jcw-panel" });
  var panel = el("section", { id: "jcw-panel", "class": "jcw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "jcw-title" });
  panel.hidden = true;
  var header = el("div", { "class": "jcw-header" });
  var title = el("h2", { id: "jcw-title", "class": "jcw-title" });
  /* the language menu: each language in its own name (and its own lang attribute) */
  var langSelect = el("select", { "class": "jcw-lang" });  /* options: start(), once the texts are loaded */
  var newBtn = el("button", { type: "button", "class": "jcw-new" });
  var closeBtn = el("button", { type: "button", "class": "jcw-close" }, "\u00d7");
  header.append(title, langSelect, newBtn, closeBtn);

  /* "Neues Gespräch" asks first */
  var confirmBox = el("div", { "class": "jcw-confirm", role: "group", "aria-labelledby": "jcw-confirm-text" });
  confirmBox.hidden = true;
  var confirmYes = el("button", { type: "button", "class": "jcw-confirm-yes" });
  var confirmNo = el("button", { type: "button", "class": "jcw-confirm-no" });
  var confirmText = el("p", { id: "jcw-confirm-text" });
  confirmBox.append(confirmText, confirmYes, confirmNo);

  /* the privacy note: its first line always visible, the rest folded away on small screens */
  var note = el("details", { "class": "jcw-note" });
  var noteSummary = el("summary");
  note.appendChild(noteSummary);
  var noteText = el("p");
  var noteWords = document.createTextNode("");
  noteText.appendChild(noteWords);
  var privacy = null;
  if (cfg.privacyUrl) {
    privacy = el("a", { href: cfg.privacyUrl, target: "_blank", rel: "noopener" });
    noteText.appendChild(privacy);
  }
  /* Leichte Sprache at one click (also in the language menu) */
  var easyBtn = el("button", { type: "button", "class": "jcw-easy", "aria-pressed": "false" });
  note.append(noteText, easyBtn);
  note.open = !compact.matches;
  if (compact.addEventListener) compact.addEventListener("change", function (e) { note.open = !e.matches; });

  var log = el("div", { "class": "jcw-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var status = el("div", { "class": "jcw-status", role: "status", "aria-live": "polite" });
  var retry = el("button", { type: "button", "class": "jcw-retry" });
  retry.hidden = true;
  var form = el("form", { "class": "jcw-form" });
  var label = el("label", { "for": "jcw-input", "class": "jcw-label" });
  var input = el("input", { id: "jcw-input", type: "text", autocomplete: "off", maxlength: String(MAX_CHARS),
    dir: "auto" });  /* typed text in its own direction */
  var send = el("button", { type: "submit", "class": "jcw-send" });
  /* Near the 1000-character limit the citizen sees (and hears) how much is left. */
  var counter = el("p", { id: "jcw-counter", "class": "jcw-counter", "aria-live": "polite" });
  counter.hidden = true;
  input.setAttribute("aria-describedby", "jcw-counter");
  function count() {
    var used = input.value.length;
    counter.hidden = used < MAX_CHARS - 100;
    counter.textContent = counter.hidden ? "" : t("counter", { used: used, max: MAX_CHARS });
  }
  input.addEventListener("input", count);
  form.append(label, input, send, counter);
  panel.append(header, confirmBox, note, log, status, retry, form);
  root.append(launcher, panel);

  /* ---- language ---- */
  function htmlLang(code) { return code === "de-x-ls" ? "de" : code; }  /* Leichte Sprache is German */
  /* lang and dir of an element in a language: the panel, a message, a menu option */
  function langAttrs(code) { return { lang: htmlLang(code), dir: RTL[code] ? "rtl" : "ltr" }; }
  function setLangAttrs(node, code) {
    var attrs = langAttrs(code);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  }
  /* Every text of the widget in the conversation's language; lang and dir on the panel. */
  function applyTexts() {
    var code = state.language;
    setLangAttrs(root, code);
    langSelect.value = code;
    langSelect.setAttribute("aria-label", t("language"));
    title.textContent = t("title");
    setLauncherText();
    newBtn.textContent = t("newChat");
    closeBtn.setAttribute("aria-label", t("close"));
    confirmText.textContent = t("confirm");
    confirmYes.textContent = t("yes");
    confirmNo.textContent = t("no");
    noteSummary.textContent = t("noteSummary");
    noteWords.nodeValue = t("note", { days: cfg.retentionDays });
    if (privacy) {
      privacy.textContent = t("privacy");
      privacy.appendChild(hidden(t("newWindow")));
    }
    easyBtn.textContent = TEXTS["de-x-ls"].easy;
    easyBtn.setAttribute("lang", "de");
    easyBtn.setAttribute("aria-pressed", code === "de-x-ls" ? "true" : "false");
    log.setAttribute("aria-label", t("log"));
    retry.textContent = t("retry");
    label.textContent = t("label");
    input.setAttribute("placeholder", t("placeholder"));
    send.textContent = t("send");
    count();
  }
  /* The citizen chose a language (menu or button): the texts change at once, and the next
     message tells the server (metadata "language"); online, a greeting in it is asked for now. */
  function chooseLanguage(code) {
    if (!TEXTS[code] || code === state.language) return;
    state.language = code;
    chosen = code;
    saveState();
    applyTexts();
    renderAll();
    if (online) greet();
  }
  langSelect.addEventListener("change", function () { chooseLanguage(langSelect.value); });
  easyBtn.addEventListener("click", function () {
    chooseLanguage(state.language === "de-x-ls" ? "de" : "de-x-ls");
    easyBtn.focus();
  });

  /* ---- messages ---- */
  function renderAll() {
    log.textContent = "";
    state.messages.forEach(function (m) { m.node = render(m); });
  }
  function render(message) {
    var item = el("div", { "class": "jcw-msg jcw-" + message.from });
    setLangAttrs(item, message.lang || state.language);
    /* a question in the direction it was typed in: German in an Arabic conversation left to right */
    var bubble = el("div", { "class": "jcw-bubble", dir: message.from === "user" ? "auto" : null });
    fillBubble(bubble, message);
    item.appendChild(bubble);
    if (message.from === "bot" && message.answer && !message.done) item.appendChild(ratingControl(message));
    if (message.buttons && message.buttons.length && !message.done) {
      /* "3 Vorschläge", one list item each: read out apart from the answer and from each other */
      var n = message.buttons.length;
      var group = el("div", { "class": "jcw-buttons", role: "group",
        "aria-label": n === 1 ? t("one") : t("many", { n: n }) });
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
    return item;
  }

  function fillBubble(bubble, message) {
    bubble.textContent = "";
    var text = message.text || "";
    var rtl = message.from === "user" ? RTL_FIRST_RE.test(text) : RTL[message.lang || state.language];
    paragraphs(text).forEach(function (part, i) {
      var p = el("p", { "class": part.source ? "jcw-source" : "jcw-para" });
      if (i === 0) p.appendChild(own(hidden(message.from === "user" ? t("you") : t("bot"))));
      p.appendChild(bidiText(part.text, rtl));
      bubble.appendChild(p);
    });
    if (message.queued) {
      bubble.appendChild(own(el("p", { "class": "jcw-queued" }, t("queued"))));
    }
  }

  /* "Hilfreich? Ja / Nein" under an answer: a structured event (response name and rating only);
     after "Nein" the reasons are offered (optional: the citizen may just ask on) */
  function ratingControl(message) {
    var group = el("div", { "class": "jcw-rating", role: "group", "aria-label": t("rateGroup") });
    group.appendChild(el("span", { "class": "jcw-rating-q", "aria-hidden": "true" }, t("rate")));
    [[t("rateYes"), true], [t("rateNo"), false]].forEach(function (choice) {
      var btn = el("button", { type: "button", "class": "jcw-rating-btn" }, choice[0]);
      btn.addEventListener("click", function () { rate(message, { helpful: choice[1] }, group); });
      group.appendChild(btn);
    });
    return group;
  }
  function reasonControl(message) {
    var group = el("div", { "class": "jcw-rating jcw-reasons", role: "group", "aria-label": t("reasonAsk") });
    group.appendChild(el("span", { "class": "jcw-rating-q", "aria-hidden": "true" }, t("reasonAsk")));
    [["wrong", "reasonWrong"], ["incomplete", "reasonIncomplete"], ["not_understood", "reasonNotUnderstood"]]
      .forEach(function (choice) {
        var btn = el("button", { type: "button", "class": "jcw-rating-btn", "data-reason": choice[0] }, t(choice[1]));
        btn.addEventListener("click", function () { rate(message, { helpful: false, reason: choice[0] }, group); });
        group.appendChild(btn);
      });
    return group;
  }
  function rate(message, rating, group) {
    if (!online) { setStatus(t("rateOffline"), "error"); return; }
    rating.answer = message.answer;
    socket.timeout(10000).emit("feedback", rating, function (err, ack) {
      if (err || !ack || !ack.ok) {
        setStatus(t("rateFailed"), "error");
        return;
      }
      message.done = true;
      saveState();
      if (!rating.helpful && !rating.reason) {
        var reasons = reasonControl(message);
        group.replaceWith(reasons);
        reasons.scrollIntoView({ block: "nearest" });
        reasons.querySelector("button").focus();
        return;
      }
      group.replaceWith(el("p", { "class": "jcw-rating-done" }, t("thanks")));
      input.focus();
    });
  }

  function addMessage(message) {
    state.messages.push(message);
    saveState();
    message.node = render(message);
    if (message.from === "user") log.scrollTop = log.scrollHeight;
    else revealLatest();
  }

  /* The start of the latest answer in view: the first bot message after the last question. */
  function revealLatest() {
    if (panel.hidden) return;
    var items = log.querySelectorAll(".jcw-msg");
    var target = null;
    for (var i = items.length - 1; i >= 0; i--) {
      if (items[i].classList.contains("jcw-user")) break;
      target = items[i];
    }
    if (target) log.scrollTop = Math.max(0, target.offsetTop - 8);
    else log.scrollTop = log.scrollHeight;
  }

  /* The server confirms every question with the text it stored (event ``user_stored``: personal
     data replaced, cut at 1000 characters; unchanged when there was nothing to remove), before any
     reply to it (engine/changes.py, the input gate). Only that text is shown from then on and
     kept. A bot reply never confirms a question: it may still belong to an earlier question or the
     greeting (the server handles one conversation's messages one after another, so a late reply
     to the previous question can arrive after the next one was sent), and taking it as "stored
     unchanged" kept a typed e-mail address (issue 24). Confirmations come in the order the
     messages were sent; each one belongs to the oldest message still unconfirmed (a greeting
     holds its place as null). A message the server never confirmed (dropped, cut line) is
     never kept; at worst a later confirmation is shown in its place, which is stored text too. */
  function confirmStored(text) {
    var m = unconfirmed.shift();
    if (!m) return;
    if (!text) {  /* nothing of it was stored ("/" alone): it goes from the conversation */
      state.messages = state.messages.filter(function (other) { return other !== m; });
      if (m.node) m.node.remove();
      saveState();
      return;
    }
    m.text = text;
    m.payload = text;  /* a retry sends the stored text; the typed one is not kept in memory either */
    m.stored = true;
    if (m.node) fillBubble(m.node.querySelector(".jcw-bubble"), m);
    saveState();
  }

  /* Suggestions and ratings of earlier answers are gone once the next question is sent: only the
     latest answer's controls are live (and in the Tab order). */
  function closeEarlierAnswers() {
    state.messages.forEach(function (m) { m.done = true; });
    Array.prototype.forEach.call(log.querySelectorAll(".jcw-buttons, .jcw-rating"), function (g) { g.remove(); });
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = "jcw-status" + (kind ? " jcw-" + kind : "");
  }
  function setOnline(isOnline) {
    online = isOnline;
    unreachable = !isOnline;
    send.disabled = unreachable;  /* offline: Enter does nothing either, the typed text stays */
  }

  /* ---- transport ---- */
  function connect() {
    if (socket || typeof window.io !== "function") return;
    socket = window.io(cfg.server, { path: cfg.path, transports: ["websocket"], reconnection: true,
      reconnectionDelay: 1000, reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      unconfirmed = [];  /* what was sent on a dropped line is confirmed on it or never */
      waitingForSession = true;
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (id) {
      if (typeof id !== "string" || !id) return;
      var before = state.sessionId;
      state.sessionId = id;
      waitingForSession = false;
      setOnline(true);
      saveState();
      if (status.classList.contains("jcw-error")) setStatus("");
      if (!state.messages.length && !state.greeted) {
        state.greeted = true;
        saveState();
        greet();
      }
      /* a question asked before the connection dropped may have lost its answer (the server was
         briefly away: a restart, a model switch): sent again by itself, once; its answer may then
         come twice (the first one late, to the conversation), and is shown once (bot_uttered) */
      if (lastSent && lastSent.pending && before === id && !queue.length) {
        if (lastSent.resent) timedOut();
        else { lastSent.resent = true; resent = []; transmit(lastSent); }
      }
      var waiting = queue;
      queue = [];
      waiting.forEach(transmit);
    });
    socket.on("user_stored", function (msg) {
      if (!msg || typeof msg !== "object" || typeof msg.text !== "string") return;
      if (waitingForSession || msg.session !== state.sessionId) return;  /* a conversation left */
      confirmStored(msg.text);
    });
    socket.on("bot_uttered", function (msg) {
      if (!msg || typeof msg !== "object") return;
      /* late answers of a conversation this window has left are dropped */
      if (waitingForSession || (msg.session && msg.session !== state.sessionId)) return;
      if (resent) {
        var seen = JSON.stringify([msg.text || "", msg.answer || "", msg.quick_replies || msg.buttons || []]);
        if (resent.indexOf(seen) >= 0) return;  /* the same answer again: the question was resent */
        resent.push(seen);
      }
      state.messages.forEach(function (m) { delete m.pending; });
      lastSent = null;
      clearTimeout(answerTimer);
      retry.hidden = true;
      setStatus("");
      /* the reply's language (the server may have switched: "English please", a question in
         English): the widget's own texts follow it */
      if (typeof msg.language === "string" && TEXTS[msg.language] && msg.language !== state.language) {
        state.language = msg.language;
        applyTexts();
      }
      addMessage({ from: "bot", text: msg.text || "", buttons: msg.quick_replies || msg.buttons || [],
        answer: typeof msg.answer === "string" ? msg.answer : undefined, lang: state.language });
    });
    socket.on("connect_error", offline);
    socket.on("disconnect", offline);
  }
  function offline() {
    clearTimeout(answerTimer);
    setOnline(false);
    retry.hidden = true;
    setStatus(t("unreachable"), "error");
  }

  /* message: the question's entry in the conversation; none for a greeting (it is not shown).
     language: the reply's (metadata "language" wins, pipeline/language.py); else a language
     chosen in the menu goes with the next message, once */
  function emit(text, message, language) {
    unconfirmed.push(message || null);
    var payload = { message: text, session_id: state.sessionId };
    if (language || chosen) payload.metadata = { language: language || chosen };
    chosen = null;
    socket.emit("user_uttered", payload);
    setStatus(t("typing"), "typing");  /* the dots are drawn by the stylesheet */
    retry.hidden = true;
    clearTimeout(answerTimer);
    answerTimer = setTimeout(timedOut, cfg.answerTimeoutMs);
  }
  /* the greeting in the widget's language ("Hallo" alone was answered in German, issue 26) */
  function greet() { emit(cfg.initial, null, state.language); }
  function timedOut() {
    setStatus(t("noAnswer"), "error");
    retry.hidden = !(lastSent && lastSent.pending);
  }
  function transmit(message) {
    if (message.queued) {
      delete message.queued;
      if (message.node) fillBubble(message.node.querySelector(".jcw-bubble"), message);
    }
    lastSent = message;
    emit(message.payload, message);
  }

  function sendMessage(text, shown) {
    text = String(text || "").trim();
    if (!text) return;
    closeEarlierAnswers();
    resent = null;
    var message = { from: "user", text: shown || text, payload: text, pending: true, lang: state.language };
    if (!online) message.queued = true;
    addMessage(message);
    if (online) transmit(message);
    else { queue.push(message); connect(); }
  }

  /* ---- open / close / new conversation ---- */
  function showOpen(isOpen) {
    panel.hidden = !isOpen;
    root.classList.toggle("jcw-open", isOpen);
    launcher.setAttribute("aria-expanded", isOpen ? "true" : "false");
    setLauncherText();
  }
  function setLauncherText() { launcher.textContent = panel.hidden ? t("launcher") : t("close"); }
  function open() {
    showOpen(true);
    state.open = true;
    saveState();
    connect();
    revealLatest();
    input.focus();
  }
  function close() {
    showOpen(false);
    state.open = false;
    saveState();
    launcher.focus();
  }
  function askNew() {
    confirmBox.hidden = false;
    confirmYes.focus();
  }
  function cancelNew() {
    confirmBox.hidden = true;
    newBtn.focus();
  }
  function startNew() {
    confirmBox.hidden = true;
    state = newState(state.language);
    state.open = true;
    saveState();
    queue = [];
    unconfirmed = [];
    lastSent = null;
    resent = null;
    clearTimeout(answerTimer);
    retry.hidden = true;
    log.textContent = "";
    setStatus("");
    if (socket && socket.connected) {
      waitingForSession = true;  /* answers still on their way belong to the old conversation */
      socket.emit("session_request", { session_id: "" });
    }
    input.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  newBtn.addEventListener("click", askNew);
  confirmYes.addEventListener("click", startNew);
  confirmNo.addEventListener("click", cancelNew);
  retry.addEventListener("click", function () {
    if (lastSent && lastSent.pending && online) transmit(lastSent);
    input.focus();
  });
  panel.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    e.preventDefault();
    if (!confirmBox.hidden) cancelNew();
    else close();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (unreachable) return;  /* offline: the text stays in the input */
    var text = input.value;
    input.value = "";
    count();
    sendMessage(text);
  });

  function start() {
    window.fetch(base + "widget-texts.json").then(function (r) { return r.json(); }).then(function (data) {
      LANGUAGES = data.languages;
      data.rtl.forEach(function (code) { RTL[code] = true; });
      TEXTS = data.texts;
      PLURALS = data.plurals;
      if (!TEXTS[state.language]) state.language = "de";
      LANGUAGES.forEach(function (l) {
        var option = el("option", { value: l[0] }, l[1]);
        setLangAttrs(option, l[0]);
        langSelect.appendChild(option);
      });
      show();
    });
  }
  function show() {
    var css = el("link", { rel: "stylesheet", href: base + "widget.css" });
    document.head.appendChild(css);
    document.body.appendChild(root);
    applyTexts();
    renderAll();
    var io = el("script", { src: base + "vendor/socket.io.min.js" });
    io.onload = function () { if (state.open) connect(); };
    io.onerror = offline;
    document.head.appendChild(io);
    if (state.open) {
      showOpen(true);
      /* after a reload: the latest answer in view once the stylesheet has laid it out */
      css.addEventListener("load", revealLatest);
      revealLatest();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
