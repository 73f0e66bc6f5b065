package dev.trident.kernels.bench;

import dev.trident.kernels.ops.MatMul;
import dev.trident.kernels.ops.PackedMatMul;
import dev.trident.kernels.ops.Q8_0Panels;
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
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernel speed against this machine's own limits, measured in the same run: memory read bandwidth (stream-sum
 * of a buffer far larger than the caches, the faster of one and four streams per thread) and peak FMA throughput (independent FloatVector FMA chains), each on
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
    /**
     * FMA-chain iterations of the peak pass (best of 3) paired with each matrix × matrix call: 2M × 12 chains × 2
     * FLOP per lane, a few milliseconds each. On an AVX2 EPYC VM the peak moved between 63 and 100 GFLOP/s per core
     * from one second to the next, so a call is set against the peak of its own moment, as matrix × vector is
     * against bandwidth.
     */
    private static final long PAIRED_PEAK_ITERATIONS = 2_000_000L;
    /** The goal: each fraction at least this on this many threads. */
    private static final double GOAL = 0.8;
    private static final int GOAL_THREADS = 2;

    private final boolean quick;
    private final String only; // "matvec" or "matmul" runs that part alone (the limits are always measured)
    private final List<String> lines = new ArrayList<>();
    /** Rows on {@link #GOAL_THREADS} threads under {@link #GOAL}, for the summary line. */
    private final List<String> shortOfGoal = new ArrayList<>();
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
            say(String.format("read bandwidth   %d thread%s  %7.1f GB/s   (stream-sum of %d MiB, 1 or 4 streams a thread)", t, t == 1 ? " " : "s",
                    bandwidth[t], buffer.byteSize() >> 20));
        }
        for (int t = 1; t <= threadsMax; t++) {
            peak[t] = measurePeak(t);
            say(String.format("FMA peak         %d thread%s  %7.1f GFLOP/s (12 independent %d-lane FMA chains)", t,
                    t == 1 ? " " : "s", peak[t], F.length()));
        }
        if (!"matmul".equals(only)) {
            benchMatVecs(threadsMax, buffer);
        }
        bufferArena.close();
        if (!"matvec".equals(only)) {
            benchMatMuls(threadsMax);
        }
        say("");
        say("# goals: matrix x vector >= 0.8 of bandwidth and matrix x matrix >= 0.8 of FMA peak, on 2 threads");
        if (threadsMax == GOAL_THREADS) {
            say(shortOfGoal.isEmpty() ? "# every row meets it on " + GOAL_THREADS + " threads"
                    : "# short of it on " + GOAL_THREADS + " threads: " + String.join(", ", shortOfGoal));
        }
        if (sink == 42) {
            System.out.println(sink);
        }
    }

    private void benchMatVecs(int threadsMax, MemorySegment bandwidthBuffer) {
        int[][] shapes = {{4096, 4096}, {2048, 5632}};
        // Q8_0/p: the same Q8_0 weight in column panels (Q8_0Panels, the decoders' Linear layers where supported).
        boolean panels = Q8_0Panels.supported();
        DType[] types = panels ? new DType[] {DType.F32, DType.BF16, DType.Q8_0, DType.Q8_0}
                : new DType[] {DType.F32, DType.BF16, DType.Q8_0};
        String[] labels = {"F32", "BF16", "Q8_0", "Q8_0/p"};
        int panelKind = 3;
        // Each pass over the weights is paired with a stream-sum pass over the bandwidth buffer just before it, and
        // the fraction is the median of the paired ratios: on this VM the bandwidth two threads get moves between
        // 27 and 47 GB/s from minute to minute (where the host runs the two vCPUs, and the neighbours), so a kernel
        // timed in a slow minute against a limit read in a fast one (or the reverse) says little. Rounds over every
        // case spread each case's passes over the run.
        double[][][] best = unmeasured(shapes.length, types.length, threadsMax);
        List<Double>[][][] ratios = ratioLists(shapes.length, types.length, threadsMax);
        long[][] bytes = new long[shapes.length][types.length];
        try (Arena arena = Arena.ofShared()) {
            Tensor[][][] copies = new Tensor[shapes.length][types.length][];
            Q8_0Panels.Packed[][] panelCopies = new Q8_0Panels.Packed[shapes.length][];
            for (int s = 0; s < shapes.length; s++) {
                for (int d = 0; d < types.length; d++) {
                    if (d == panelKind) {
                        copies[s][d] = copies[s][d - 1];
                        panelCopies[s] = new Q8_0Panels.Packed[copies[s][d].length];
                        for (int c = 0; c < panelCopies[s].length; c++) {
                            panelCopies[s][c] = Q8_0Panels.pack(copies[s][d][c]);
                        }
                        bytes[s][d] = panelCopies[s][0].byteSize();
                    } else {
                        copies[s][d] = matVecCopies(arena, shapes[s][0], shapes[s][1], types[d]);
                        bytes[s][d] = copies[s][d][0].data().byteSize();
                    }
                }
            }
            for (int round = 0; round < rounds(); round++) {
                for (int s = 0; s < shapes.length; s++) {
                    for (int d = 0; d < types.length; d++) {
                        for (int t = 1; t <= threadsMax; t++) {
                            best[s][d][t] = Math.min(best[s][d][t], timeMatVec(copies[s][d],
                                    d == panelKind ? panelCopies[s] : null, bytes[s][d], t, bandwidthBuffer,
                                    ratios[s][d][t]));
                        }
                    }
                }
            }
        }
        say("");
        say("## Matrix x vector (decode): weight bytes / s; weights cycled through copies > 1 GiB; best of " + rounds()
                + " rounds over all shapes");
        say("## fraction: median over passes of (the pass's GB/s / a stream-sum pass just before it)");
        if (panels) {
            say("## Q8_0/p: the Q8_0 weight in column panels (Q8_0Panels, the decoders' Linear layers): 36 bytes per 32"
                    + " weights, counted as read");
        }
        say(String.format("%-22s %-6s %3s %10s %10s %9s", "shape [out x in]", "type", "thr", "ms/call", "GB/s", "fraction"));
        for (int s = 0; s < shapes.length; s++) {
            for (int d = 0; d < types.length; d++) {
                for (int t = 1; t <= threadsMax; t++) {
                    double gbps = bytes[s][d] / best[s][d][t] / 1e9;
                    say(String.format("%-22s %-6s %3d %10.3f %10.1f %9.2f", shapes[s][0] + " x " + shapes[s][1], labels[d],
                            t, best[s][d][t] * 1e3, gbps, median(ratios[s][d][t])));
                    checkGoal(shapes[s][0] + "x" + shapes[s][1], labels[d], t, median(ratios[s][d][t]));
                }
            }
        }
    }

    /** Notes a row on {@link #GOAL_THREADS} threads whose fraction is under {@link #GOAL}. */
    private void checkGoal(String shape, String label, int threads, double fraction) {
        if (threads == GOAL_THREADS && !(fraction >= GOAL)) {
            shortOfGoal.add(String.format("%s %s %.2f", shape, label, fraction));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void benchMatMuls(int threadsMax) {
        say("");
        say("## Matrix x matrix (prefill/encoder): GFLOP/s (2·M·K·N), best of " + rounds()
                + " rounds over all shapes");
        say("## fraction: median over calls of (the call's GFLOP/s / an FMA-peak pass just before it)");
        say("## F32/p, BF16/p: the weight repacked once into F32 column panels (PackedMatMul, the encoders' Linear layers)");
        boolean panels = Q8_0Panels.supported();
        if (panels) {
            say("## Q8_0/p: the Q8_0 weight in column panels (Q8_0Panels, the decoders' Linear layers)");
        }
        say(String.format("%-22s %-6s %3s %10s %10s %9s", "M x K x N", "type", "thr", "ms/call", "GFLOP/s", "fraction"));
        int[][] matShapes = {{128, 384, 1536}, {512, 768, 768}, {512, 4096, 4096}};
        DType[] types = panels ? new DType[] {DType.F32, DType.BF16, DType.Q8_0, DType.F32, DType.BF16, DType.Q8_0}
                : new DType[] {DType.F32, DType.BF16, DType.Q8_0, DType.F32, DType.BF16};
        String[] labels = {"F32", "BF16", "Q8_0", "F32/p", "BF16/p", "Q8_0/p"};
        int firstPackedKind = 3;
        int panelKind = 5;
        // Rounds minutes apart over every shape: a neighbour busy on this shared VM during one shape's reps (seen
        // here to take a fifth off a one-thread run) rarely is during all of them.
        double[][][] best = unmeasured(matShapes.length, types.length, threadsMax);
        List<Double>[][][] ratios = ratioLists(matShapes.length, types.length, threadsMax);
        try (Arena arena = Arena.ofShared()) {
            Tensor[][] weights = new Tensor[matShapes.length][types.length];
            PackedMatMul.Packed[][] packed = new PackedMatMul.Packed[matShapes.length][types.length];
            Q8_0Panels.Packed[] q8Panels = new Q8_0Panels.Packed[matShapes.length];
            for (int round = 0; round < rounds(); round++) {
                for (int s = 0; s < matShapes.length; s++) {
                    int[] shape = matShapes[s];
                    for (int d = 0; d < types.length; d++) {
                        if (weights[s][d] == null) {
                            weights[s][d] = nativeWeight(arena, types[d],
                                    randomWeights(shape[2] * shape[1], shape[0] + shape[1] + shape[2]), shape[2], shape[1]);
                        }
                        boolean packedKind = d >= firstPackedKind && d < panelKind;
                        if (packedKind && packed[s][d] == null) {
                            packed[s][d] = PackedMatMul.pack(weights[s][d]);
                        }
                        if (d == panelKind && q8Panels[s] == null) {
                            q8Panels[s] = Q8_0Panels.pack(weights[s][d]);
                        }
                        for (int t = 1; t <= threadsMax; t++) {
                            best[s][d][t] = Math.min(best[s][d][t], timeMatMul(weights[s][d],
                                    packedKind ? packed[s][d] : null, d == panelKind ? q8Panels[s] : null,
                                    shape[0], t, ratios[s][d][t]));
                        }
                    }
                }
            }
        }
        for (int s = 0; s < matShapes.length; s++) {
            int[] shape = matShapes[s];
            for (int d = 0; d < types.length; d++) {
                for (int t = 1; t <= threadsMax; t++) {
                    double gflops = 2.0 * shape[0] * shape[1] * shape[2] / best[s][d][t] / 1e9;
                    say(String.format("%-22s %-6s %3d %10.3f %10.1f %9.2f", shape[0] + " x " + shape[1] + " x " + shape[2],
                            labels[d], t, best[s][d][t] * 1e3, gflops, median(ratios[s][d][t])));
                    checkGoal(shape[0] + "x" + shape[1] + "x" + shape[2], labels[d], t, median(ratios[s][d][t]));
                }
            }
        }
    }

    /** Rounds over all cases of a section: each case's passes spread over the run. */
    private int rounds() {
        return quick ? 1 : 3;
    }

    /** Best seconds per [shape][type][threads], none measured yet. */
    private static double[][][] unmeasured(int shapes, int types, int threadsMax) {
        double[][][] best = new double[shapes][types][threadsMax + 1];
        for (double[][] byType : best) {
            for (double[] byThreads : byType) {
                Arrays.fill(byThreads, Double.MAX_VALUE);
            }
        }
        return best;
    }

    /** Each pass's ratio to its paired limit, per [shape][type][threads]. */
    @SuppressWarnings("unchecked")
    private static List<Double>[][][] ratioLists(int shapes, int types, int threadsMax) {
        List<Double>[][][] ratios = new List[shapes][types][threadsMax + 1];
        for (List<Double>[][] byType : ratios) {
            for (List<Double>[] byThreads : byType) {
                for (int t = 0; t <= threadsMax; t++) {
                    byThreads[t] = new ArrayList<>();
                }
            }
        }
        return ratios;
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

    /** One weight and enough copies of it that a pass over them cannot come from cache (this VM reports a large L3). */
    private Tensor[] matVecCopies(Arena arena, int out, int in, DType type) {
        Tensor first = nativeWeight(arena, type, randomWeights(out * in, out + in), out, in);
        int copies = (int) Math.max(2, ((quick ? 512L : 1024L) << 20) / first.data().byteSize() + 1);
        Tensor[] weights = new Tensor[copies];
        weights[0] = first;
        for (int c = 1; c < copies; c++) {
            weights[c] = copyOf(arena, first);
        }
        return weights;
    }

    /**
     * Best seconds per call over passes through all {@code weights} (their {@code panels} when given), each call on weights not in cache; adds each
     * pass's GB/s over that of a stream-sum pass over {@code bandwidthBuffer} just before it to {@code ratios}.
     */
    private double timeMatVec(Tensor[] weights, Q8_0Panels.Packed[] panels, long bytes, int threads,
                              MemorySegment bandwidthBuffer, List<Double> ratios) {
        int in = weights[0].dim(1);
        float[] x = randomWeights(in, 7);
        float[] y = new float[weights[0].dim(0)];
        Parallel.setThreads(threads);
        int copies = weights.length;
        for (int warm = 0; warm < copies * 2; warm++) {
            matVec(weights, panels, warm % copies, x, y);
        }
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < (quick ? 3 : 8); pass++) {
            double streamGbps = MachineLimits.readBandwidth(bandwidthBuffer, threads, 1);
            long start = System.nanoTime();
            for (int c = 0; c < copies; c++) {
                matVec(weights, panels, c, x, y);
            }
            double perCall = (System.nanoTime() - start) / 1e9 / copies;
            best = Math.min(best, perCall);
            ratios.add(bytes / perCall / 1e9 / streamGbps);
        }
        sink += y[0];
        return best;
    }

    private static void matVec(Tensor[] weights, Q8_0Panels.Packed[] panels, int copy, float[] x, float[] y) {
        if (panels != null) {
            Q8_0Panels.matVec(panels[copy], x, 0, y, 0);
        } else {
            MatVec.matVec(weights[copy], x, 0, y, 0);
        }
    }

    /**
     * Best seconds per call of {@code weight} (through its panels when {@code packed} is given) against {@code m}
     * activation rows on {@code threads} threads; adds to {@code ratios} each call's GFLOP/s over an FMA-peak pass
     * just before it.
     */
    private double timeMatMul(Tensor weight, PackedMatMul.Packed packed, Q8_0Panels.Packed q8Panels, int m,
                              int threads, List<Double> ratios) {
        int k = weight.dim(1);
        float[] x = randomWeights(m * k, 9);
        float[] y = new float[m * weight.dim(0)];
        double flops = 2.0 * m * k * weight.dim(0);
        Parallel.setThreads(threads);
        int reps = Math.max(3, (int) Math.min(quick ? 10 : 40, 3e10 / flops / (quick ? 4 : 1)));
        for (int warm = 0; warm < Math.max(2, reps / 2); warm++) {
            matMul(weight, packed, q8Panels, x, m, y);
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < reps; rep++) {
            double peakGflops = MachineLimits.fmaPeak(threads, PAIRED_PEAK_ITERATIONS, 3);
            long start = System.nanoTime();
            matMul(weight, packed, q8Panels, x, m, y);
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.min(best, seconds);
            ratios.add(flops / seconds / 1e9 / peakGflops);
        }
        sink += y[0];
        return best;
    }

    private static void matMul(Tensor weight, PackedMatMul.Packed packed, Q8_0Panels.Packed q8Panels, float[] x, int m,
                               float[] y) {
        if (q8Panels != null) {
            Q8_0Panels.matMul(q8Panels, x, 0, m, y, 0);
        } else if (packed != null) {
            PackedMatMul.matMul(packed, x, 0, m, y, 0);
        } else {
            MatMul.matMul(weight, x, 0, m, y, 0);
        }
    }
}
