/* Backprop Lab: drawing helpers of the static explorer (explorer.js): palette, data decoding,
 * DOM elements, round ticks and axes on a 2-D canvas. Exposed as window.bplCanvas.
 */
(function () {
  "use strict";
  if (window.bplCanvas) return;

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

  // ---- axes ----------------------------------------------------------------------------
  function frameBox(ctx, box) {
    ctx.strokeStyle = AXIS;
    ctx.lineWidth = 1;
    ctx.strokeRect(box.l + 0.5, box.t + 0.5, box.w - 1, box.h - 1);
  }

  // A tick mark and a label for each value; place(p) gives, for the value's pixel position p,
  // the mark's two ends and the label's anchor: [x0, y0, x1, y1, labelX, labelY].
  function ticks(ctx, values, toPixel, label, align, baseline, place) {
    ctx.strokeStyle = AXIS;
    ctx.fillStyle = INK;
    ctx.font = TICK_FONT;
    ctx.textAlign = align;
    ctx.textBaseline = baseline;
    values.forEach(function (v) {
      var at = place(Math.round(toPixel(v)) + 0.5);
      ctx.beginPath();
      ctx.moveTo(at[0], at[1]);
      ctx.lineTo(at[2], at[3]);
      ctx.stroke();
      ctx.fillText(label(v), at[4], at[5]);
    });
  }

  function xTicks(ctx, box, values, toX, label) {
    var bottom = box.t + box.h;
    ticks(ctx, values, toX, label, "center", "top", function (x) {
      return [x, bottom, x, bottom + 4, x, bottom + 6];
    });
  }

  function yTicks(ctx, box, values, toY, label) {
    ticks(ctx, values, toY, label, "right", "middle", function (y) {
      return [box.l - 4, y, box.l, y, box.l - 6, y];
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


  window.bplCanvas = {
    COLORS: COLORS, FRAME_MS: FRAME_MS, INK: INK, GRID: GRID, TICK_FONT: TICK_FONT,
    decode: decode, el: el, nearest: nearest, fmt: fmt, niceTicks: niceTicks, tickText: tickText,
    power10: power10, setupCanvas: setupCanvas, frameBox: frameBox, xTicks: xTicks,
    yTicks: yTicks, axisLabels: axisLabels,
  };
})();
