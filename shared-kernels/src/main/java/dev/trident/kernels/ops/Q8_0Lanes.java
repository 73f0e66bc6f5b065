package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.L;

/**
 * Where the vector Q8_0 kernels put a block's 32 int8 values across float lanes.
 *
 * <p>With 512-bit floats a 128-bit byte load widens to one float vector of 16 values, in order. With 256- or
 * 128-bit floats the widening must first move the load's upper half down, and C2's code for that ran a Q8_0 row
 * of 2048 at 5.9 GB/s on one Zen 3 core (AVX2). The narrow kernels instead load {@link Simd#I} ints, four values
 * each, and take byte {@code k} of every lane with two shifts (sign-extending) and one int→float conversion: lane
 * {@code j} then holds value {@code 4j + k} of the {@link #GROUP}, the same row ran at 9.2 GB/s. The activations
 * are put in that order once per call ({@link #interleaved}), so that the products still pair each weight with
 * its own activation; decoded rows ({@link BatchedMatVec}) are stored in it too, so both sum alike.
 */
final class Q8_0Lanes {

    /** True when the vector Q8_0 dot kernels expect interleaved activations (floats of 256 bits or fewer). */
    static final boolean INTERLEAVED = L <= 8;
    /** Values one {@link Simd#I} load holds, four per int lane: 32 with 256-bit vectors, 16 with 128-bit ones. */
    static final int GROUP = 4 * L;

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private Q8_0Lanes() {
    }

    /** The value (from its group's start) that interleaved position {@code p} (from the same start) holds. */
    static int sourceOf(int p) {
        int inGroup = p % GROUP;
        return p - inGroup + 4 * (inGroup % L) + inGroup / L;
    }

    /**
     * {@code x[xOff..xOff+n)} in interleaved order ({@code n} a multiple of {@link #GROUP}), in this thread's scratch
     * from 0; valid until the thread's next call.
     */
    static float[] interleaved(float[] x, int xOff, int n) {
        float[] scratch = SCRATCH.get();
        if (scratch.length < n) {
            scratch = new float[n];
            SCRATCH.set(scratch);
        }
        for (int g = 0; g < n; g += GROUP) {
            for (int k = 0; k < 4; k++) {
                for (int j = 0; j < L; j++) {
                    scratch[g + k * L + j] = x[xOff + g + 4 * j + k];
                }
            }
        }
        return scratch;
    }
}
