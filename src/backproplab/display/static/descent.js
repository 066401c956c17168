/* Backprop Lab: surfaces.descend in JavaScript, for the static explorer (explorer.js).
 *
 * A port of the gradients of backproplab.surfaces and of the six update rules of
 * backproplab.optimizers, written operation by operation in the same order as the Python, so
 * that in float64 the paths agree with surfaces.descend to rounding (the browser test checks
 * a relative 1e-9 on every surface and rule). window.bplDescent.descend(entry, name, hp,
 * start, steps) returns the path as a Float64Array of (steps + 1) * dim numbers; as in
 * Python, a non-finite gradient or iterate ends the run and the rest of the path is NaN.
 * A surface with a validation loss (two_weight_fit) also has val(w), as Surface.val_value.
 */
(function () {
  "use strict";
  if (window.bplDescent) return;

  function sq(a) { return a * a; }

  // Each formula takes the surface's JSON entry (for the data of the tiny network and of the
  // two-weight fit) and returns {value(w), grad(w)} on a plain array w of length dim, and
  // val(w) too on the one surface with a validation loss.
  var FORMULAS = {
    bowl: function () {
      return {
        value: function (w) { return 0.5 * (sq(w[0]) + 25.0 * sq(w[1])); },
        grad: function (w) { return [w[0] * 1.0, w[1] * 25.0]; },
      };
    },
    rosenbrock: function () {
      return {
        value: function (w) { return sq(1.0 - w[0]) + 100.0 * sq(w[1] - sq(w[0])); },
        grad: function (w) {
          var x = w[0], y = w[1];
          return [-2.0 * (1.0 - x) - 400.0 * x * (y - sq(x)), 200.0 * (y - sq(x))];
        },
      };
    },
    beale: function () {
      function terms(x, y) {
        return [1.5 - x + x * y, 2.25 - x + x * sq(y), 2.625 - x + x * Math.pow(y, 3)];
      }
      return {
        value: function (w) {
          var t = terms(w[0], w[1]);
          return sq(t[0]) + sq(t[1]) + sq(t[2]);
        },
        grad: function (w) {
          var x = w[0], y = w[1], t = terms(x, y);
          return [
            2.0 * (t[0] * (y - 1.0) + t[1] * (sq(y) - 1.0) + t[2] * (Math.pow(y, 3) - 1.0)),
            2.0 * x * (t[0] + 2.0 * y * t[1] + 3.0 * sq(y) * t[2]),
          ];
        },
      };
    },
    himmelblau: function () {
      return {
        value: function (w) { return sq(sq(w[0]) + w[1] - 11.0) + sq(w[0] + sq(w[1]) - 7.0); },
        grad: function (w) {
          var x = w[0], y = w[1];
          var a = sq(x) + y - 11.0, b = x + sq(y) - 7.0;
          return [4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b];
        },
      };
    },
    saddle: function () {
      return {
        value: function (w) { return sq(w[0]) + sq(0.5 * sq(w[1]) - 1.0); },
        grad: function (w) { return [2.0 * w[0], -2.0 * w[1] + Math.pow(w[1], 3)]; },
      };
    },
    one_weight: function () {
      var X1 = 0.3, WSTAR = 0.8 / 0.3;
      return {
        value: function (w) { return X1 * Math.abs(w[0] - WSTAR); },
        grad: function (w) { return [X1 * Math.sign(w[0] - WSTAR)]; },
      };
    },
    tiny_net: function (entry) {
      var xs = entry.data.x, ys = entry.data.y, n = xs.length;
      function loss(w) {
        var total = 0;
        for (var i = 0; i < n; i++) total += sq(w[1] * Math.tanh(w[0] * xs[i]) - ys[i]);
        return total / n;
      }
      var floor = loss(entry.minima[0]);
      return {
        value: function (w) { return Math.max(loss(w) - floor, 0.0); },
        grad: function (w) {
          var g1 = 0, g2 = 0;
          for (var i = 0; i < n; i++) {
            var h = Math.tanh(w[0] * xs[i]);
            var r = 2.0 * (w[1] * h - ys[i]);
            g1 += r * w[1] * (1.0 - sq(h)) * xs[i];
            g2 += r * h;
          }
          return [g1 / n, g2 / n];
        },
      };
    },
    // linear_fit.excess_loss and excess_loss_grad: (w - w*)^T G (w - w*) and 2 G (w - w*), in
    // the Python's order, from each sample's G (gram, row by row) and minimum w*.
    two_weight_fit: function (entry) {
      // linear_fit._gram_times: [d1, d2, (G d)1, (G d)2], d = w - w*.
      function gramTimes(q, w) {
        var g = q.gram, d1 = w[0] - q.minimum[0], d2 = w[1] - q.minimum[1];
        return [d1, d2, g[0] * d1 + g[1] * d2, g[2] * d1 + g[3] * d2];
      }
      function excess(q, w) {
        var t = gramTimes(q, w);
        return Math.max(t[0] * t[2] + t[1] * t[3], 0.0);
      }
      var train = { gram: entry.data.gram, minimum: entry.minima[0] };
      return {
        value: function (w) { return excess(train, w); },
        val: function (w) { return excess(entry.validation, w); },
        grad: function (w) {
          var t = gramTimes(train, w);
          return [2.0 * t[2], 2.0 * t[3]];
        },
      };
    },
  };

  var made = {};
  function surface(entry) {
    if (!made[entry.name]) {
      if (!FORMULAS[entry.name]) throw new Error("bplDescent: no formula for " + entry.name);
      made[entry.name] = FORMULAS[entry.name](entry);
    }
    return made[entry.name];
  }

  // One step of each rule, coordinate by coordinate: (w, g, state, hp) -> new w; the state
  // (zeros at first, as make_optimizer's init) is updated in place.
  var RULES = {
    sgd: function (w, g, s, hp) {
      return w.map(function (wi, i) { return wi - hp.lr * g[i]; });
    },
    momentum: function (w, g, s, hp) {
      return w.map(function (wi, i) {
        s.v[i] = hp.beta * s.v[i] + g[i];
        return wi - hp.lr * s.v[i];
      });
    },
    nesterov: function (w, g, s, hp) {
      return w.map(function (wi, i) {
        s.v[i] = hp.beta * s.v[i] + g[i];
        return wi - hp.lr * (g[i] + hp.beta * s.v[i]);
      });
    },
    adagrad: function (w, g, s, hp) {
      return w.map(function (wi, i) {
        s.cache[i] = s.cache[i] + sq(g[i]);
        return wi - hp.lr * g[i] / (Math.sqrt(s.cache[i]) + hp.eps);
      });
    },
    rmsprop: function (w, g, s, hp) {
      return w.map(function (wi, i) {
        s.cache[i] = hp.rho * s.cache[i] + (1.0 - hp.rho) * sq(g[i]);
        return wi - hp.lr * g[i] / (Math.sqrt(s.cache[i]) + hp.eps);
      });
    },
    adam: function (w, g, s, hp) {
      s.t += 1;
      var c1 = 1.0 - Math.pow(hp.beta1, s.t), c2 = 1.0 - Math.pow(hp.beta2, s.t);
      return w.map(function (wi, i) {
        s.m[i] = hp.beta1 * s.m[i] + (1.0 - hp.beta1) * g[i];
        s.v[i] = hp.beta2 * s.v[i] + (1.0 - hp.beta2) * sq(g[i]);
        return wi - hp.lr * (s.m[i] / c1) / (Math.sqrt(s.v[i] / c2) + hp.eps);
      });
    },
  };

  function zeros(d) { var z = []; for (var i = 0; i < d; i++) z.push(0); return z; }

  function descend(entry, name, hp, start, steps) {
    var f = surface(entry), rule = RULES[name], d = entry.dim;
    if (!rule) throw new Error("bplDescent: no rule " + name);
    var state = { v: zeros(d), cache: zeros(d), m: zeros(d), t: 0 };
    var path = new Float64Array((steps + 1) * d).fill(NaN);
    var w = start.slice(0, d);
    for (var j = 0; j < d; j++) path[j] = w[j];
    for (var k = 1; k <= steps; k++) {
      var g = f.grad(w);
      if (!g.every(isFinite)) break;
      var next = rule(w, g, state, hp);
      if (!next.every(isFinite)) break;
      for (j = 0; j < d; j++) path[k * d + j] = next[j];
      w = next;
    }
    return path;
  }

  window.bplDescent = { descend: descend, surface: surface, rules: Object.keys(RULES) };
})();
