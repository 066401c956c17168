/* Backprop Lab: the loss panel of the static explorer (explorer.js), on a log scale.
 *
 * window.bplLossPanel.draw(ctx, W, H, series, steps, frame) draws each series' loss for steps
 * 0..frame and, when a series has one (a surface with a validation loss), its validation loss
 * in the same colour, dotted, with a diamond at its lowest value among the steps drawn: the
 * step early stopping would keep if training ended at the step shown. A series is
 * {color, loss, val (or null), last}: Float64Arrays of steps + 1 values and the last finite
 * step. Returns the panel's box and its decades {box, lo, hi}, for the browser test.
 */
(function () {
  "use strict";
  if (window.bplLossPanel) return;

  var C = window.bplCanvas;
  var GRID = C.GRID, INK = C.INK;
  var DOTS = [1.5, 3];

  function log(v) { return Math.log(Math.max(v, 1e-30)) / Math.LN10; }

  // The lowest value of a[0..last] and its step (the first, on ties).
  function lowest(a, last) {
    var j = 0;
    for (var i = 1; i <= last; i++) if (a[i] < a[j]) j = i;
    return { step: j, value: a[j] };
  }

  function diamond(ctx, x, y, color) {
    ctx.beginPath();
    ctx.moveTo(x, y - 5.5);
    ctx.lineTo(x + 5.5, y);
    ctx.lineTo(x, y + 5.5);
    ctx.lineTo(x - 5.5, y);
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.fill();
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  function curve(ctx, values, last, lx, ly) {
    ctx.beginPath();
    for (var i = 0; i <= last; i++) {
      if (i === 0) ctx.moveTo(lx(i), ly(log(values[i])));
      else ctx.lineTo(lx(i), ly(log(values[i])));
    }
    ctx.stroke();
  }

  // What each line style means, top right inside the panel (only with a validation loss).
  function key(ctx, box) {
    var x = box.l + box.w - 8, y = box.t + 12;
    ctx.font = C.TICK_FONT;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    [["training", []], ["validation", DOTS]].forEach(function (row, i) {
      var yy = y + 15 * i;
      ctx.fillStyle = INK;
      var width = ctx.measureText(row[0]).width;
      ctx.fillText(row[0], x, yy);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.8;
      ctx.setLineDash(row[1]);
      ctx.beginPath();
      ctx.moveTo(x - width - 30, yy);
      ctx.lineTo(x - width - 6, yy);
      ctx.stroke();
    });
    ctx.setLineDash([]);
    var width = ctx.measureText("lowest validation").width;
    ctx.fillStyle = INK;
    ctx.fillText("lowest validation", x, y + 30);
    diamond(ctx, x - width - 18, y + 30, "#ffffff");
  }

  function draw(ctx, W, H, series, steps, frame) {
    var box = { l: 62, t: 8, w: W - 62 - 12, h: H - 8 - 42 };
    var validation = series.some(function (s) { return s.val; });
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, H);
    // Every path starts at the same point; a diverging path is clipped at the top instead
    // of squashing the others against the bottom.
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) {
      [s.loss, s.val].forEach(function (a) {
        if (!a) return;
        hi = Math.max(hi, log(a[0]) + 1);
        for (var i = 0; i <= s.last; i++) lo = Math.min(lo, log(a[i]));
      });
    });
    if (!isFinite(lo)) { lo = -1; hi = 1; }
    hi = Math.ceil(hi);
    lo = Math.min(Math.floor(Math.max(lo, hi - 12)), hi - 1);
    function lx(i) { return box.l + (i / steps) * box.w; }
    function ly(v) { return box.t + (1 - (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * box.h; }
    var every = Math.max(1, Math.ceil((hi - lo) / Math.max(2, Math.floor(box.h / 32))));
    var decades = [];
    for (var d = hi; d >= lo; d -= every) decades.push(d);
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    decades.forEach(function (dd) {
      var y = Math.round(ly(dd)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(box.l, y);
      ctx.lineTo(box.l + box.w, y);
      ctx.stroke();
    });
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.l, box.t, box.w, box.h);
    ctx.clip();
    ctx.strokeStyle = "#999";
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(lx(frame)) + 0.5, box.t);
    ctx.lineTo(Math.round(lx(frame)) + 0.5, box.t + box.h);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineJoin = "round";
    series.forEach(function (s) {
      var last = Math.min(frame, s.last);
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.6;
      curve(ctx, s.loss, last, lx, ly);
      if (!s.val) return;
      ctx.lineWidth = 2;
      ctx.setLineDash(DOTS);
      curve(ctx, s.val, last, lx, ly);
      ctx.setLineDash([]);
    });
    // The diamonds on top of every line.
    series.forEach(function (s) {
      if (!s.val) return;
      var best = lowest(s.val, Math.min(frame, s.last));
      diamond(ctx, lx(best.step), ly(log(best.value)), s.color);
    });
    if (validation) key(ctx, box);
    ctx.restore();
    C.frameBox(ctx, box);
    var st = C.niceTicks(0, steps, box.w / 70);
    C.xTicks(ctx, box, st.values, lx, function (v) { return C.tickText(v, st.step); });
    C.yTicks(ctx, box, decades, ly, C.power10);
    C.axisLabels(ctx, W, H, box, "step", validation ? "loss (log); dotted: validation" : "loss L(w) (log scale)");
    return { box: box, lo: lo, hi: hi };
  }

  window.bplLossPanel = { draw: draw, lowest: lowest };
})();
