package dev.trident.kernels.bench;

import dev.trident.kernels.ops.MatMul;
import dev.trident.kernels.ops.MatVec;
import dev.trident.kernels.ops.Simd;
import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernel speed against this machine's own limits, measured in the same run: memory read bandwidth (stream-sum
 * of a buffer far larger than the caches) and peak FMA throughput (independent FloatVector FMA chains), each on
 * 1 and 2 threads. Matrix × vector is reported as weight bytes read per second over the bandwidth, matrix ×
 * matrix as GFLOP/s over the FMA peak. Not a test: timings are best-of-N wall clock on a shared machine.
 *
 * <p>Run with {@code ops/bench/kernels [--quick] [--out FILE]}; writes the table to
 * {@code ops/bench/results/kernels-<date>.txt} by default. Buffers and weights are native segments (as a mapped
 * checkpoint is): JDK 25 does not intrinsify float vector loads from heap {@code byte[]} segments (about 5x
 * slower). {@code -XX:+UseTransparentHugePages} covers the Java heap only.
 */
public final class KernelBench {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = Simd.F;

    private final boolean quick;
    private final String only; // "matvec" or "matmul" runs that part alone (the limits are always measured)
    private final List<String> lines = new ArrayList<>();
    private final double[] bandwidth = new double[3]; // GB/s by thread count
    private final double[] peak = new double[3];      // GFLOP/s by thread count
    private double sink;

