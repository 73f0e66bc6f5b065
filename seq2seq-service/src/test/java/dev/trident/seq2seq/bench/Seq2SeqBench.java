package dev.trident.seq2seq.bench;

import dev.trident.kernels.bench.MachineLimits;
import dev.trident.kernels.load.BundledModel;
import dev.trident.kernels.load.CheckpointException;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Simd;
import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.seq2seq.inference.GenerationDefaults;
import dev.trident.seq2seq.inference.Seq2SeqModel;
import dev.trident.seq2seq.model.DecoderState;
import dev.trident.seq2seq.model.EncoderOutput;
import dev.trident.seq2seq.model.Seq2SeqLms;
import dev.trident.seq2seq.model.T5Config;
import dev.trident.seq2seq.model.T5Model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seq2seq speed bench ({@code ops/bench/seq2seq}):
 * <ol>
 *   <li>t5-numbers-en-fr translating 500 fixed inputs of heldout.tsv (every 80th line) through {@link Seq2SeqModel}
 *       (its scheduler), greedy and beam 4, at batch 1 (one request at a time) and batch 16 (16 concurrent clients,
 *       decoded together): target tokens/s (the tokens of the returned sequence, eos included);</li>
 *   <li>a synthetic T5-base (d_model 768, 12 + 12 layers, d_ff 3072, 12 heads, vocab 32128, F32, random weights made
 *       here): the decoder's per-step time for 1, 4 (a beam-4 step) and 16 rows, the weight bytes a step reads, and
 *       that as a fraction of the read bandwidth measured in the same run.</li>
 * </ol>
 * Writes the table to {@code ops/bench/results/seq2seq-<date>.txt}.
 */
public final class Seq2SeqBench {

