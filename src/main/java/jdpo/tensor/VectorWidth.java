package jdpo.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD width of the vector kernels, chosen once per JVM so the JIT sees a constant.
 *
 * <p>Default {@value #DEFAULT_BITS} bits, measured on AMD Zen 4 (see the README); the system
 * property {@code -Djdpo.vector.bits=256|512|128} overrides it, and a width the CPU lacks falls
 * back to the widest it has ({@link FloatVector#SPECIES_PREFERRED}).
 */
final class VectorWidth {
    private VectorWidth() {}

    static final int DEFAULT_BITS = 512;

    static final VectorSpecies<Float> SPECIES = choose(System.getProperty("jdpo.vector.bits"));

    static VectorSpecies<Float> choose(String bits) {
        int wanted = DEFAULT_BITS;
        if (bits != null) {
            try {
                wanted = Integer.parseInt(bits.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("jdpo.vector.bits must be 128, 256 or 512, got '" + bits + "'");
            }
            if (wanted != 128 && wanted != 256 && wanted != 512) {
                throw new IllegalArgumentException("jdpo.vector.bits must be 128, 256 or 512, got " + wanted);
            }
        }
        int bitsUsed = Math.min(wanted, FloatVector.SPECIES_PREFERRED.vectorBitSize());
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bitsUsed));
    }
}
