package dev.trident.encoder.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.trident.encoder.inference.EncoderModel;
import dev.trident.encoder.inference.EncoderModels;
import dev.trident.encoder.inference.MiniLm;
import dev.trident.kernels.ops.Simd;
import dev.trident.kernels.parallel.Parallel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Encoder throughput, Trident against ONNX Runtime, in one run on the same model (all-MiniLM-L6-v2, the very ONNX
 * file {@link EncoderModels#defaultMiniLm()} reads), the same token ids (Trident's tokenizer, tokenization not
 * timed), the same batches and the same thread count: sentences per second at 1 and 2 threads, batch 1 and batch
 * 32, and the ratio Trident / ONNX Runtime.
 *
 * <p>Corpus: {@link BenchCorpus} (2 000 generated sentences, 3 to 200 tokens). Batch 1 embeds the sentences one
 * by one; batch 32 sorts them by token count first (stable) and cuts the sorted list into batches of 32, so padding
 * stays small — the same batches for both engines. Timed work per engine and pass: padding, the forward pass, mean
 * pooling and L2 normalisation of every sentence (what {@code EncoderModel.embed} does; the ONNX Runtime side does
 * the same around {@code session.run}).
 *
 * <p>Method: both engines warmed up on every configuration before it is timed (JIT compilation for Trident, ONNX
 * Runtime's arena and thread pool); then {@code reps} passes over the whole corpus each, interleaved (Trident,
 * ONNX Runtime, then ONNX Runtime, Trident, ...) so that load from other processes hits both alike; the median pass
 * is reported, with the fastest and slowest. Honesty check: the embeddings of the last pass of both engines are
 * compared sentence by sentence, and 1 - the smallest cosine is reported (the cosine must be at least
 * {@value #MIN_COSINE}, else the run ends with exit status 1).
 *
 * <p>Run with {@code ops/bench/encoder [--quick] [--reps N] [--threads 1,2] [--out FILE] [--profile]}. {@code --profile} adds where
 * the time goes at 2 threads, batch 32: a JFR execution-sample profile of Trident by kernel, and ONNX Runtime's
 * own per-operator profile ({@link BenchProfile}).
 */
public final class EncoderBench {

    static final double MIN_COSINE = 0.9999;
    static final int[] BATCHES = {1, 32};

    private final boolean quick;
    private final int reps;
    private final boolean profile;
    private final int[] threadCounts;
    private final List<String> lines = new ArrayList<>();

    private EncoderModel model;
    private OrtEnvironment environment;
    private byte[] onnx;
    private List<int[]> ids;

    private EncoderBench(boolean quick, int reps, boolean profile, int[] threadCounts) {
        this.quick = quick;
        this.reps = reps;
        this.profile = profile;
        this.threadCounts = threadCounts;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean profile = false;
        Integer reps = null;
        int[] threads = {1, 2};
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--profile" -> profile = true;
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: EncoderBench [--quick] [--reps N] [--threads 1,2] [--out FILE] [--profile]");
                    System.exit(2);
                }
            }
        }
        if (out == null) {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm"));
            out = Path.of("ops/bench/results/encoder-" + stamp + (quick ? "-quick" : "") + ".txt");
        }
        EncoderBench bench = new EncoderBench(quick, reps != null ? reps : 3, profile, threads);
        boolean honest;
        try {
            honest = bench.run();
        } finally {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.write(out, bench.lines);
            System.out.println("written " + out);
        }
        if (!honest) {
            System.exit(1);
        }
    }

    /** @return whether every configuration's embeddings agreed (cosine at least {@link #MIN_COSINE}) */
    private boolean run() throws Exception {
        model = EncoderModels.defaultMiniLm();
        environment = OrtEnvironment.getEnvironment();
        try (InputStream in = EncoderBench.class.getResourceAsStream(MiniLm.ONNX_RESOURCE)) {
            onnx = in.readAllBytes();
        }
        int size = quick ? 200 : BenchCorpus.SIZE;
        List<String> corpus = BenchCorpus.sentences(BenchCorpus.SEED, size, s -> model.tokenize(s).length);
        ids = corpus.stream().map(model::tokenize).toList();
        int[] lengths = ids.stream().mapToInt(r -> r.length).toArray();
        long tokens = Arrays.stream(lengths).asLongStream().sum();
        int[] sorted = Arrays.stream(lengths).sorted().toArray();

        say("# Trident encoder bench " + LocalDateTime.now().withNano(0) + (quick ? " (--quick)" : ""));
        say("# java " + Runtime.version() + ", " + Parallel.cores() + " cores, " + Simd.describe() + "; ONNX Runtime "
                + environment.getVersion());
        say("# cpu " + cpuModel() + "; load average at start " + loadAverage());
        say("# model " + MiniLm.MODEL_ID + " (" + MiniLm.ONNX_RESOURCE.substring(1) + ", float32), both engines on the same file");
        say(String.format("# corpus %d sentences (seed %d), %d tokens, tokens per sentence: min %d, median %d, p90 %d, max %d",
                size, BenchCorpus.SEED, tokens, sorted[0], sorted[sorted.length / 2], sorted[sorted.length * 9 / 10],
                sorted[sorted.length - 1]));
        say("# per configuration: warm-up of both, then " + reps + " interleaved passes over the corpus each; median pass");
        say("# GFLOP/s: the FLOPs each engine does (matrix products and attention) per second of the median pass: ONNX Runtime"
                + " runs the padded batches, Trident only their real tokens (it packs them, as TEI does)");
        say("");
        say(String.format("%-7s %-5s %14s %14s %11s %12s %15s   %s", "threads", "batch", "Trident sent/s", "ORT sent/s",
                "Trident/ORT", "1 - min cos", "GFLOP/s T | O", "pass ms, Trident | ORT: median (min-max); load after"));

        boolean honest = true;
        for (int threads : threadCounts) {
            if (threads > Parallel.cores()) {
                say(String.format("%-7d (skipped: the JVM sees %d core%s)", threads, Parallel.cores(),
                        Parallel.cores() == 1 ? "" : "s"));
                continue;
            }
            Parallel.setThreads(threads);
            try (OrtEncoder ort = new OrtEncoder(environment, onnx, threads, model.hiddenSize(), null)) {
                for (int batchSize : BATCHES) {
                    honest &= measure(threads, batchSize, batches(batchSize), ort);
                }
            }
        }
        say("");
        say("# load average at end " + loadAverage() + " (2-core machine shared with other work: read the numbers as noisy)");
        say("# goal (issue 4): Trident >= ONNX Runtime at 2 threads, batch 32");
        if (profile && Parallel.cores() >= 2) {
            Parallel.setThreads(2);
            List<List<int[]>> inputs = batches(32).stream().map(b -> b.stream().map(ids::get).toList()).toList();
            new BenchProfile(model, environment, onnx, quick ? 4 : 3, inputs, this::say).run();
        }
        model.close();
        return honest;
    }

    /** The corpus as the batches of one configuration: in order for batch 1, sorted by length for larger ones. */
    private List<List<Integer>> batches(int batchSize) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, ids.size()).boxed().toList());
        if (batchSize > 1) {
            order.sort(Comparator.comparingInt(i -> ids.get(i).length)); // stable: ties keep corpus order
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int start = 0; start < order.size(); start += batchSize) {
            out.add(order.subList(start, Math.min(order.size(), start + batchSize)));
        }
        return out;
    }

    private boolean measure(int threads, int batchSize, List<List<Integer>> batches, OrtEncoder ort) throws OrtException {
        List<List<int[]>> inputs = batches.stream().map(b -> b.stream().map(ids::get).toList()).toList();
        float[][] trident = new float[ids.size()][];
        float[][] onnxRuntime = new float[ids.size()][];
        // Warm-up: a fifth of the batches (every 5th, so short and long ones), until each engine has run a while.
        List<Integer> warm = IntStream.range(0, inputs.size()).filter(i -> i % 5 == 0).boxed().toList();
        long warmNanos = (quick ? 1_000L : 3_000L) * 1_000_000L * (threads == 1 && batchSize == 1 ? 2 : 1);
        for (long start = System.nanoTime(); System.nanoTime() - start < warmNanos; ) {
            for (int i : warm) {
                model.embed(inputs.get(i));
            }
        }
        for (long start = System.nanoTime(); System.nanoTime() - start < warmNanos; ) {
            for (int i : warm) {
                ort.embed(inputs.get(i));
            }
        }
        double[] tridentMs = new double[reps];
        double[] ortMs = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
            if (rep % 2 == 0) {
                tridentMs[rep] = passTrident(batches, inputs, trident);
                ortMs[rep] = passOrt(batches, inputs, ort, onnxRuntime);
            } else {
                ortMs[rep] = passOrt(batches, inputs, ort, onnxRuntime);
                tridentMs[rep] = passTrident(batches, inputs, trident);
            }
        }
        double worst = 1;
        for (int i = 0; i < ids.size(); i++) {
            worst = Math.min(worst, cosine(trident[i], onnxRuntime[i]));
        }
        double tMedian = median(tridentMs);
        double oMedian = median(ortMs);
        double tRate = ids.size() / (tMedian / 1000);
        double oRate = ids.size() / (oMedian / 1000);
        double tGflop = flops(inputs, false) / 1e9;
        double oGflop = flops(inputs, true) / 1e9;
        say(String.format("%-7d %-5d %14.1f %14.1f %11.3f %12.1e %7.1f | %5.1f   %s | %s%s", threads, batchSize, tRate,
                oRate, tRate / oRate, 1 - worst, tGflop / (tMedian / 1000), oGflop / (oMedian / 1000), spread(tridentMs),
                spread(ortMs), worst >= MIN_COSINE ? "" : "  EMBEDDINGS DIFFER") + "; " + loadAverage().split(" ")[0]);
        return worst >= MIN_COSINE;
    }

    /**
     * Multiply-adds ×2 of one pass: per layer and token the six matrix products (q, k, v, out 384x384, then 384x1536
     * and 1536x384), per layer, sequence and head the L x L scores and the weighted sum of values; L is the batch's
     * padded length when {@code padded}, else each sentence's own.
     */
    private double flops(List<List<int[]>> inputs, boolean padded) {
        int h = model.hiddenSize();
        int ffn = MiniLm.CONFIG.intermediateSize();
        int layers = MiniLm.CONFIG.numHiddenLayers();
        double total = 0;
        for (List<int[]> batch : inputs) {
            int seqLen = batch.stream().mapToInt(r -> r.length).max().orElse(0);
            for (int[] row : batch) {
                double l = padded ? seqLen : row.length;
                total += layers * (l * 2 * (4.0 * h * h + 2.0 * h * ffn) + 4.0 * l * l * h);
            }
        }
        return total;
    }

    private double passTrident(List<List<Integer>> batches, List<List<int[]>> inputs, float[][] out) {
        long start = System.nanoTime();
        for (int b = 0; b < inputs.size(); b++) {
            float[][] embedded = model.embed(inputs.get(b));
            List<Integer> index = batches.get(b);
            for (int r = 0; r < embedded.length; r++) {
                out[index.get(r)] = embedded[r];
            }
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static double passOrt(List<List<Integer>> batches, List<List<int[]>> inputs, OrtEncoder ort, float[][] out)
            throws OrtException {
        long start = System.nanoTime();
        for (int b = 0; b < inputs.size(); b++) {
            float[][] embedded = ort.embed(inputs.get(b));
            List<Integer> index = batches.get(b);
            for (int r = 0; r < embedded.length; r++) {
                out[index.get(r)] = embedded[r];
            }
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static String spread(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return String.format("%.0f (%.0f-%.0f)", median(ms), s[0], s[s.length - 1]);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private void say(String line) {
        System.out.println(line);
        lines.add(line);
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
