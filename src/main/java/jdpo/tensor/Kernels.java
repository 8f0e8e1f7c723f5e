package jdpo.tensor;
import java.util.List;

/**
 * The hot loops of training: the matrix products of a linear layer and of the tied LM head, one
 * product on strided views for attention's heads, and the exponentials of attention's softmax and
 * of GELU.
 *
 * <p>{@link ScalarKernels} is the readable specification; {@code VectorKernels} computes the
 * same numbers with the Vector API, bit for bit: every output is one chain of fused multiply-adds
 * from its old value, the bias or zero, in increasing order of the summed index, in both.
 *
 * <p>Layouts follow Hugging Face GPT-2: a linear (Conv1D) weight is {@code w [K, N]} (in, out),
 * while the token embedding used as LM head is {@code wte [V, C]}, one row per token. Methods
 * named {@code ...Backward...} <em>accumulate</em> ({@code +=}) into their gradient outputs;
 * forwards overwrite theirs.
 */
public interface Kernels {

    /** A short name for logs and benchmarks: "scalar" or "vector". */
    String name();

    /** The thread pool the kernels split their rows over. */
    Parallel parallel();

    /**
     * Linear forward: {@code y = x w + b}.
     *
     * @param y out {@code [M, N]}, overwritten
     * @param x in {@code [M, K]}
     * @param w weight {@code [K, N]}
     * @param b bias {@code [N]}, or null for none
     */
    void linearForward(Tensor y, Tensor x, Tensor w, Tensor b);

    /**
     * Linear backward into the input: {@code dx += dy w^T}.
     *
     * @param dx {@code [M, K]}, accumulated
     * @param dy {@code [M, N]}
     * @param w  {@code [K, N]}
     */
    void linearBackwardInput(Tensor dx, Tensor dy, Tensor w);

    /**
     * Linear backward into the parameters: {@code dw += x^T dy}, {@code db += sum over rows of dy}.
     *
     * @param dw {@code [K, N]}, accumulated
     * @param db {@code [N]}, accumulated, or null when the layer has no bias
     * @param x  {@code [M, K]}
     * @param dy {@code [M, N]}
     */
    void linearBackwardWeight(Tensor dw, Tensor db, Tensor x, Tensor dy);

    /**
     * Tied LM head forward: {@code logits = x wte^T}, one score per vocabulary entry.
     *
     * @param logits out {@code [M, V]}, overwritten
     * @param x      final hidden states {@code [M, C]}
     * @param wte    token embedding {@code [V, C]}
     */
    void lmHeadForward(Tensor logits, Tensor x, Tensor wte);

    /**
     * Tied LM head backward into the hidden states: {@code dx += dlogits wte}.
     *
     * @param dx      {@code [M, C]}, accumulated
     * @param dlogits {@code [M, V]}
     * @param wte     {@code [V, C]}
     */
    void lmHeadBackwardInput(Tensor dx, Tensor dlogits, Tensor wte);

    /**
     * Tied LM head backward into the embedding: {@code dwte += dlogits^T x}.
     *
     * @param dwte    {@code [V, C]}, accumulated
     * @param dlogits {@code [M, V]}
     * @param x       {@code [M, C]}
     */
    void lmHeadBackwardWeight(Tensor dwte, Tensor dlogits, Tensor x);

    /**
     * One product on the calling thread alone: {@code C (+)= A B} with {@code C [m, n]},
     * {@code A [m, k]}, {@code B [k, n]} any strided views ({@code C} row-major). Attention calls
     * it on one head's slices of q, k and v, having split the heads over the threads itself.
     * Each element of {@code C} is one chain of fused multiply-adds in increasing {@code k},
     * from its old value ({@code accumulate}) or from zero.
     */
    void product(StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k, boolean accumulate);

    /**
     * {@code x[j] = e^(x[j] - shift)} for {@code j} in {@code [from, from + n)}, by {@link Exp#of}:
     * the exponentials of a softmax row, its maximum as the shift.
     */
    void exp(float[] x, int from, int n, float shift);

    /** The kernel names {@link #of} accepts. */
    List<String> NAMES = List.of("scalar", "vector");

    /** Kernels by name ("scalar" or "vector"), splitting their work over {@code parallel}. */
    static Kernels of(String name, Parallel parallel) {
        switch (name) {
            case "scalar":
                return new ScalarKernels(parallel);
            case "vector":
                return new VectorKernels(parallel);
            default:
                throw new IllegalArgumentException("unknown kernels '" + name + "'; valid: " + String.join(", ", NAMES));
        }
    }
}
