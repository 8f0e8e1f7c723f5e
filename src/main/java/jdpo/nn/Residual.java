package jdpo.nn;

import jdpo.tensor.Tensor;

/** A residual connection: {@code out = a + b}; the gradient flows unchanged into both branches. */
public final class Residual {
    private Residual() {}

    /**
     * @param out overwritten; may be {@code a} (or {@code b}) itself, adding in place
     * @param a   same size as out
     * @param b   same size as out
     */
    public static void forward(Tensor out, Tensor a, Tensor b) {
        Shapes.requireSize("Residual.forward", "a", a, out.size());
        Shapes.requireSize("Residual.forward", "b", b, out.size());
        float[] o = out.data, ad = a.data, bd = b.data;
        for (int i = 0; i < out.size(); i++) o[out.offset + i] = ad[a.offset + i] + bd[b.offset + i];
    }

    /**
     * {@code da += dout}, {@code db += dout}.
     *
     * @param da   accumulated
     * @param db   accumulated
     * @param dout same size as da and db
     */
    public static void backward(Tensor da, Tensor db, Tensor dout) {
        Shapes.requireSize("Residual.backward", "da", da, dout.size());
        Shapes.requireSize("Residual.backward", "db", db, dout.size());
        float[] g = dout.data, a = da.data, b = db.data;
        for (int i = 0; i < dout.size(); i++) {
            // in the forward this was: out = a + b;  so now: da += dout, db += dout.
            // Read once: da may be dout itself (a residual stream's gradient added to in place).
            float gi = g[dout.offset + i];
            a[da.offset + i] += gi;
            b[db.offset + i] += gi;
        }
    }
}
