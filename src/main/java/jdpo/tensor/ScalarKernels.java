package jdpo.tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * The readable specification of {@link Kernels}: plain loops, one multiply-add at a time,
 * accumulating in float in the order the math is written. Rows of the output are split across
 * the {@link Parallel} pool; with one thread this is ordinary code to step through.
 */
public final class ScalarKernels implements Kernels {
    private final Parallel parallel;

    public ScalarKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    @Override
    public String name() { return "scalar"; }

    @Override
    public Parallel parallel() { return parallel; }

    @Override
    public void linearForward(Tensor y, Tensor x, Tensor w, Tensor b) {
        int m = rows(x), k = cols(x), n = cols(w);
        require("linearForward", "w", w, k, n);
        require("linearForward", "y", y, m, n);
        if (b != null) require("linearForward", "b", b, 1, n);
        float[] yd = y.data, xd = x.data, wd = w.data;
        parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                int yRow = y.offset + i * n, xRow = x.offset + i * k;
                for (int j = 0; j < n; j++) {
                    float sum = b == null ? 0f : b.data[b.offset + j];
                    for (int p = 0; p < k; p++) {
                        sum += xd[xRow + p] * wd[w.offset + p * n + j];
                    }
                    yd[yRow + j] = sum;
                }
            }
        });
    }

    @Override
    public void linearBackwardInput(Tensor dx, Tensor dy, Tensor w) {
        int m = rows(dy), n = cols(dy), k = rows(w);
        require("linearBackwardInput", "w", w, k, n);
        require("linearBackwardInput", "dx", dx, m, k);
        float[] dxd = dx.data, dyd = dy.data, wd = w.data;
        parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                int dxRow = dx.offset + i * k, dyRow = dy.offset + i * n;
                for (int p = 0; p < k; p++) {
                    float sum = 0f;
                    for (int j = 0; j < n; j++) {
                        sum += dyd[dyRow + j] * wd[w.offset + p * n + j];
                    }
                    dxd[dxRow + p] += sum;
                }
            }
        });
    }

    @Override
    public void linearBackwardWeight(Tensor dw, Tensor db, Tensor x, Tensor dy) {
        int m = rows(x), k = cols(x), n = cols(dy);
        require("linearBackwardWeight", "dy", dy, m, n);
        require("linearBackwardWeight", "dw", dw, k, n);
        if (db != null) require("linearBackwardWeight", "db", db, 1, n);
        float[] dwd = dw.data, xd = x.data, dyd = dy.data;
        // Each thread owns whole rows p of dw, so no two threads write the same number.
        parallel.forRange(k, (from, to) -> {
            for (int p = from; p < to; p++) {
                int dwRow = dw.offset + p * n;
                for (int j = 0; j < n; j++) {
                    float sum = 0f;
                    for (int i = 0; i < m; i++) {
                        sum += xd[x.offset + i * k + p] * dyd[dy.offset + i * n + j];
                    }
                    dwd[dwRow + j] += sum;
                }
            }
        });
        if (db != null) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int i = 0; i < m; i++) sum += dyd[dy.offset + i * n + j];
                db.data[db.offset + j] += sum;
            }
        }
    }

    @Override
    public void lmHeadForward(Tensor logits, Tensor x, Tensor wte) {
        int m = rows(x), c = cols(x), v = rows(wte);
        require("lmHeadForward", "wte", wte, v, c);
        require("lmHeadForward", "logits", logits, m, v);
        float[] ld = logits.data, xd = x.data, ed = wte.data;
        parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int t = 0; t < v; t++) {
                    float sum = 0f;
                    for (int p = 0; p < c; p++) {
                        sum += xd[x.offset + i * c + p] * ed[wte.offset + t * c + p];
                    }
                    ld[logits.offset + i * v + t] = sum;
                }
            }
        });
    }

    @Override
    public void lmHeadBackwardInput(Tensor dx, Tensor dlogits, Tensor wte) {
        int m = rows(dlogits), v = cols(dlogits), c = cols(wte);
        require("lmHeadBackwardInput", "wte", wte, v, c);
        require("lmHeadBackwardInput", "dx", dx, m, c);
        float[] dxd = dx.data, gd = dlogits.data, ed = wte.data;
        parallel.forRange(m, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int p = 0; p < c; p++) {
                    float sum = 0f;
                    for (int t = 0; t < v; t++) {
                        sum += gd[dlogits.offset + i * v + t] * ed[wte.offset + t * c + p];
                    }
                    dxd[dx.offset + i * c + p] += sum;
                }
            }
        });
    }

    @Override
    public void lmHeadBackwardWeight(Tensor dwte, Tensor dlogits, Tensor x) {
        int m = rows(x), c = cols(x), v = cols(dlogits);
        require("lmHeadBackwardWeight", "dlogits", dlogits, m, v);
        require("lmHeadBackwardWeight", "dwte", dwte, v, c);
        float[] dd = dwte.data, gd = dlogits.data, xd = x.data;
        // Each thread owns whole rows t of dwte (one token's embedding each).
        parallel.forRange(v, (from, to) -> {
            for (int t = from; t < to; t++) {
                for (int p = 0; p < c; p++) {
                    float sum = 0f;
                    for (int i = 0; i < m; i++) {
                        sum += gd[dlogits.offset + i * v + t] * xd[x.offset + i * c + p];
                    }
                    dd[dwte.offset + t * c + p] += sum;
                }
            }
        });
    }
}
