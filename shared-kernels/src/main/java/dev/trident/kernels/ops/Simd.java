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
     * Byte species for Q8_0 loads: 128 bits (16 int8 values), expanded to one float vector on AVX-512, two on AVX2,
     * four with 128-bit floats. Never 64 bits: C2 compiles a 64-bit byte load from a segment at the offsets Q8_0's
     * 34-byte blocks give to a slow path (measured with {@code -XX:UseAVX=2}: Q8_0 matrix × vector 1.4 GB/s with
     * 64-bit loads, about 10x that with 128-bit ones).
     */
    public static final VectorSpecies<Byte> B_Q = ByteVector.SPECIES_128;
    /** Float vectors one {@link #B_Q} load expands to (1, 2 or 4). */
    public static final int B_Q_PARTS = B_Q.length() / L;

    /**
     * Vector registers the kernels may plan for: 16 on x86 without AVX-512 (AVX2 has 16 ymm), else 32 (AVX-512,
     * NEON, SVE). The register tiles size to it. {@code -Dtrident.kernels.vectorRegisters=16} takes the 16-register
     * tiles on a 32-register machine, so CI there tests them too.
     */
    public static final int VECTOR_REGISTERS = chooseVectorRegisters();

    private Simd() {
    }

    private static int chooseVectorRegisters() {
        String forced = System.getProperty("trident.kernels.vectorRegisters");
        if (forced != null && !forced.isBlank()) {
            int registers = Integer.parseInt(forced.trim());
            if (registers != 16 && registers != 32) {
                throw new IllegalArgumentException("trident.kernels.vectorRegisters must be 16 or 32, got " + forced);
            }
            return registers;
        }
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        return x86 && FloatVector.SPECIES_PREFERRED.vectorBitSize() < 512 ? 16 : 32;
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
                + " bits x " + L + " lanes (preferred " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "), "
                + VECTOR_REGISTERS + " vector registers";
    }
}
