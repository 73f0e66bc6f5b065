package dev.trident.kernels.ops;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector configuration every kernel reads, fixed when this class initializes.
 *
 * <ul>
 *   <li>{@code -Dtrident.kernels.scalar=true}: every dispatching call ({@code Dot.dot}, {@code MatVec.matVec}, ...)
 *       runs the scalar twin. CI runs the ops tests once this way.</li>
 *   <li>{@code -Dtrident.kernels.vectorBits=256} (or 128, 512): use a narrower float species than the preferred
 *       one, to exercise AVX2/NEON-width code paths on an AVX-512 machine. Wider than preferred is clamped.</li>
 * </ul>
 *
 * The species are {@code static final} so C2 treats them as constants and the vector code compiles to plain
 * SIMD instructions.
 */
public final class Simd {

    /** True when every dispatching kernel must take its scalar twin. */
    public static final boolean SCALAR = Boolean.getBoolean("trident.kernels.scalar");

    /** Float species for all kernels: {@link FloatVector#SPECIES_PREFERRED} unless narrowed by the property. */
    public static final VectorSpecies<Float> F = chooseFloatSpecies();
    /** Lanes of {@link #F}: 16 on AVX-512, 8 on AVX2, 4 on NEON/SSE. */
    public static final int L = F.length();
    /** Int species with the same lane count as {@link #F} (bit tricks on float bits). */
    public static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    /** Short species with the same lane count as {@link #F}: BF16/F16 loads, half the bits. */
    public static final VectorSpecies<Short> S_HALF =
            ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * Byte species for Q8_0 loads: a quarter of the float bits (same lane count), but at least 64 bits, the
     * smallest byte species; with 128-bit floats one byte load then feeds two float vectors.
     */
    public static final VectorSpecies<Byte> B_Q = ByteVector.SPECIES_64.withShape(
            VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    /** Float vectors one {@link #B_Q} load expands to (1, or 2 with 128-bit floats). */
    public static final int B_Q_PARTS = B_Q.length() / L;

    private Simd() {
    }

    private static VectorSpecies<Float> chooseFloatSpecies() {
        int preferredBits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String forced = System.getProperty("trident.kernels.vectorBits");
        if (forced == null || forced.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        int bits = Integer.parseInt(forced.trim());
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("trident.kernels.vectorBits must be 128, 256 or 512, got " + forced);
        }
        return FloatVector.SPECIES_128.withShape(VectorShape.forBitSize(Math.min(bits, preferredBits)));
    }

    /** One line for logs and the bench: species and mode. */
    public static String describe() {
        return (SCALAR ? "scalar (trident.kernels.scalar=true)" : "vector") + ", float species " + F.vectorBitSize()
                + " bits x " + L + " lanes (preferred " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + ")";
    }
}
