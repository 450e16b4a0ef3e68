// graphics2prog serve: the page's behaviour. No libraries; talks only to this server's /api.
"use strict";

(() => {
  const GRID = 16;            // grid units across the image
  const SIZE = 256;           // pixels across the image the networks read (16 px per unit)
  const PEN_WIDTH = 2.5;      // stroke of the drawing pad, near the drawings' own strokes
  const ARROW_UNITS = 0.4;    // the clean render's arrow barbs (graphics2prog/render.py)
  const ARROW_HALF_ANGLE = Math.PI / 6;
  const DASH_UNITS = 0.25;

  const $ = (id) => document.getElementById(id);
  const state = {
    doc: null,            // the last /api/infer answer
    selected: 0,          // index of the spec shown
    figures: {},          // spec index -> {program, program_status, tikz, svg, png}
    inputImage: null,     // the ink map as an Image, for the overlay
    last: null,           // {blob, name} of the last drawing read
    strokes: [],          // the pad's strokes, each a list of [x, y] in pixels
    busy: false,
    maxUpload: Infinity,
    urls: [],             // object URLs to revoke when replaced
    started: 0,
    timer: null,
  };

  // ------------------------------------------------------------------ server

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new Error("The server could not be reached. Is g2p serve still running?");
    }
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      throw new Error(body && body.error ? body.error : `The server answered ${response.status}.`);
    }
    return body;
  }

  function postJSON(path, doc) {
    return api(path, { method: "POST", headers: { "Content-Type": "application/json" },
                       body: JSON.stringify(doc) });
  }

  // ------------------------------------------------------------------ status

  function say(message) { $("status").textContent = message; }
  function showError(message) { $("error").textContent = message || ""; }

  function setBusy(busy, message) {
    state.busy = busy;
    $("results").setAttribute("aria-busy", String(busy));
    $("progress").hidden = !busy;
    if (message) say(message);
    clearInterval(state.timer);
    $("elapsed").textContent = "";
    if (busy) {
      showError("");
      state.started = performance.now();
      state.timer = setInterval(() => {
        const s = (performance.now() - state.started) / 1000;
        $("elapsed").textContent = `${s.toFixed(0)} s`;
      }, 1000);
    }
    updateControls();
  }

  function updateControls() {
    const hasStrokes = state.strokes.length > 0;
    $("undo").disabled = !hasStrokes;
    $("clear").disabled = !hasStrokes;
    $("send-drawing").disabled = state.busy || !hasStrokes;
    $("rerun").disabled = state.busy || !state.last;
    $("file").disabled = state.busy;
    const figure = state.figures[state.selected];
    $("extrapolate").disabled = state.busy || !figure || !figure.program;
    for (const radio of document.querySelectorAll("#alt-list input")) radio.disabled = state.busy;
  }

  // ------------------------------------------------------------------ settings

  async function loadSettings() {
    try {
      const config = await api("/api/config");
      for (const [name, value] of Object.entries(config.defaults)) {
        const field = $(name);
        if (!field) continue;
        if (field.type === "checkbox") field.checked = Boolean(value);
        else if (field.tagName === "SELECT") field.options[0].text = `server default (${value})`;
        else if (value !== null) field.placeholder = String(value);
      }
      state.maxUpload = config.limits.max_upload_bytes;
      $("max-upload").textContent = `${(state.maxUpload / 2 ** 20).toFixed(0)} MiB`;
    } catch (e) {
      showError(e.message);
    }
  }

  function settingsInto(form) {
    for (const field of $("settings-form").elements) {
      if (!field.name) continue;
      if (field.type === "checkbox") form.append(field.name, field.checked ? "true" : "false");
      else if (field.value.trim() !== "") form.append(field.name, field.value.trim());
    }
  }

  // ------------------------------------------------------------------ inference

  async function infer(blob, name) {
    if (state.busy) return;
    if (blob.size > state.maxUpload) {
      showError(`${name} is larger than ${$("max-upload").textContent}.`);
      return;
    }
    state.last = { blob, name };
    const form = new FormData();
    form.append("image", blob, name);
    settingsInto(form);
    setBusy(true, `Reading ${name}…`);
    try {
      const doc = await api("/api/infer", { method: "POST", body: form });
      await showResult(doc);
      const n = doc.specs.length ? doc.specs[0].primitives.length : 0;
      say(`Done in ${doc.timings.total_s.toFixed(1)} s: ${n} primitives` +
          (doc.program ? `, program ${doc.program_status}.` : "."));
    } catch (e) {
      showError(e.message);
      say("Reading the drawing failed.");
    } finally {
      setBusy(false);
    }
  }

  function loadImage(src) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => reject(new Error("The server's image could not be shown."));
      image.src = src;
    });
  }

  async function showResult(doc) {
    state.doc = doc;
    state.selected = 0;
    state.figures = { 0: { program: doc.program, program_status: doc.program_status,
                           tikz: doc.tikz, svg: doc.svg, png: doc.png } };
    state.inputImage = await loadImage(doc.input);
    buildAlternatives(doc.specs);
    $("output").hidden = false;
    $("extrapolation").hidden = true;
    const t = doc.timings;
    $("timings").textContent = "Times: " + Object.entries(t)
      .map(([k, v]) => `${k.replace(/_s$/, "")} ${v.toFixed(2)} s`).join(", ");
    showFigure(0);
    if (!doc.found_ink) showError("No ink was found in the image (a blank page?).");
    revealResults();
  }

  // On a narrow screen the results are below the drawing: bring them into view.
  function revealResults() {
    const top = $("results").getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) {
      const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      $("results").scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
    }
  }

  function specOf(index) {
    const specs = state.doc.specs;
    return specs.length ? specs[index].primitives : [];
  }

  function showFigure(index) {
    state.selected = index;
    const figure = state.figures[index];
    const primitives = specOf(index);
    drawOverlay();
    $("render").src = objectURL(new Blob([figure.svg], { type: "image/svg+xml" }));
    $("spec-text").textContent = primitives.map(primitiveText).join("\n") || "(empty)";
    $("program").textContent = figure.program || "(no program)";
    $("program-status").textContent = `(${figure.program_status})`;
    $("tikz").textContent = figure.tikz;
    $("dl-png").href = figure.png;
    $("dl-svg").href = objectURL(new Blob([figure.svg], { type: "image/svg+xml" }));
    $("dl-tikz").href = objectURL(new Blob([figure.tikz], { type: "text/x-tex" }));
    $("dl-spec").href = objectURL(new Blob([JSON.stringify({ primitives }, null, 1) + "\n"],
                                           { type: "application/json" }));
    $("extrapolation").hidden = true;
    updateControls();
  }

  async function pick(index) {
    if (!state.figures[index]) {
      setBusy(true, `Finding the program of spec ${index + 1}…`);
      try {
        const doc = { primitives: specOf(index) };
        const timeout = $("synth_timeout").value.trim();
        if (timeout) doc.synth_timeout = timeout;
        state.figures[index] = await postJSON("/api/program", doc);
      } catch (e) {
        showError(e.message);
        say("Finding the program failed.");
        setBusy(false);
        checkRadio(state.selected);
        return;
      }
      setBusy(false);
    }
    showFigure(index);
    say(`Showing spec ${index + 1}: program ${state.figures[index].program_status}.`);
  }

  function checkRadio(index) {
    const radio = document.querySelector(`#alt-list input[value="${index}"]`);
    if (radio) radio.checked = true;
  }

  function buildAlternatives(specs) {
    const list = $("alt-list");
    list.replaceChildren();
    specs.forEach((spec, index) => {
      const item = document.createElement("li");
      const label = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "spec";
      radio.value = String(index);
      radio.checked = index === 0;
      radio.addEventListener("change", () => { if (radio.checked) pick(index); });
      const thumb = document.createElement("canvas");
      thumb.width = thumb.height = 64;
      thumb.setAttribute("aria-hidden", "true");
      const ctx = thumb.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, 64, 64);
      drawPrimitives(ctx, spec.primitives, 64, "#1b1f24", 1.2);
      const text = document.createElement("span");
      text.className = "alt-text";
      const score = spec.score.toFixed(2);
      text.textContent = `${index + 1}. ${describe(spec.primitives)} (score ${score})`;
      label.append(radio, thumb, text);
      item.append(label);
      list.append(item);
    });
  }

  function describe(primitives) {
    const counts = { circle: 0, rectangle: 0, line: 0 };
    for (const p of primitives) counts[p.kind] += 1;
    const parts = Object.entries(counts).filter(([, n]) => n)
      .map(([kind, n]) => `${n} ${kind}${n > 1 ? "s" : ""}`);
    return parts.length ? parts.join(", ") : "empty";
  }

  function primitiveText(p) {
    if (p.kind === "circle") return `circle(${p.x},${p.y})`;
    if (p.kind === "rectangle") return `rectangle(${p.x1},${p.y1},${p.x2},${p.y2})`;
    return `line(${p.x1},${p.y1},${p.x2},${p.y2},arrow = ${p.arrow ? "True" : "False"},` +
           `solid = ${p.dashed ? "False" : "True"})`;
  }

  function objectURL(blob) {
    const url = URL.createObjectURL(blob);
    state.urls.push(url);
    if (state.urls.length > 40) URL.revokeObjectURL(state.urls.shift());
    return url;
  }

  // ------------------------------------------------------------------ drawing primitives

  // Grid units to pixels on a canvas `size` wide: column = u*x, row = size - u*y (y up).
  function drawPrimitives(ctx, primitives, size, color, width) {
    const u = size / GRID;
    const px = (x) => u * x;
    const py = (y) => size - u * y;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = "round";
    for (const p of primitives) {
      ctx.setLineDash([]);
      ctx.beginPath();
      if (p.kind === "circle") {
        ctx.arc(px(p.x), py(p.y), u, 0, 2 * Math.PI);
      } else if (p.kind === "rectangle") {
        ctx.rect(px(Math.min(p.x1, p.x2)), py(Math.max(p.y1, p.y2)),
                 u * Math.abs(p.x2 - p.x1), u * Math.abs(p.y2 - p.y1));
      } else {
        if (p.dashed) ctx.setLineDash([DASH_UNITS * u, DASH_UNITS * u]);
        ctx.moveTo(px(p.x1), py(p.y1));
        ctx.lineTo(px(p.x2), py(p.y2));
        if (p.arrow) arrowHead(ctx, px(p.x1), py(p.y1), px(p.x2), py(p.y2), ARROW_UNITS * u);
      }
      ctx.stroke();
    }
    ctx.restore();
  }

  function arrowHead(ctx, xa, ya, xb, yb, length) {
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    const back = Math.atan2(ya - yb, xa - xb);
    ctx.moveTo(xb + length * Math.cos(back - ARROW_HALF_ANGLE),
               yb + length * Math.sin(back - ARROW_HALF_ANGLE));
    ctx.lineTo(xb, yb);
    ctx.lineTo(xb + length * Math.cos(back + ARROW_HALF_ANGLE),
               yb + length * Math.sin(back + ARROW_HALF_ANGLE));
  }

  function drawOverlay() {
    const canvas = $("overlay");
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIZE, SIZE);
    if (state.inputImage) {
      ctx.globalAlpha = 0.55;
      ctx.drawImage(state.inputImage, 0, 0, SIZE, SIZE);
      ctx.globalAlpha = 1;
    }
    const primitives = state.doc ? specOf(state.selected) : [];
    if ($("show-parse").checked) drawPrimitives(ctx, primitives, SIZE, "#c4202f", 2);
    canvas.setAttribute("aria-label", "The image the networks read" +
      ($("show-parse").checked ? `, with the parse (${describe(primitives)}) drawn over it` : ""));
  }

  // ------------------------------------------------------------------ upload

  function chooseFile(file) {
    if (!file) return;
    if (!file.type.startsWith("image/") && file.type !== "") {
      showError(`${file.name} does not look like an image (${file.type}).`);
      return;
    }
    $("upload-preview").src = objectURL(file);
    $("upload-name").textContent = file.name;
    $("upload-figure").hidden = false;
    infer(file, file.name);
  }

  function setUpUpload() {
    const drop = $("drop");
    $("file").addEventListener("change", (e) => {
      chooseFile(e.target.files[0]);
      e.target.value = "";
    });
    drop.addEventListener("dragover", (e) => {
      e.preventDefault();
      drop.classList.add("dragging");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("dragging");
      if (!state.busy) chooseFile(e.dataTransfer.files[0]);
    });
  }

  // ------------------------------------------------------------------ drawing pad

  function drawGrid() {
    const ctx = $("grid").getContext("2d");
    const u = SIZE / GRID;
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.strokeStyle = "#a9c7ea";
    ctx.lineWidth = 1;
    for (let k = 1; k < GRID; k += 1) {
      ctx.beginPath();
      ctx.moveTo(k * u + 0.5, 0);
      ctx.lineTo(k * u + 0.5, SIZE);
      ctx.moveTo(0, k * u + 0.5);
      ctx.lineTo(SIZE, k * u + 0.5);
      ctx.stroke();
    }
  }

  function redrawPad() {
    const ctx = $("pad").getContext("2d");
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const stroke of state.strokes) {
      ctx.beginPath();
      ctx.moveTo(stroke[0][0], stroke[0][1]);
      for (const [x, y] of stroke.slice(1)) ctx.lineTo(x, y);
      if (stroke.length === 1) ctx.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
      ctx.stroke();
    }
    updateControls();
  }

  function padPoint(e) {
    const rect = $("pad").getBoundingClientRect();
    return [(e.clientX - rect.left) * SIZE / rect.width,
            (e.clientY - rect.top) * SIZE / rect.height];
  }

  function setUpPad() {
    const pad = $("pad");
    let stroke = null;
    pad.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      pad.setPointerCapture(e.pointerId);
      stroke = [padPoint(e)];
      state.strokes.push(stroke);
      redrawPad();
    });
    pad.addEventListener("pointermove", (e) => {
      if (!stroke) return;
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      for (const event of (events.length ? events : [e])) stroke.push(padPoint(event));
      redrawPad();
    });
    const end = () => { stroke = null; };
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    $("undo").addEventListener("click", () => { state.strokes.pop(); redrawPad(); });
    $("clear").addEventListener("click", () => { state.strokes = []; redrawPad(); });
    $("show-grid").addEventListener("change", (e) => {
      $("grid").classList.toggle("off", !e.target.checked);
    });
    $("send-drawing").addEventListener("click", sendDrawing);
  }

  // The drawing as a 256x256 PNG, dark ink on white (one grid square is 16 px).
  function sendDrawing() {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = SIZE;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.drawImage($("pad"), 0, 0);
    canvas.toBlob((blob) => {
      $("upload-figure").hidden = true;
      infer(blob, "drawing.png");
    }, "image/png");
  }

  // ------------------------------------------------------------------ results tools

  async function copyTikz() {
    const text = $("tikz").textContent;
    try {
      await navigator.clipboard.writeText(text);
      say("TikZ copied to the clipboard.");
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents($("tikz"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      const copied = document.execCommand && document.execCommand("copy");
      say(copied ? "TikZ copied to the clipboard." : "TikZ selected: press Ctrl+C to copy it.");
    }
  }

  async function extrapolate() {
    const figure = state.figures[state.selected];
    if (!figure || !figure.program) return;
    setBusy(true, "Extrapolating the program…");
    try {
      const doc = await postJSON("/api/extrapolate", { program: figure.program });
      $("extrapolated").src = doc.png;
      $("dl-extrapolated").href = doc.png;
      $("extrapolated-program").textContent = doc.program;
      $("extrapolation").hidden = false;
      say(`Extrapolated: ${doc.primitives.length} primitives.`);
    } catch (e) {
      showError(e.message);
      say("Extrapolation failed.");
    } finally {
      setBusy(false);
    }
  }

  function init() {
    drawGrid();
    setUpPad();
    setUpUpload();
    $("show-parse").addEventListener("change", drawOverlay);
    $("copy-tikz").addEventListener("click", copyTikz);
    $("extrapolate").addEventListener("click", extrapolate);
    $("rerun").addEventListener("click", () => {
      if (state.last) infer(state.last.blob, state.last.name);
    });
    updateControls();
    loadSettings();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