    private final List<String> lines = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Path heldout = Path.of("../shared/models/t5-numbers-en-fr/heldout.tsv");
        boolean quick = false;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else {
                heldout = Path.of(arg);
            }
        }
        new Seq2SeqBench().run(heldout, quick);
    }

    private void run(Path heldout, boolean quick) throws Exception {
        say("# Trident seq2seq bench " + LocalDateTime.now().withNano(0) + (quick ? " (--quick)" : ""));
        say("# java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + Simd.describe()
                + ", kernel threads " + Parallel.threads() + ", load average " + loadAverage());
        double bandwidth;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(1L << 30, 64);
            buffer.fill((byte) 1);
            bandwidth = MachineLimits.readBandwidth(buffer, Parallel.threads(), quick ? 3 : 6);
        }
        say(String.format("read bandwidth (%d threads): %.1f GB/s", Parallel.threads(), bandwidth));

        if (Files.isRegularFile(heldout)) {
            translate(heldout, quick ? 100 : 500);
        } else {
            say("\n(no " + heldout + ": the t5-numbers part is skipped)");
        }
        synthetic(bandwidth, quick);

        Path out = Path.of("ops/bench/results/seq2seq-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm"))
                + (quick ? "-quick" : "") + ".txt");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        System.out.println("written to " + out);
    }

    // ------------------------------------------------------------------ t5-numbers-en-fr over heldout.tsv

    private void translate(Path heldout, int count) throws Exception {
        Path dir = BundledModel.unpack("/models/t5-numbers-en-fr", List.of("config.json", "generation_config.json",
                "model.safetensors", "spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
                Seq2SeqBench.class);
        List<String> all = Files.readAllLines(heldout);
        int stride = all.size() / count;
        Tokenizer tokenizer = HfTokenizer.open(dir);
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String line = all.get(i * stride);
            inputs.add(tokenizer.encode(line.substring(0, line.indexOf('\t')), true).ids());
        }
        say("\n## t5-numbers-en-fr (d_model 128, 3+3 layers, F32): " + count + " inputs of heldout.tsv (every "
                + stride + "th line), max_new_tokens 23");
        say("| decoding | batch | inputs/s | target tokens/s | steps | rows/step |");
        say("|---|---|---|---|---|---|");
        try (Seq2SeqModel model = new Seq2SeqModel("t5-numbers-en-fr", Seq2SeqLms.load(dir, LoadOptions.mapped()),
                tokenizer, List.of(), null, 128, GenerationDefaults.HF)) {
            for (int beams : new int[] {1, 4}) {
                for (int batch : new int[] {1, 16}) {
                    pass(model, inputs.subList(0, Math.min(64, inputs.size())), beams, batch); // warm-up
                    long[] before = model.decodeCounters();
                    long start = System.nanoTime();
                    long tokens = pass(model, inputs, beams, batch);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long[] after = model.decodeCounters();
                    long steps = after[0] - before[0];
                    say(String.format("| %s | %d | %.0f | %.0f | %d | %.1f |", beams == 1 ? "greedy" : "beam " + beams,
                            batch, inputs.size() / seconds, tokens / seconds, steps, (after[1] - before[1]) / (double) steps));
                }
            }
        }
    }

    /** Every input once, {@code batch} clients at a time; the target tokens produced. */
    private static long pass(Seq2SeqModel model, List<int[]> inputs, int beams, int batch) throws Exception {
        var options = model.options(beams, 23, 1.0, false, 1);
        if (batch == 1) {
            long tokens = 0;
            for (int[] input : inputs) {
                tokens += model.generate(input, options).getFirst().ids().length;
            }
            return tokens;
        }
        AtomicInteger next = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(batch);
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int c = 0; c < batch; c++) {
                done.add(clients.submit(() -> {
                    long tokens = 0;
                    for (int i; (i = next.getAndIncrement()) < inputs.size(); ) {
                        tokens += model.generate(inputs.get(i), options).getFirst().ids().length;
                    }
                    return tokens;
                }));
            }
            long tokens = 0;
            for (Future<Long> f : done) {
                tokens += f.get();
            }
            return tokens;
        } finally {
            clients.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ synthetic T5-base

    private void synthetic(double bandwidth, boolean quick) {
        int layers = quick ? 4 : 12;
        T5Config config = new T5Config(32128, 768, 64, 3072, layers, layers, 12, 32, 128, 1e-6, "relu", "relu", false,
                true, 0, 1, 0);
        say("\n## synthetic T5-base shape (d_model 768, " + layers + "+" + layers
                + " layers, d_ff 3072, 12 heads, vocab 32128, relu, tied), random F32 weights");
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            long[] seed = {12345};
            long decoderStepBytes = 0;
            int d = 768;
            int ff = 3072;
            tensors.put("shared.weight", random(arena, "shared.weight", seed, 0.05f, 32128, d));
            decoderStepBytes += 32128L * d * 4; // the tied LM head
            for (String stack : List.of("encoder", "decoder")) {
                tensors.put(stack + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                        random(arena, "bias", seed, 0.1f, 32, 12));
                for (int l = 0; l < layers; l++) {
                    String p = stack + ".block." + l + ".layer.";
                    tensors.put(p + "0.layer_norm.weight", ones(arena, d));
                    for (String w : List.of("q", "k", "v", "o")) {
                        tensors.put(p + "0.SelfAttention." + w + ".weight", random(arena, w, seed, 0.03f, d, d));
                    }
                    int ffLayer = 1;
                    if (stack.equals("decoder")) {
                        tensors.put(p + "1.layer_norm.weight", ones(arena, d));
                        for (String w : List.of("q", "k", "v", "o")) {
                            tensors.put(p + "1.EncDecAttention." + w + ".weight", random(arena, w, seed, 0.03f, d, d));
                        }
                        ffLayer = 2;
                        // Per step: self q, k, v, o and cross q, o (cross k, v are computed once per request), wi, wo.
                        decoderStepBytes += (6L * d * d + 2L * d * ff) * 4;
                    }
                    tensors.put(p + ffLayer + ".layer_norm.weight", ones(arena, d));
                    tensors.put(p + ffLayer + ".DenseReluDense.wi.weight", random(arena, "wi", seed, 0.03f, ff, d));
                    tensors.put(p + ffLayer + ".DenseReluDense.wo.weight", random(arena, "wo", seed, 0.02f, d, ff));
                }
                tensors.put(stack + ".final_layer_norm.weight", ones(arena, d));
            }
            T5Model model = new T5Model(config, new MapWeights(tensors), null);
            int sourceLength = 32;
            int[] source = new int[sourceLength];
            for (int i = 0; i < sourceLength; i++) {
                source[i] = 100 + 37 * i;
            }
            source[sourceLength - 1] = 1;
            long start = System.nanoTime();
            EncoderOutput encoded = model.encode(source, null);
            double encodeMs = (System.nanoTime() - start) / 1e6;
            say(String.format("encoder over %d source tokens: %.0f ms; decoder weights read per step: %.1f MB",
                    sourceLength, encodeMs, decoderStepBytes / 1e6));
            say("| rows per step | ms per step | ms per row (token) | weight GB/s | fraction of read bandwidth |");
            say("|---|---|---|---|---|");
            int steps = quick ? 8 : 24;
            for (int rows : new int[] {1, 4, 16}) {
                DecoderState[] states = new DecoderState[rows];
                for (int i = 0; i < rows; i++) {
                    states[i] = model.newDecoderState(encoded);
                }
                int[] tokens = new int[rows];
                float[] logits = new float[rows * config.vocabSize()];
                for (int s = 0; s < 4; s++) { // warm-up, also gives every row a few positions of cache
                    for (int i = 0; i < rows; i++) {
                        tokens[i] = 200 + 13 * i + s;
                    }
                    model.decodeStep(tokens, states, rows, logits, 0);
                }
                double best = Double.MAX_VALUE;
                for (int rep = 0; rep < 3; rep++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps / 3 + 1; s++) {
                        for (int i = 0; i < rows; i++) {
                            tokens[i] = 300 + 7 * i + s;
                        }
                        model.decodeStep(tokens, states, rows, logits, 0);
                    }
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6 / (steps / 3 + 1));
                }
                double gbPerSecond = decoderStepBytes / (best / 1e3) / 1e9;
                say(String.format("| %d | %.1f | %.2f | %.1f | %.2f |", rows, best, best / rows, gbPerSecond,
                        gbPerSecond / bandwidth));
            }
            say("(weight GB/s: the decoder weight bytes one step reads, once whatever its row count, over the step time;"
                    + " R rows decoded one at a time would read them R times)");
        }
    }

    /** Uniform in [-scale, scale) from a 64-bit LCG, straight into native memory (fast for ~900 MB). */
    private static Tensor random(Arena arena, String name, long[] seed, float scale, int... shape) {
        long n = (long) shape[0] * (shape.length > 1 ? shape[1] : 1);
        MemorySegment data = arena.allocate(n * 4, 64);
        long state = seed[0];
        for (long i = 0; i < n; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            float u = ((state >>> 40) / (float) (1 << 24)) * 2f - 1f;
            data.set(Tensor.F32_LE, i * 4, u * scale);
        }
        seed[0] = state;
        return new Tensor(name, DType.F32, shape, data);
    }

    private static Tensor ones(Arena arena, int n) {
        MemorySegment data = arena.allocate(n * 4L, 64);
        for (int i = 0; i < n; i++) {
            data.set(Tensor.F32_LE, i * 4L, 1f);
        }
        return new Tensor("norm", DType.F32, new int[] {n}, data);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    private void say(String line) {
        System.out.println(line);
        lines.add(line);
    }

    /** A WeightSource over tensors made in memory. */
    private record MapWeights(Map<String, Tensor> tensors) implements WeightSource {
        @Override
        public SequencedSet<String> names() {
            return new LinkedHashSet<>(tensors.keySet());
        }

        @Override
        public boolean has(String name) {
            return tensors.containsKey(name);
        }

        @Override
        public Tensor tensor(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new CheckpointException(Path.of("<synthetic>"), name, "missing");
            }
            return t;
        }

        @Override
        public Tensor tensor(String name, int... expectedShape) {
            Tensor t = tensor(name);
            if (!Arrays.equals(t.shape(), expectedShape)) {
                throw new CheckpointException(Path.of("<synthetic>"), name, "shape " + Arrays.toString(t.shape()));
            }
            return t;
        }
    }
}
