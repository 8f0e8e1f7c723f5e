/**
 * The ops GPT-2 is built from, each a forward and a backward on {@link jdpo.tensor.Tensor}s:
 * {@link jdpo.nn.Embedding}, {@link jdpo.nn.LayerNorm}, {@link jdpo.nn.Linear},
 * {@link jdpo.nn.Gelu}, {@link jdpo.nn.Attention}, {@link jdpo.nn.Residual},
 * {@link jdpo.nn.Softmax}, {@link jdpo.nn.LogSoftmax}, {@link jdpo.nn.TokenLogProbs} and
 * {@link jdpo.nn.CrossEntropy}.
 *
 * <p>Conventions shared by every op: a tensor of any rank is read as rows of its last dimension
 * ({@code x [B, T, C]} is {@code B*T} rows of {@code C}); forwards overwrite their outputs and
 * save what the backward needs; backwards <em>accumulate</em> ({@code +=}) into every gradient
 * they are given, so a tensor used twice (a residual stream, the tied token embedding) simply
 * receives both contributions. Shapes are checked and a mismatch throws
 * {@link java.lang.IllegalArgumentException} naming the op and the tensor.
 */
package jdpo.nn;