    private KernelBench(boolean quick, String only) {
        this.quick = quick;
        this.only = only;
    }

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        String only = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = args[++i];
                default -> {
                    System.err.println("usage: KernelBench [--quick] [--only matvec|matmul] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        if (out == null) {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm"));
            out = Path.of("ops/bench/results/kernels-" + stamp + (quick ? "-quick" : "")
                    + (only == null ? "" : "-" + only) + ".txt");
        }
        KernelBench bench = new KernelBench(quick, only);
        bench.run();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, bench.lines);
        System.out.println("written " + out);
    }

    private void run() {
        int threadsMax = Math.min(2, Math.max(1, Parallel.cores()));
        say("# Trident kernel bench " + LocalDateTime.now().withNano(0) + (quick ? " (--quick)" : ""));
        say("# java " + Runtime.version() + ", " + Parallel.cores() + " cores, " + Simd.describe());
        say("# cpu " + cpuModel());
        say("");
        say("## Machine limits (best of N)");
        long bufferBytes = quick ? (512L << 20) : (1L << 30);
        Arena bufferArena = Arena.ofShared();
        MemorySegment buffer = bufferArena.allocate(bufferBytes, 1 << 21);
        buffer.fill((byte) 1);
        for (int t = 1; t <= threadsMax; t++) {
            bandwidth[t] = measureBandwidth(buffer, t);
            say(String.format("read bandwidth   %d thread%s  %7.1f GB/s   (stream-sum of %d MiB)", t, t == 1 ? " " : "s",
                    bandwidth[t], buffer.byteSize() >> 20));
        }
        bufferArena.close();
        for (int t = 1; t <= threadsMax; t++) {
            peak[t] = measurePeak(t);
            say(String.format("FMA peak         %d thread%s  %7.1f GFLOP/s (12 independent %d-lane FMA chains)", t,
                    t == 1 ? " " : "s", peak[t], F.length()));
        }
        if (!"matmul".equals(only)) {
            benchMatVecs(threadsMax);
        }
        if (!"matvec".equals(only)) {
            benchMatMuls(threadsMax);
        }
        say("");
        say("# goals: matrix x vector >= 0.8 of bandwidth and matrix x matrix >= 0.8 of FMA peak, on 2 threads");
        if (sink == 42) {
            System.out.println(sink);
        }
    }

    private void benchMatVecs(int threadsMax) {
        say("");
        say("## Matrix x vector (decode): weight bytes / s over read bandwidth; weights cycled through copies > 1 GiB");
        say(String.format("%-22s %-5s %3s %10s %10s %9s", "shape [out x in]", "type", "thr", "ms/call", "GB/s", "fraction"));
        int[][] vecShapes = {{4096, 4096}, {2048, 5632}};
        for (int[] shape : vecShapes) {
            for (DType type : new DType[] {DType.F32, DType.BF16, DType.Q8_0}) {
                benchMatVec(shape[0], shape[1], type, threadsMax);
            }
        }
    }

    private void benchMatMuls(int threadsMax) {
        say("");
        say("## Matrix x matrix (prefill/encoder): GFLOP/s (2·M·K·N) over FMA peak");
        say(String.format("%-22s %-5s %3s %10s %10s %9s", "M x K x N", "type", "thr", "ms/call", "GFLOP/s", "fraction"));
        int[][] matShapes = {{128, 384, 1536}, {512, 768, 768}, {512, 4096, 4096}};
        for (int[] shape : matShapes) {
            for (DType type : new DType[] {DType.F32, DType.BF16, DType.Q8_0}) {
                benchMatMul(shape[0], shape[1], shape[2], type, threadsMax);
            }
        }
    }

    private void say(String line) {
        System.out.println(line);
        lines.add(line);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    // ---- limits ----

    private double measureBandwidth(MemorySegment buffer, int threads) {
        return MachineLimits.readBandwidth(buffer, threads, quick ? 4 : 8);
    }

    private double measurePeak(int threads) {
        return MachineLimits.fmaPeak(threads, quick ? 20_000_000L : 60_000_000L);
    }

    // ---- kernels ----

    private static float[] randomWeights(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }

    /** A weight tensor in native memory of {@code arena}, encoded from {@code values}. */
    private static Tensor nativeWeight(Arena arena, DType type, float[] values, int out, int in) {
        Tensor encoded = switch (type) {
            case F32 -> Tensor.f32("w", values, out, in);
            case F16 -> Tensor.f16("w", values, out, in);
            case BF16 -> Tensor.bf16("w", values, out, in);
            case Q8_0 -> Tensor.q8_0("w", values, out, in);
        };
        return copyOf(arena, encoded);
    }

    private static Tensor copyOf(Arena arena, Tensor tensor) {
        MemorySegment copy = arena.allocate(tensor.data().byteSize(), 1 << 21);
        copy.copyFrom(tensor.data());
        return new Tensor(tensor.name(), tensor.dtype(), tensor.shape(), copy);
    }

    private void benchMatVec(int out, int in, DType type, int threadsMax) {
        try (Arena arena = Arena.ofShared()) {
            benchMatVec(arena, out, in, type, threadsMax);
        }
    }

    private void benchMatVec(Arena arena, int out, int in, DType type, int threadsMax) {
        Tensor first = nativeWeight(arena, type, randomWeights(out * in, out + in), out, in);
        long bytes = first.data().byteSize();
        // Enough copies that a pass over them cannot come from cache (this VM reports a very large L3).
        int copies = (int) Math.max(2, ((quick ? 512L : 1024L) << 20) / bytes + 1);
        Tensor[] weights = new Tensor[copies];
        weights[0] = first;
        for (int c = 1; c < copies; c++) {
            weights[c] = copyOf(arena, first);
        }
        float[] x = randomWeights(in, 7);
        float[] y = new float[out];
        for (int t = 1; t <= threadsMax; t++) {
            Parallel.setThreads(t);
            for (int warm = 0; warm < copies * 2; warm++) {
                MatVec.matVec(weights[warm % copies], x, 0, y, 0);
            }
            int calls = copies * (quick ? 3 : 8);
            double best = Double.MAX_VALUE;
            // Best of passes over all copies: one pass is `copies` calls, each on weights not in cache.
            for (int pass = 0; pass < calls / copies; pass++) {
                long start = System.nanoTime();
                for (int c = 0; c < copies; c++) {
                    MatVec.matVec(weights[c], x, 0, y, 0);
                }
                best = Math.min(best, (System.nanoTime() - start) / 1e9 / copies);
            }
            sink += y[0];
            double gbps = bytes / best / 1e9;
            say(String.format("%-22s %-5s %3d %10.3f %10.1f %9.2f", out + " x " + in, type, t, best * 1e3, gbps,
                    gbps / bandwidth[t]));
        }
    }

    private void benchMatMul(int m, int k, int n, DType type, int threadsMax) {
        try (Arena arena = Arena.ofShared()) {
            benchMatMul(arena, m, k, n, type, threadsMax);
        }
    }

    private void benchMatMul(Arena arena, int m, int k, int n, DType type, int threadsMax) {
        Tensor weight = nativeWeight(arena, type, randomWeights(n * k, m + k + n), n, k);
        float[] x = randomWeights(m * k, 9);
        float[] y = new float[m * n];
        double flops = 2.0 * m * k * n;
        for (int t = 1; t <= threadsMax; t++) {
            Parallel.setThreads(t);
            int reps = Math.max(3, (int) Math.min(quick ? 10 : 40, 3e10 / flops / (quick ? 4 : 1)));
            for (int warm = 0; warm < Math.max(2, reps / 2); warm++) {
                MatMul.matMul(weight, x, 0, m, y, 0);
            }
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < reps; rep++) {
                long start = System.nanoTime();
                MatMul.matMul(weight, x, 0, m, y, 0);
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            sink += y[0];
            double gflops = flops / best / 1e9;
            say(String.format("%-22s %-5s %3d %10.3f %10.1f %9.2f", m + " x " + k + " x " + n, type, t, best * 1e3,
                    gflops, gflops / peak[t]));
        }
    }
}
