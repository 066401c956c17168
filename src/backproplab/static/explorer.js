/* Backprop Lab: offline descent explorer for the static book.
 *
 * Reads the precomputed paths from the JSON script element (class "bpl-data")
 * inside each .bpl-static-explorer element (see backproplab/static_explorer.py for the
 * format), builds the controls and draws on two canvases. No network, no dependencies.
 */
(function () {
  "use strict";
  if (window.bplStaticExplorer) {
    window.bplStaticExplorer.initAll();
    return;
  }

  // Okabe-Ito, in the order of optimizers.OPTIMIZER_NAMES (the live widget uses the same).
  var COLORS = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7"];
  var NAN = -32768;
  var FRAME_MS = 40;
  var INK = "#333333";
  var AXIS = "#9a9a9a";
  var GRID = "#ececec";
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
  var TICK_FONT = "11.5px " + FONT;
  var LABEL_FONT = "13px " + FONT;
  var SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

  function decode(b64) {
    var bin = atob(b64);
    var view = new DataView(new ArrayBuffer(bin.length));
    for (var i = 0; i < bin.length; i++) view.setUint8(i, bin.charCodeAt(i));
    var out = new Int16Array(bin.length / 2);
    for (var j = 0; j < out.length; j++) out[j] = view.getInt16(2 * j, true);
    return out;
  }

  function el(tag, attrs, parent) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function nearest(values, target) {
    var best = 0;
    values.forEach(function (v, i) {
      if (Math.abs(Math.log(v) - Math.log(target)) < Math.abs(Math.log(values[best]) - Math.log(target))) best = i;
    });
    return best;
  }

  function fmt(x) {
    if (!isFinite(x)) return "—";
    var a = Math.abs(x);
    return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : x.toPrecision(3);
  }

  // About `count` round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi].
  function niceTicks(lo, hi, count) {
    var raw = (hi - lo) / Math.max(2, count);
    var step = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var r = raw / step;
    step *= r >= 7.5 ? 10 : r >= 3.5 ? 5 : r >= 1.5 ? 2 : 1;
    var values = [];
    for (var k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) values.push(k * step);
    return { values: values, step: step };
  }

  // A tick value with as many decimals as its step needs and a true minus sign.
  function tickText(v, step) {
    var decimals = Math.max(0, -Math.floor(Math.log(step) / Math.LN10 + 1e-9));
    var text = (Math.abs(v) < step * 1e-6 ? 0 : v).toFixed(decimals);
    return text.replace("-", "−");
  }

  function power10(d) {
    return "10" + String(d).split("").map(function (c) { return SUPERSCRIPT[c]; }).join("");
  }

  function setupCanvas(canvas, width, height) {
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  function init(root) {
    if (root.getAttribute("data-ready") === "1") return;
    var source = root.querySelector("script.bpl-data");
    if (!source) return;
    root.setAttribute("data-ready", "1");
    var data = JSON.parse(source.textContent);
    var cache = {};
    var state = {
      surface: 0,
      optimizers: data.defaults.optimizers.slice(),
      lr: nearest(data.lrs, data.defaults.lr),
      beta: nearest(data.betas, data.defaults.beta),
      frame: data.steps,
      playing: false,
    };
    data.surfaces.forEach(function (s, i) {
      if (s.name === data.defaults.surface) state.surface = i;
    });
    var timer = null;

    // ---- controls ------------------------------------------------------------------------
    var controls = el("div", { class: "bpl-se-controls" }, root);
    var surfLabel = el("label", { text: "surface " }, controls);
    var surfSelect = el("select", { "data-control": "surface" }, surfLabel);
    data.surfaces.forEach(function (s, i) {
      el("option", { value: String(i), text: s.title }, surfSelect);
    });
    surfSelect.value = String(state.surface);

    var lrLabel = el("label", { text: "learning rate " }, controls);
    var lrInput = el("input", {
      type: "range", min: "0", max: String(data.lrs.length - 1), step: "1",
      value: String(state.lr), "data-control": "lr", "aria-label": "learning rate (log scale)",
    }, lrLabel);
    var lrOut = el("output", {}, lrLabel);

    var betaLabel = el("label", { text: "β (momentum, ρ, β₁) " }, controls);
    var betaInput = el("input", {
      type: "range", min: "0", max: String(data.betas.length - 1), step: "1",
      value: String(state.beta), "data-control": "beta", "aria-label": "decay rate beta",
    }, betaLabel);
    var betaOut = el("output", {}, betaLabel);

    var optRow = el("div", { class: "bpl-se-optimizers" }, root);
    var boxes = data.optimizers.map(function (name, i) {
      var label = el("label", { class: "bpl-se-opt" }, optRow);
      var box = el("input", { type: "checkbox", value: name, "data-control": "optimizer" }, label);
      box.checked = state.optimizers.indexOf(name) >= 0;
      var swatch = el("span", { class: "bpl-se-swatch" }, label);
      swatch.style.background = COLORS[i % COLORS.length];
      el("span", { text: name }, label);
      return box;
    });

    var plots = el("div", { class: "bpl-se-plots" }, root);
    var surfCanvas = el("canvas", { "data-role": "surface-plot", "aria-label": "descent paths" }, plots);
    var lossCanvas = el("canvas", { "data-role": "loss-plot", "aria-label": "loss per step" }, plots);
    var W1, H1, W2, H2, ctx1, ctx2;

    var player = el("div", { class: "bpl-se-player" }, root);
    var resetBtn = el("button", { type: "button", "data-control": "reset", title: "back to step 0", text: "reset" }, player);
    var playBtn = el("button", { type: "button", "data-control": "play", title: "play / pause", text: "▶ play" }, player);
    var stepBtn = el("button", { type: "button", "data-control": "step", title: "one step", text: "step ▸" }, player);
    var frameInput = el("input", {
      type: "range", min: "0", max: String(data.steps), step: "1", value: String(state.frame),
      "data-control": "frame", "aria-label": "step",
    }, player);
    var frameOut = el("output", {}, player);
    var readout = el("div", { class: "bpl-se-readout", "data-role": "readout", "aria-live": "polite" }, root);

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
      ctx1 = setupCanvas(surfCanvas, W1, H1);
      ctx2 = setupCanvas(lossCanvas, W2, H2);
      return true;
    }
    // ---- data access ---------------------------------------------------------------------
    function surface() { return data.surfaces[state.surface]; }

    function path(name) {
      var s = surface();
      var key = s.name + "/" + name;
      if (!cache[key]) cache[key] = decode(s.paths[name]);
      var nb = data.decay[name] ? data.betas.length : 1;
      var b = data.decay[name] ? state.beta : 0;
      var n = data.steps + 1;
      return { array: cache[key], offset: ((state.lr * nb + b) * n) * 3, n: n };
    }

    function contours() {
      var s = surface();
      var key = s.name + "/contours";
      if (!cache[key]) cache[key] = s.contours.map(function (c) { return [c[0], decode(c[1])]; });
      return cache[key];
    }

    function toWorld(q, lim) { return lim[0] + (q / data.scale) * (lim[1] - lim[0]); }
    function color(name) { return COLORS[data.optimizers.indexOf(name) % COLORS.length]; }

    // ---- axes ----------------------------------------------------------------------------
    function frameBox(ctx, box) {
      ctx.strokeStyle = AXIS;
      ctx.lineWidth = 1;
      ctx.strokeRect(box.l + 0.5, box.t + 0.5, box.w - 1, box.h - 1);
    }

    function xTicks(ctx, box, values, toX, label) {
      ctx.strokeStyle = AXIS;
      ctx.fillStyle = INK;
      ctx.font = TICK_FONT;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      values.forEach(function (v) {
        var x = Math.round(toX(v)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, box.t + box.h);
        ctx.lineTo(x, box.t + box.h + 4);
        ctx.stroke();
        ctx.fillText(label(v), x, box.t + box.h + 6);
      });
    }

    function yTicks(ctx, box, values, toY, label) {
      ctx.strokeStyle = AXIS;
      ctx.fillStyle = INK;
      ctx.font = TICK_FONT;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      values.forEach(function (v) {
        var y = Math.round(toY(v)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(box.l - 4, y);
        ctx.lineTo(box.l, y);
        ctx.stroke();
        ctx.fillText(label(v), box.l - 6, y);
      });
    }

    function axisLabels(ctx, width, height, box, xLabel, yLabel) {
      ctx.fillStyle = INK;
      ctx.font = LABEL_FONT;
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.fillText(xLabel, box.l + box.w / 2, height - 3);
      ctx.save();
      ctx.translate(3, box.t + box.h / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "top";
      ctx.fillText(yLabel, 0, 0);
      ctx.restore();
    }

    // ---- drawing -------------------------------------------------------------------------
    function drawSurface() {
      var s = surface();
      var box = { l: 50, t: 8, w: W1 - 50 - 10, h: H1 - 8 - 42 };
      function px(q) { return box.l + (q / data.scale) * box.w; }
      function py(q) { return box.t + box.h - (q / data.scale) * box.h; }
      function wx(v) { return box.l + (v - s.xlim[0]) / (s.xlim[1] - s.xlim[0]) * box.w; }
      function wy(v) { return box.t + box.h - (v - s.ylim[0]) / (s.ylim[1] - s.ylim[0]) * box.h; }
      ctx1.clearRect(0, 0, W1, H1);
      ctx1.fillStyle = "#ffffff";
      ctx1.fillRect(0, 0, W1, H1);
      ctx1.save();
      ctx1.beginPath();
      ctx1.rect(box.l, box.t, box.w, box.h);
      ctx1.clip();
      contours().forEach(function (c) {
        // Low levels (the valley floor) darker, the walls fading out: the eye finds the minimum.
        var t = s.dim === 1 ? 0 : c[0] / Math.max(1, data.levels - 1);
        ctx1.strokeStyle = s.dim === 1 ? "#555" : "hsl(215, 30%, " + Math.round(45 + 40 * t) + "%)";
        ctx1.lineWidth = s.dim === 1 ? 1.5 : 0.8;
        var a = c[1];
        ctx1.beginPath();
        for (var i = 0; i < a.length; i += 2) {
          if (i === 0) ctx1.moveTo(px(a[i]), py(a[i + 1]));
          else ctx1.lineTo(px(a[i]), py(a[i + 1]));
        }
        ctx1.stroke();
      });
      var m = decode(s.minima);
      ctx1.fillStyle = INK;
      ctx1.font = "15px sans-serif";
      ctx1.textAlign = "center";
      ctx1.textBaseline = "middle";
      for (var k = 0; k < m.length; k += 2) ctx1.fillText("★", px(m[k]), py(m[k + 1]));
      state.optimizers.forEach(function (name) {
        var p = path(name), a = p.array, o = p.offset;
        ctx1.strokeStyle = color(name);
        ctx1.fillStyle = color(name);
        ctx1.lineWidth = 1.8;
        ctx1.lineJoin = "round";
        ctx1.beginPath();
        var last = -1;
        for (var i = 0; i <= state.frame; i++) {
          var x = a[o + 3 * i], y = a[o + 3 * i + 1];
          if (x === NAN) break;
          if (i === 0) ctx1.moveTo(px(x), py(y));
          else ctx1.lineTo(px(x), py(y));
          last = i;
        }
        ctx1.stroke();
        ctx1.lineWidth = 1.5;
        ctx1.beginPath();
        ctx1.arc(px(a[o]), py(a[o + 1]), 4, 0, 2 * Math.PI);
        ctx1.stroke();
        if (last >= 0) {
          ctx1.beginPath();
          ctx1.arc(px(a[o + 3 * last]), py(a[o + 3 * last + 1]), 4.5, 0, 2 * Math.PI);
          ctx1.fill();
          ctx1.strokeStyle = "#ffffff";
          ctx1.lineWidth = 1.2;
          ctx1.stroke();
        }
      });
      ctx1.restore();
      frameBox(ctx1, box);
      var xt = niceTicks(s.xlim[0], s.xlim[1], box.w / 60);
      var yt = niceTicks(s.ylim[0], s.ylim[1], box.h / 45);
      xTicks(ctx1, box, xt.values, wx, function (v) { return tickText(v, xt.step); });
      yTicks(ctx1, box, yt.values, wy, function (v) { return tickText(v, yt.step); });
      axisLabels(ctx1, W1, H1, box, s.dim === 2 ? "w₁" : "w", s.dim === 2 ? "w₂" : "E(w)");
    }

    function drawLoss() {
      var box = { l: 62, t: 8, w: W2 - 62 - 12, h: H2 - 8 - 42 };
      ctx2.clearRect(0, 0, W2, H2);
      ctx2.fillStyle = "#ffffff";
      ctx2.fillRect(0, 0, W2, H2);
      // Every path starts at the same point; a diverging path is clipped at the top instead
      // of squashing the others against the bottom.
      var lo = Infinity, hi = -Infinity;
      state.optimizers.forEach(function (name) {
        var p = path(name);
        hi = Math.max(hi, p.array[p.offset + 2] / 1000 + 1);
        for (var i = 0; i < p.n; i++) {
          var v = p.array[p.offset + 3 * i + 2];
          if (v === NAN) break;
          lo = Math.min(lo, v / 1000);
        }
      });
      if (!isFinite(lo)) { lo = -1; hi = 1; }
      hi = Math.ceil(hi);
      lo = Math.min(Math.floor(Math.max(lo, hi - 12)), hi - 1);
      function lx(i) { return box.l + (i / data.steps) * box.w; }
      function ly(v) { return box.t + (1 - (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * box.h; }
      var every = Math.max(1, Math.ceil((hi - lo) / Math.max(2, Math.floor(box.h / 32))));
      var decades = [];
      for (var d = hi; d >= lo; d -= every) decades.push(d);
      ctx2.strokeStyle = GRID;
      ctx2.lineWidth = 1;
      decades.forEach(function (dd) {
        var y = Math.round(ly(dd)) + 0.5;
        ctx2.beginPath();
        ctx2.moveTo(box.l, y);
        ctx2.lineTo(box.l + box.w, y);
        ctx2.stroke();
      });
      ctx2.save();
      ctx2.beginPath();
      ctx2.rect(box.l, box.t, box.w, box.h);
      ctx2.clip();
      ctx2.strokeStyle = "#999";
      ctx2.setLineDash([3, 3]);
      ctx2.beginPath();
      ctx2.moveTo(Math.round(lx(state.frame)) + 0.5, box.t);
      ctx2.lineTo(Math.round(lx(state.frame)) + 0.5, box.t + box.h);
      ctx2.stroke();
      ctx2.setLineDash([]);
      state.optimizers.forEach(function (name) {
        var p = path(name);
        ctx2.strokeStyle = color(name);
        ctx2.lineWidth = 1.6;
        ctx2.lineJoin = "round";
        ctx2.beginPath();
        for (var i = 0; i <= state.frame; i++) {
          var v = p.array[p.offset + 3 * i + 2];
          if (v === NAN) break;
          if (i === 0) ctx2.moveTo(lx(i), ly(v / 1000));
          else ctx2.lineTo(lx(i), ly(v / 1000));
        }
        ctx2.stroke();
      });
      ctx2.restore();
      frameBox(ctx2, box);
      var st = niceTicks(0, data.steps, box.w / 70);
      xTicks(ctx2, box, st.values, lx, function (v) { return tickText(v, st.step); });
      yTicks(ctx2, box, decades, ly, power10);
      axisLabels(ctx2, W2, H2, box, "step", "loss E(w) (log scale)");
    }


    function drawReadout() {
      var s = surface();
      readout.textContent = "";
      state.optimizers.forEach(function (name) {
        var p = path(name), a = p.array, o = p.offset;
        var k = Math.min(state.frame, p.n - 1);
        var row = el("div", {}, readout);
        var sw = el("span", { class: "bpl-se-swatch" }, row);
        sw.style.background = color(name);
        var diverged = -1;
        for (var i = 0; i <= k; i++) if (a[o + 3 * i] === NAN) { diverged = i; break; }
        if (diverged >= 0) {
          el("span", { text: name + ": diverged at step " + diverged + " (learning rate too large)" }, row);
          return;
        }
        var x = toWorld(a[o + 3 * k], s.xlim), y = toWorld(a[o + 3 * k + 1], s.ylim);
        var w = s.dim === 2 ? "w = (" + fmt(x) + ", " + fmt(y) + ")" : "w = " + fmt(x);
        var loss = a[o + 3 * k + 2] <= -30000 ? 0 : Math.pow(10, a[o + 3 * k + 2] / 1000);
        el("span", { text: name + ": step " + k + ", " + w + ", E(w) ≈ " + fmt(loss) }, row);
      });
    }

    function render() {
      lrOut.textContent = " " + data.lrs[state.lr];
      betaOut.textContent = " " + data.betas[state.beta];
      frameOut.textContent = " step " + state.frame + " / " + data.steps;
      frameInput.value = String(state.frame);
      playBtn.textContent = state.playing ? "pause" : "▶ play";
      playBtn.setAttribute("aria-pressed", state.playing ? "true" : "false");
      drawSurface();
      drawLoss();
      drawReadout();
      root.setAttribute("data-state", JSON.stringify({
        surface: surface().name,
        optimizers: state.optimizers,
        lr: data.lrs[state.lr],
        beta: data.betas[state.beta],
        frame: state.frame,
        playing: state.playing,
      }));
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

    surfSelect.addEventListener("change", function () { state.surface = Number(surfSelect.value); changed(); });
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
    layout();
    render();
  }

  function initAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".bpl-static-explorer"), init);
  }

  window.bplStaticExplorer = { initAll: initAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
