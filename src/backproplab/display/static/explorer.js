/* Backprop Lab: offline descent explorer for the static book.
 *
 * Reads its data from the JSON script element (class "bpl-data") inside each
 * .bpl-static-explorer element (see backproplab/static_explorer.py), builds the controls and
 * draws on two canvases (the loss panel by window.bplLossPanel, losspanel.js). The paths are
 * computed here, by window.bplDescent (descent.js), from
 * the start the reader picks: a click or a drag on the contour plot, the arrow keys on it, or
 * the two start sliders. The whole state lives in the page's address (?surface=...&lr=...),
 * so a link reopens the same view. No network, no dependencies.
 */
(function () {
  "use strict";
  if (window.bplStaticExplorer) {
    window.bplStaticExplorer.initAll();
    return;
  }

  var C = window.bplCanvas;
  var COLORS = C.COLORS, FRAME_MS = C.FRAME_MS, INK = C.INK;
  var decode = C.decode, el = C.el, nearest = C.nearest, fmt = C.fmt, niceTicks = C.niceTicks;
  var tickText = C.tickText, setupCanvas = C.setupCanvas;
  var frameBox = C.frameBox, xTicks = C.xTicks, yTicks = C.yTicks, axisLabels = C.axisLabels;
  var uid = 0;
  var PARAMS = ["surface", "optimizers", "lr", "beta", "start", "step"];

  function round3(v) { return Math.round(v * 1000) / 1000; }
  function clamp(v, lim) { return Math.min(Math.max(v, lim[0]), lim[1]); }

  // The state a URL asks for, as far as it is valid; anything else keeps its default.
  function stateFromUrl(data, state) {
    var q;
    try { q = new URLSearchParams(window.location.search); } catch (e) { return; }
    data.surfaces.forEach(function (s, i) { if (s.name === q.get("surface")) state.surface = i; });
    var s = data.surfaces[state.surface];
    state.start = s.start.slice();
    if (q.has("optimizers")) {
      var wanted = q.get("optimizers").split(",");
      state.optimizers = data.optimizers.filter(function (n) { return wanted.indexOf(n) >= 0; });
    }
    var lr = parseFloat(q.get("lr")), beta = parseFloat(q.get("beta"));
    if (lr > 0) state.lr = nearest(data.lrs, lr);
    if (isFinite(beta)) state.beta = nearestLinear(data.betas, beta);
    if (q.has("start")) {
      var xy = q.get("start").split(",").map(parseFloat);
      if (xy.length >= s.dim && xy.slice(0, s.dim).every(isFinite)) {
        state.start = [round3(clamp(xy[0], s.xlim))];
        if (s.dim === 2) state.start.push(round3(clamp(xy[1], s.ylim)));
      }
    }
    var step = parseInt(q.get("step"), 10);
    if (isFinite(step)) state.frame = Math.min(Math.max(step, 0), data.steps);
    state.fromUrl = PARAMS.some(function (k) { return q.has(k); });
  }

  function nearestLinear(values, target) {
    var best = 0;
    values.forEach(function (v, i) { if (Math.abs(v - target) < Math.abs(values[best] - target)) best = i; });
    return best;
  }

  function init(root) {
    if (root.getAttribute("data-ready") === "1") return;
    var source = root.querySelector("script.bpl-data");
    if (!source || !window.bplDescent) return;
    root.setAttribute("data-ready", "1");
    var data = JSON.parse(source.textContent);
    var D = window.bplDescent;
    var id = "bpl-se-" + (++uid);
    var cache = {}, cacheSize = 0;
    var state = {
      surface: 0,
      optimizers: data.defaults.optimizers.slice(),
      lr: nearest(data.lrs, data.defaults.lr),
      beta: nearestLinear(data.betas, data.defaults.beta),
      frame: data.steps,
      playing: false,
    };
    data.surfaces.forEach(function (s, i) { if (s.name === data.defaults.surface) state.surface = i; });
    stateFromUrl(data, state);
    var timer = null, urlTimer = null, dragging = false, pending = null;
    root.bplTimings = [];

    // ---- controls (each with a visible label tied to it, or an aria-label) -----------------
    function labelled(parent, text, control, extra) {
      var wrap = el("span", { class: "bpl-se-field" }, parent);
      var label = el("label", { for: control.id, text: text }, wrap);
      wrap.appendChild(control);
      if (extra) wrap.appendChild(extra);
      return label;
    }
    function range(name, min, max, step, value) {
      return el("input", {
        type: "range", id: id + "-" + name, min: String(min), max: String(max), step: String(step),
        value: String(value), "data-control": name,
      });
    }
    var controls = el("div", { class: "bpl-se-controls" }, root);
    var surfSelect = el("select", { id: id + "-surface", "data-control": "surface" });
    data.surfaces.forEach(function (s, i) { el("option", { value: String(i), text: s.title }, surfSelect); });
    labelled(controls, "surface ", surfSelect);
    var lrInput = range("lr", 0, data.lrs.length - 1, 1, state.lr);
    var lrOut = el("output", { for: lrInput.id, "aria-hidden": "true" });
    labelled(controls, "learning rate ", lrInput, lrOut);
    var betaInput = range("beta", 0, data.betas.length - 1, 1, state.beta);
    var betaOut = el("output", { for: betaInput.id, "aria-hidden": "true" });
    labelled(controls, "β (momentum, ρ, β₁) ", betaInput, betaOut);

    var optRow = el("fieldset", { class: "bpl-se-optimizers" }, root);
    el("legend", { class: "bpl-se-hidden", text: "optimizers shown" }, optRow);
    var boxes = data.optimizers.map(function (name, i) {
      var label = el("label", { class: "bpl-se-opt" }, optRow);
      var box = el("input", { type: "checkbox", value: name, "data-control": "optimizer" }, label);
      box.checked = state.optimizers.indexOf(name) >= 0;
      var swatch = el("span", { class: "bpl-se-swatch", "aria-hidden": "true" }, label);
      swatch.style.background = COLORS[i % COLORS.length];
      el("span", { text: name }, label);
      return box;
    });

    var startRow = el("div", { class: "bpl-se-start" }, root);
    var startX = range("start-x", 0, 1, "any", 0);
    var startY = range("start-y", 0, 1, "any", 0);
    var startXLabel = labelled(startRow, "start w₁ ", startX);
    labelled(startRow, "start w₂ ", startY);
    var startOut = el("output", { "aria-hidden": "true" }, startRow);
    var startReset = el("button", {
      type: "button", "data-control": "start-reset", text: "default start",
      title: "back to the surface's own start",
    }, startRow);

    var plots = el("div", { class: "bpl-se-plots" }, root);
    var surfCanvas = el("canvas", {
      "data-role": "surface-plot", tabindex: "0", role: "application",
      "aria-label": "Contour plot with the descent paths. Click or drag to choose the start; " +
        "arrow keys move it (with Shift, five times farther), Home puts it back.",
    }, plots);
    var lossCanvas = el("canvas", {
      "data-role": "loss-plot", role: "img",
      "aria-label": "loss per step, log scale (with the validation loss dotted, where the surface has one)",
    }, plots);
    var W1, H1, W2, H2, ctx1, ctx2, ratio = 1, background = null;

    var player = el("div", { class: "bpl-se-player" }, root);
    var resetBtn = el("button", { type: "button", "data-control": "reset", title: "back to step 0", text: "reset" }, player);
    var playBtn = el("button", { type: "button", "data-control": "play", title: "play / pause", text: "▶ play" }, player);
    var stepBtn = el("button", { type: "button", "data-control": "step", title: "one step", text: "step ▸" }, player);
    var frameInput = range("frame", 0, data.steps, 1, state.frame);
    frameInput.setAttribute("aria-label", "step shown");
    player.appendChild(frameInput);
    var frameOut = el("output", { for: frameInput.id, "aria-hidden": "true" }, player);
    var readout = el("div", {
      class: "bpl-se-readout", id: id + "-readout", "data-role": "readout", "aria-live": "polite",
    }, root);
    surfCanvas.setAttribute("aria-describedby", readout.id);
    lossCanvas.setAttribute("aria-describedby", readout.id);

    // ---- layout --------------------------------------------------------------------------
    // Side by side while both panels stay readable (the book's content column, ~650 px inside
    // the frame, qualifies); below that the flex row wraps and each panel takes the full width.
    var GAP = 12, BORDER = 2, SIDE_BY_SIDE = 560;
    var layoutWidth = -1;
    function layout() {
      var style = window.getComputedStyle(root);
      var inner = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      inner = Math.max(260, Math.floor(inner));
      if (inner === layoutWidth) return false;
      layoutWidth = inner;
      if (inner >= SIDE_BY_SIDE) {
        // The loss panel gets a little less than half: it needs no equal aspect, only length.
        W1 = Math.floor((inner - GAP - 2 * BORDER) * 0.52);
        W2 = inner - GAP - 2 * BORDER - W1;
        H1 = H2 = Math.min(320, Math.max(250, Math.round(W1 * 0.86)));
      } else {
        W1 = W2 = inner - BORDER;
        H1 = Math.round(W1 * 0.75);
        H2 = Math.round(W2 * 0.62);
      }
      ratio = window.devicePixelRatio || 1;
      ctx1 = setupCanvas(surfCanvas, W1, H1);
      ctx2 = setupCanvas(lossCanvas, W2, H2);
      background = null;
      return true;
    }

    // ---- data ----------------------------------------------------------------------------
    function surface() { return data.surfaces[state.surface]; }
    function color(name) { return COLORS[data.optimizers.indexOf(name) % COLORS.length]; }

    function hyperparameters(name) {
      var hp = { lr: data.lrs[state.lr] };
      Object.keys(data.hparams[name]).forEach(function (k) { hp[k] = data.hparams[name][k]; });
      if (data.decay[name]) hp[data.decay[name]] = data.betas[state.beta];
      return hp;
    }

    // The path of one optimizer for the current settings: positions, losses (and validation
    // losses, or null) and the last finite step. Cached, so moving the step slider or playing
    // recomputes nothing.
    function path(name) {
      var s = surface(), hp = hyperparameters(name);
      var key = [s.name, name, JSON.stringify(hp), state.start.join(",")].join("|");
      if (cache[key]) return cache[key];
      var w = D.descend(s, name, hp, state.start, data.steps), f = D.surface(s), d = s.dim;
      var n = data.steps + 1, loss = new Float64Array(n).fill(NaN), last = 0;
      var val = f.val ? new Float64Array(n).fill(NaN) : null;
      for (var k = 0; k < n; k++) {
        if (isNaN(w[k * d])) break;
        var wk = Array.prototype.slice.call(w, k * d, k * d + d);
        loss[k] = f.value(wk);
        if (val) val[k] = f.val(wk);
        last = k;
      }
      if (cacheSize > 400) { cache = {}; cacheSize = 0; }
      cacheSize += 1;
      return (cache[key] = { w: w, loss: loss, val: val, last: last, dim: d });
    }

    // What the left panel draws for step k: (w1, w2), or (w, L(w)) on the 1-D curve.
    function point(p, k) {
      return p.dim === 2 ? [p.w[2 * k], p.w[2 * k + 1]] : [p.w[k], p.loss[k]];
    }

    function contours() {
      var s = surface();
      var key = s.name + "/contours";
      if (!cache[key]) cache[key] = s.contours.map(function (c) { return [c[0], decode(c[1])]; });
      return cache[key];
    }

    function surfaceBox() { return { l: 50, t: 8, w: W1 - 50 - 10, h: H1 - 8 - 42 }; }

    // ---- drawing -------------------------------------------------------------------------
    // Contours, minima and axes change only with the surface or the size: drawn once into an
    // offscreen canvas, then copied under the paths on every redraw (a drag stays fast).
    function drawBackground() {
      var s = surface(), box = surfaceBox();
      var canvas = document.createElement("canvas");
      var ctx = setupCanvas(canvas, W1, H1);
      function px(q) { return box.l + (q / data.scale) * box.w; }
      function py(q) { return box.t + box.h - (q / data.scale) * box.h; }
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, W1, H1);
      ctx.save();
      ctx.beginPath();
      ctx.rect(box.l, box.t, box.w, box.h);
      ctx.clip();
      contours().forEach(function (c) {
        // Low levels (the valley floor) darker, the walls fading out: the eye finds the minimum.
        var t = s.dim === 1 ? 0 : c[0] / Math.max(1, data.levels - 1);
        ctx.strokeStyle = s.dim === 1 ? "#555" : "hsl(215, 30%, " + Math.round(45 + 40 * t) + "%)";
        ctx.lineWidth = s.dim === 1 ? 1.5 : 0.8;
        var a = c[1];
        ctx.beginPath();
        for (var i = 0; i < a.length; i += 2) {
          if (i === 0) ctx.moveTo(px(a[i]), py(a[i + 1]));
          else ctx.lineTo(px(a[i]), py(a[i + 1]));
        }
        ctx.stroke();
      });
      var f = D.surface(s);
      ctx.fillStyle = INK;
      ctx.font = "15px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      s.minima.forEach(function (m) {
        var xy = s.dim === 2 ? m : [m[0], f.value(m)];
        ctx.fillText("★", toX(xy[0]), toY(xy[1]));
      });
      ctx.restore();
      frameBox(ctx, box);
      var xt = niceTicks(s.xlim[0], s.xlim[1], box.w / 60);
      var yt = niceTicks(s.ylim[0], s.ylim[1], box.h / 45);
      xTicks(ctx, box, xt.values, toX, function (v) { return tickText(v, xt.step); });
      yTicks(ctx, box, yt.values, toY, function (v) { return tickText(v, yt.step); });
      axisLabels(ctx, W1, H1, box, s.dim === 2 ? "w₁" : "w", s.dim === 2 ? "w₂" : "L(w)");
      return canvas;
    }

    function toX(v) { var s = surface(), b = surfaceBox(); return b.l + (v - s.xlim[0]) / (s.xlim[1] - s.xlim[0]) * b.w; }
    function toY(v) { var s = surface(), b = surfaceBox(); return b.t + b.h - (v - s.ylim[0]) / (s.ylim[1] - s.ylim[0]) * b.h; }

    function drawSurface() {
      var s = surface(), box = surfaceBox();
      if (!background) background = drawBackground();
      ctx1.setTransform(1, 0, 0, 1, 0, 0);
      ctx1.drawImage(background, 0, 0);
      ctx1.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx1.save();
      ctx1.beginPath();
      ctx1.rect(box.l, box.t, box.w, box.h);
      ctx1.clip();
      state.optimizers.forEach(function (name) {
        var p = path(name), last = Math.min(state.frame, p.last);
        ctx1.strokeStyle = color(name);
        ctx1.fillStyle = color(name);
        ctx1.lineWidth = 1.8;
        ctx1.lineJoin = "round";
        ctx1.beginPath();
        for (var i = 0; i <= last; i++) {
          var xy = point(p, i);
          if (i === 0) ctx1.moveTo(toX(xy[0]), toY(xy[1]));
          else ctx1.lineTo(toX(xy[0]), toY(xy[1]));
        }
        ctx1.stroke();
        var end = point(p, last);
        ctx1.beginPath();
        ctx1.arc(toX(end[0]), toY(end[1]), 4.5, 0, 2 * Math.PI);
        ctx1.fill();
        ctx1.strokeStyle = "#ffffff";
        ctx1.lineWidth = 1.2;
        ctx1.stroke();
      });
      // The start: a ring with a cross, the handle a reader drags.
      var p0 = s.dim === 2 ? state.start : [state.start[0], D.surface(s).value(state.start)];
      var sx = toX(p0[0]), sy = toY(p0[1]);
      ctx1.strokeStyle = INK;
      ctx1.lineWidth = 1.5;
      ctx1.beginPath();
      ctx1.arc(sx, sy, 6, 0, 2 * Math.PI);
      ctx1.moveTo(sx - 9, sy);
      ctx1.lineTo(sx + 9, sy);
      ctx1.moveTo(sx, sy - 9);
      ctx1.lineTo(sx, sy + 9);
      ctx1.stroke();
      ctx1.restore();
    }

    function drawLoss() {
      var series = state.optimizers.map(function (name) {
        var p = path(name);
        return { color: color(name), loss: p.loss, val: p.val, last: p.last };
      });
      root.bplLossAxes = window.bplLossPanel.draw(ctx2, W2, H2, series, data.steps, state.frame);
    }

    function startText() {
      var s = surface();
      return s.dim === 2 ? "(" + fmt(state.start[0]) + ", " + fmt(state.start[1]) + ")" : fmt(state.start[0]);
    }

    function drawReadout() {
      var s = surface();
      readout.textContent = "";
      el("div", { text: "start w = " + startText() }, readout);
      state.optimizers.forEach(function (name) {
        var p = path(name), k = state.frame;
        var row = el("div", {}, readout);
        var sw = el("span", { class: "bpl-se-swatch", "aria-hidden": "true" }, row);
        sw.style.background = color(name);
        if (k > p.last) {
          el("span", { text: name + ": diverged at step " + (p.last + 1) + " (learning rate too large)" }, row);
          return;
        }
        var w = s.dim === 2 ? "w = (" + fmt(p.w[2 * k]) + ", " + fmt(p.w[2 * k + 1]) + ")" : "w = " + fmt(p.w[k]);
        var text = name + ": step " + k + ", " + w + ", L(w) = " + fmt(p.loss[k]);
        if (p.val) {
          var best = window.bplLossPanel.lowest(p.val, k);
          text += "; validation loss " + fmt(p.val[k]) + ", lowest " + fmt(best.value) +
            " at step " + best.step + " of " + k;
        }
        el("span", { text: text }, row);
      });
    }

    // On a surface with a validation loss: each optimizer's lowest validation loss among the
    // steps shown, its step and the loss at the step shown (null on the other surfaces).
    function validation() {
      if (!D.surface(surface()).val) return null;
      var out = {};
      state.optimizers.forEach(function (name) {
        var p = path(name), k = Math.min(state.frame, p.last), best = window.bplLossPanel.lowest(p.val, k);
        out[name] = { lowest: best.value, step: best.step, now: p.val[k] };
      });
      return out;
    }

    function currentState() {
      return {
        surface: surface().name,
        optimizers: state.optimizers.slice(),
        lr: data.lrs[state.lr],
        beta: data.betas[state.beta],
        start: state.start.slice(),
        step: state.frame,
        playing: state.playing,
      };
    }

    // The address keeps the view (not while playing, and at most every 150 ms while dragging:
    // browsers throttle history updates).
    function writeUrl() {
      if (urlTimer !== null) clearTimeout(urlTimer);
      urlTimer = setTimeout(function () {
        urlTimer = null;
        var st = currentState(), q;
        try { q = new URLSearchParams(window.location.search); } catch (e) { return; }
        q.set("surface", st.surface);
        q.set("optimizers", st.optimizers.join(","));
        q.set("lr", String(st.lr));
        q.set("beta", String(st.beta));
        q.set("start", st.start.join(","));
        q.set("step", String(st.step));
        var url = window.location.pathname + "?" + q.toString().replace(/%2C/g, ",") + window.location.hash;
        try { window.history.replaceState(window.history.state, "", url); } catch (e) { /* file: in some browsers */ }
      }, 150);
    }

    function render() {
      var t0 = performance.now();
      var s = surface();
      lrOut.textContent = " " + data.lrs[state.lr];
      lrInput.setAttribute("aria-valuetext", String(data.lrs[state.lr]));
      betaOut.textContent = " " + data.betas[state.beta];
      betaInput.setAttribute("aria-valuetext", String(data.betas[state.beta]));
      frameOut.textContent = " step " + state.frame + " / " + data.steps;
      frameInput.value = String(state.frame);
      frameInput.setAttribute("aria-valuetext", "step " + state.frame + " of " + data.steps);
      startX.value = String(state.start[0]);
      startX.setAttribute("aria-valuetext", (s.dim === 2 ? "w₁ = " : "w = ") + fmt(state.start[0]));
      if (s.dim === 2) {
        startY.value = String(state.start[1]);
        startY.setAttribute("aria-valuetext", "w₂ = " + fmt(state.start[1]));
      }
      startOut.textContent = " start " + startText();
      playBtn.textContent = state.playing ? "pause" : "▶ play";
      playBtn.setAttribute("aria-pressed", state.playing ? "true" : "false");
      drawSurface();
      drawLoss();
      drawReadout();
      root.setAttribute("data-state", JSON.stringify(currentState()));
      var v = validation();
      if (v) root.setAttribute("data-validation", JSON.stringify(v));
      else root.removeAttribute("data-validation");
      if (!state.playing) writeUrl();
      var ms = performance.now() - t0;
      root.bplTimings.push(ms);
      if (root.bplTimings.length > 500) root.bplTimings.shift();
      root.setAttribute("data-render-ms", ms.toFixed(2));
    }

    // ---- playback ------------------------------------------------------------------------
    function pause() {
      state.playing = false;
      if (timer !== null) clearInterval(timer);
      timer = null;
    }

    function play() {
      if (state.frame >= data.steps) state.frame = 0;
      state.playing = true;
      if (timer !== null) clearInterval(timer);
      timer = setInterval(function () {
        state.frame += 1;
        if (state.frame >= data.steps) {
          state.frame = data.steps;
          pause();
        }
        render();
      }, FRAME_MS);
    }

    // A new setting replays the path from the start while playing; paused, it keeps the step.
    function changed() {
      if (state.playing) state.frame = 0;
      render();
    }

    // ---- the start ----------------------------------------------------------------------
    function syncStartSliders() {
      var s = surface();
      [[startX, s.xlim], [startY, s.ylim]].forEach(function (pair) {
        pair[0].min = String(pair[1][0]);
        pair[0].max = String(pair[1][1]);
      });
      startY.disabled = s.dim === 1;
      startXLabel.textContent = s.dim === 2 ? "start w₁ " : "start w ";
    }

    function setStart(x, y) {
      var s = surface();
      state.start = [round3(clamp(x, s.xlim))];
      if (s.dim === 2) state.start.push(round3(clamp(y, s.ylim)));
      changed();
    }

    // A pointer position on the contour plot in the surface's coordinates.
    function pointerToWorld(event) {
      var s = surface(), box = surfaceBox(), rect = surfCanvas.getBoundingClientRect();
      var cx = event.clientX - rect.left - surfCanvas.clientLeft;
      var cy = event.clientY - rect.top - surfCanvas.clientTop;
      return [
        s.xlim[0] + (cx - box.l) / box.w * (s.xlim[1] - s.xlim[0]),
        s.ylim[1] - (cy - box.t) / box.h * (s.ylim[1] - s.ylim[0]),
      ];
    }

    function dragTo(event) {
      pending = pointerToWorld(event);
      window.requestAnimationFrame(function () {
        if (pending === null) return;
        var xy = pending;
        pending = null;
        setStart(xy[0], xy[1]);
      });
    }

    surfCanvas.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      dragging = true;
      try { surfCanvas.setPointerCapture(event.pointerId); } catch (e) { /* synthetic events */ }
      surfCanvas.focus();
      event.preventDefault();
      dragTo(event);
    });
    surfCanvas.addEventListener("pointermove", function (event) { if (dragging) dragTo(event); });
    ["pointerup", "pointercancel"].forEach(function (type) {
      surfCanvas.addEventListener(type, function () { dragging = false; });
    });
    surfCanvas.addEventListener("keydown", function (event) {
      var s = surface(), factor = event.shiftKey ? 5 : 1;
      var dx = (s.xlim[1] - s.xlim[0]) / 50 * factor, dy = (s.ylim[1] - s.ylim[0]) / 50 * factor;
      var x = state.start[0], y = s.dim === 2 ? state.start[1] : 0;
      var moves = { ArrowLeft: [-dx, 0], ArrowRight: [dx, 0], ArrowUp: [0, dy], ArrowDown: [0, -dy] };
      if (event.key === "Home") setStart(s.start[0], s.start[1]);
      else if (moves[event.key] && (s.dim === 2 || moves[event.key][0] !== 0)) {
        setStart(x + moves[event.key][0], y + moves[event.key][1]);
      } else return;
      event.preventDefault();
    });
    startX.addEventListener("input", function () { setStart(Number(startX.value), state.start[1]); });
    startY.addEventListener("input", function () { setStart(state.start[0], Number(startY.value)); });
    startReset.addEventListener("click", function () { var s = surface(); setStart(s.start[0], s.start[1]); });

    // ---- the other controls --------------------------------------------------------------
    surfSelect.addEventListener("change", function () {
      state.surface = Number(surfSelect.value);
      state.start = surface().start.slice();
      background = null;
      syncStartSliders();
      changed();
    });
    lrInput.addEventListener("input", function () { state.lr = Number(lrInput.value); changed(); });
    betaInput.addEventListener("input", function () { state.beta = Number(betaInput.value); changed(); });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        state.optimizers = data.optimizers.filter(function (n, i) { return boxes[i].checked; });
        changed();
      });
    });
    playBtn.addEventListener("click", function () { if (state.playing) pause(); else play(); render(); });
    stepBtn.addEventListener("click", function () { pause(); state.frame = Math.min(state.frame + 1, data.steps); render(); });
    resetBtn.addEventListener("click", function () { pause(); state.frame = 0; render(); });
    frameInput.addEventListener("input", function () { pause(); state.frame = Number(frameInput.value); render(); });

    // Re-lay out only when the width really changed (a scroll bar or a zoom), then redraw.
    window.addEventListener("resize", function () { if (layout()) render(); });
    surfSelect.value = String(state.surface);
    syncStartSliders();
    layout();
    render();
    // A shared link opens on the explorer it describes.
    if (state.fromUrl && root.scrollIntoView) root.scrollIntoView({ block: "start" });
  }

  function initAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".bpl-static-explorer"), init);
  }

  window.bplStaticExplorer = { initAll: initAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
