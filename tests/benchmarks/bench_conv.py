"""Speed of the vectorised convolution, measured side by side in one run.

Run with ``python tests/benchmarks/bench_conv.py``. It is a report, not a test: it prints
PASS/MISS against the targets and always exits 0.

Workload: conv2d forward + backward on x of shape (32, 3, 32, 32), 16 filters 3x3, pad 1,
stride 1, float64. Compared with

(a) the naive loops (target: vectorised at least 100x faster), and
(b) the floor: the three BLAS matrix products of the same im2col shapes that forward and
    backward cannot avoid (out = W_col @ cols, dW = dout_col @ cols.T,
    dcols = W_col.T @ dout_col), timed on preallocated arrays (target: within 2x).
"""

import os

# Single-threaded BLAS, set before numpy is imported, so that the ratios do not depend on
# how many cores the machine happens to have free.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402

from backproplab.conv import (  # noqa: E402
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)

N, C, H, W = 32, 3, 32, 32
F, HH, WW = 16, 3, 3
STRIDE, PAD = 1, 1
REPEATS = 30
NAIVE_REPEATS = 1
TARGET_FLOOR = 2.0
TARGET_NAIVE = 100.0


def best_time(fn, repeats):
    """Best wall-clock time of ``fn()`` over ``repeats`` runs (least disturbed by noise)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    H_out = 1 + (H + 2 * PAD - HH) // STRIDE
    W_out = 1 + (W + 2 * PAD - WW) // STRIDE
    dout = rng.standard_normal((N, F, H_out, W_out))

    def vectorised():
        _, cache = conv2d_forward(x, w, b, stride=STRIDE, pad=PAD)
        return conv2d_backward(dout, cache)

    def naive():
        _, cache = conv2d_forward_naive(x, w, b, stride=STRIDE, pad=PAD)
        return conv2d_backward_naive(dout, cache)

    # The floor: the same GEMM shapes, on preallocated operands and outputs.
    K, P = C * HH * WW, N * H_out * W_out
    w_col = w.reshape(F, K)
    cols = rng.standard_normal((K, P))
    dout_col = rng.standard_normal((F, P))
    out_buf, dw_buf, dcols_buf = np.empty((F, P)), np.empty((F, K)), np.empty((K, P))

    def floor():
        np.matmul(w_col, cols, out=out_buf)
        np.matmul(dout_col, cols.T, out=dw_buf)
        np.matmul(w_col.T, dout_col, out=dcols_buf)

    def forward_gemm():
        np.matmul(w_col, cols, out=out_buf)

    vectorised()  # warm-up: first-touch page faults and BLAS initialisation
    floor()
    t_vec = best_time(vectorised, REPEATS)
    t_floor = best_time(floor, REPEATS)
    t_gemm = best_time(forward_gemm, REPEATS)
    t_naive = best_time(naive, NAIVE_REPEATS)

    speedup = t_naive / t_vec
    over_floor = t_vec / t_floor
    print(
        f"conv2d forward+backward, x {N}x{C}x{H}x{W}, {F} filters {HH}x{WW}, "
        f"pad {PAD}, stride {STRIDE}, float64, 1 BLAS thread"
    )
    print(f"  vectorised (best of {REPEATS}):     {t_vec * 1e3:9.3f} ms")
    print(f"  naive (best of {NAIVE_REPEATS}):           {t_naive * 1e3:9.3f} ms")
    print(f"  floor, 3 GEMMs (best of {REPEATS}): {t_floor * 1e3:9.3f} ms")
    print(f"  forward GEMM alone:              {t_gemm * 1e3:9.3f} ms")
    print(
        f"(a) naive / vectorised = {speedup:8.1f}x   target >= {TARGET_NAIVE:.0f}x   "
        f"{'PASS' if speedup >= TARGET_NAIVE else 'MISS'}"
    )
    print(
        f"(b) vectorised / floor = {over_floor:8.2f}x   target <= {TARGET_FLOOR:.0f}x     "
        f"{'PASS' if over_floor <= TARGET_FLOOR else 'MISS'}"
    )
    print(f"    vectorised / forward GEMM = {t_vec / t_gemm:.2f}x (reference only)")


if __name__ == "__main__":
    main()
