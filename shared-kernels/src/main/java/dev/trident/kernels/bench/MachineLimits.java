package dev.trident.kernels.bench;

import dev.trident.kernels.ops.Simd;
import dev.trident.kernels.parallel.Parallel;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * This machine's limits, measured in the same run as the kernels they judge: memory read bandwidth and peak FMA
 * throughput. Every bench reports its kernels as fractions of these.
 */
public final class MachineLimits {

    private static volatile double sink;

    private MachineLimits() {
    }

    private static final long STREAM_CHUNK = 1L << 20;

    /**
     * Best of {@code reps} passes of each read pattern over all of {@code buffer} (make it much larger than the
     * last-level cache), GB/s. Each thread reads its share as one sequential stream and, in other passes, as four
     * streams a quarter of each 1 MiB chunk apart: on a Zen 2 core one stream read 17.5–18.0 GB/s and four 23.9–25.4
     * (30 against 33 GB/s on two cores), and the F32 matrix × vector, which reads several rows at once, ran at 1.35
     * of the one-stream figure. The limit is the faster pattern.
     */
    public static double readBandwidth(MemorySegment buffer, int threads, int reps) {
        int previous = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            long bytes = buffer.byteSize() / (STREAM_CHUNK * threads) * STREAM_CHUNK * threads;
            long perThread = bytes / threads;
            double[] partial = new double[threads];
            double best = 0;
            for (int rep = 0; rep < reps; rep++) {
                for (boolean fourStreams : new boolean[] {false, true}) {
                    long start = System.nanoTime();
                    Parallel.forRange(threads, 1, (s, e) -> {
                        for (int t = s; t < e; t++) {
                            // In 1 MiB calls, so that a deoptimized stream loop is compiled again within the pass: as
                            // one call per thread, a pass in the decoder bench ran a recompiled (tier 3) loop at
                            // 1.6–6.4 GB/s for seconds after a class load had invalidated the C2 code, against 24 GB/s.
                            float sum = 0;
                            long end = (t + 1) * perThread;
                            for (long at = t * perThread; at < end; at += STREAM_CHUNK) {
                                sum += fourStreams ? fourStreamSum(buffer, at, STREAM_CHUNK)
                                        : streamSum(buffer, at, STREAM_CHUNK);
                            }
                            partial[t] = sum;
                        }
                    });
                    double seconds = (System.nanoTime() - start) / 1e9;
                    sink += partial[0];
                    best = Math.max(best, bytes / seconds / 1e9);
                }
            }
            return best;
        } finally {
            Parallel.setThreads(previous);
        }
    }

    /** Best of 4 runs of 12 independent FMA chains per thread, GFLOP/s. */
    public static double fmaPeak(int threads, long iterations) {
        return fmaPeak(threads, iterations, 4);
    }

    /** Best of {@code reps} runs of 12 independent FMA chains per thread, GFLOP/s. */
    public static double fmaPeak(int threads, long iterations, int reps) {
        int previous = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            float[] partial = new float[threads];
            double best = 0;
            for (int rep = 0; rep < reps; rep++) {
                long start = System.nanoTime();
                Parallel.forRange(threads, 1, (s, e) -> {
                    for (int t = s; t < e; t++) {
                        partial[t] = fmaChains(iterations);
                    }
                });
                double seconds = (System.nanoTime() - start) / 1e9;
                sink += partial[0];
                best = Math.max(best, threads * iterations * 12.0 * Simd.L * 2 / seconds / 1e9);
            }
            return best;
        } finally {
            Parallel.setThreads(previous);
        }
    }

    /** Reads every byte once as floats, 4 independent accumulators: a pure read stream. */
    private static float streamSum(MemorySegment segment, long offset, long length) {
        FloatVector a0 = FloatVector.zero(Simd.F);
        FloatVector a1 = FloatVector.zero(Simd.F);
        FloatVector a2 = FloatVector.zero(Simd.F);
        FloatVector a3 = FloatVector.zero(Simd.F);
        int step = Simd.F.vectorByteSize();
        long end = offset + length - 4L * step;
        for (long p = offset; p <= end; p += 4L * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(Simd.F, segment, p, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(Simd.F, segment, p + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(Simd.F, segment, p + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(Simd.F, segment, p + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).lane(0);
    }

    /** Reads {@code length} bytes (a multiple of 8 vectors) as four sequential streams a quarter apart. */
    private static float fourStreamSum(MemorySegment segment, long offset, long length) {
        FloatVector a0 = FloatVector.zero(Simd.F);
        FloatVector a1 = FloatVector.zero(Simd.F);
        FloatVector a2 = FloatVector.zero(Simd.F);
        FloatVector a3 = FloatVector.zero(Simd.F);
        int step = Simd.F.vectorByteSize();
        long quarter = length / 4;
        long s1 = offset + quarter;
        long s2 = s1 + quarter;
        long s3 = s2 + quarter;
        for (long p = 0; p + 2L * step <= quarter; p += 2L * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(Simd.F, segment, offset + p, ByteOrder.LITTLE_ENDIAN))
                    .add(FloatVector.fromMemorySegment(Simd.F, segment, offset + p + step, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(Simd.F, segment, s1 + p, ByteOrder.LITTLE_ENDIAN))
                    .add(FloatVector.fromMemorySegment(Simd.F, segment, s1 + p + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(Simd.F, segment, s2 + p, ByteOrder.LITTLE_ENDIAN))
                    .add(FloatVector.fromMemorySegment(Simd.F, segment, s2 + p + step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(Simd.F, segment, s3 + p, ByteOrder.LITTLE_ENDIAN))
                    .add(FloatVector.fromMemorySegment(Simd.F, segment, s3 + p + step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).lane(0);
    }

    /** 12 independent FMA chains: more than latency × issue width (4 × 2), so the FMA units never wait. */
    private static float fmaChains(long iterations) {
        FloatVector a = FloatVector.broadcast(Simd.F, 0.999999f);
        FloatVector b = FloatVector.broadcast(Simd.F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(Simd.F, 1f), c1 = c0.add(1f), c2 = c0.add(2f), c3 = c0.add(3f);
        FloatVector c4 = c0.add(4f), c5 = c0.add(5f), c6 = c0.add(6f), c7 = c0.add(7f);
        FloatVector c8 = c0.add(8f), c9 = c0.add(9f), c10 = c0.add(10f), c11 = c0.add(11f);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).lane(0);
    }
}
