package dev.trident.decoder.bench;

import dev.trident.decoder.inference.BuiltinModels;
import dev.trident.decoder.model.CausalLm;
import dev.trident.decoder.model.CausalLms;
import dev.trident.decoder.model.LlamaConfig;
import dev.trident.decoder.model.LlamaModel;
import dev.trident.kernels.bench.MachineLimits;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.load.CheckpointException;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.ArgMax;
import dev.trident.kernels.ops.Q8_0Panels;
import dev.trident.kernels.ops.Simd;
import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * Decoder speed: prefill and decode tokens/s for the default model and for a synthetic ~1B Llama (TinyLlama's
 * shape, random weights made here, F32 and Q8_0), decode as a fraction of the read bandwidth measured in the same
 * run, and the time to first token of a follow-up turn in a 2 000-token conversation with and without its cache.
 * Run with {@code ops/bench/decoder [--quick]}.
 */
public final class DecoderBench {

    /**
     * Untimed runs before each timed one, for at least this long: C2 compiles a kernel after thousands of calls, and a
     * stories260K step takes microseconds, so a single untimed step left the timed loop interpreted (230 tok/s on one
     * thread against 5 600 on two).
     */
    private static final long WARM_UP_NANOS = 1_000_000_000L;

    private final boolean quick;
    private final List<String> lines = new ArrayList<>();

    private DecoderBench(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        new DecoderBench(quick).run();
    }

    private void run() throws IOException {
        say("# Trident decoder bench " + LocalDateTime.now().withNano(0) + (quick ? " (--quick)" : ""));
        say("# java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + Simd.describe());
        double[] bandwidth = new double[3];
        // Kept for the run: the batch-1 decode is also set against a stream-sum pass just before each timed run.
        Arena bandwidthArena = Arena.ofShared();
        MemorySegment bandwidthBuffer = bandwidthArena.allocate(1L << 30, 64);
        bandwidthBuffer.fill((byte) 1);
        for (int t = 1; t <= 2; t++) {
            bandwidth[t] = MachineLimits.readBandwidth(bandwidthBuffer, t, quick ? 3 : 6);
        }
        say(String.format("read bandwidth: 1 thread %.1f GB/s, 2 threads %.1f GB/s", bandwidth[1], bandwidth[2]));

        say("\n## stories260K (default model, F32)");
        try (CausalLm lm = CausalLms.load(BuiltinModels.folder(BuiltinModels.STORIES_260K), LoadOptions.mapped())) {
            // The first model of the run meets a cold JIT: decoding it second by second on one thread read 256,
            // 4288, 5952, 6400 tok/s (AVX-512 EPYC), so the usual second of warm-up measured C2 still compiling.
            Parallel.setThreads(1);
            long jitWarmUntil = System.nanoTime() + (quick ? 2 : 5) * 1_000_000_000L;
            while (System.nanoTime() < jitWarmUntil) {
                timedDecode(lm, 1, 64);
                timedDecode(lm, 8, 32);
            }
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                double one = decode(lm, 1, 64);
                double eight = decode(lm, 8, 32);
                say(String.format("threads %d: prefill %.0f tok/s (256-token prompt), decode %.0f tok/s (batch 1), %.0f tok/s total over 8 sequences batched (%.1fx)",
                        threads, prefill(lm, 256), one, eight, eight / one));
            }
        }

        for (DType type : List.of(DType.Q8_0, DType.F32)) {
            int layers = quick ? 4 : 22;
            say("\n## synthetic Llama, TinyLlama-1.1B's shape (hidden 2048, ffn 5632, 32 heads, 4 kv heads) with " + layers
                    + " of its 22 layers, random weights, " + type
                    + (type == DType.Q8_0 && Q8_0Panels.supported() ? " (in column panels)" : ""));
            try (Arena arena = Arena.ofShared()) {
                Synthetic model = synthetic(arena, type, layers);
                long bytesPerToken = model.matrixBytes;
                for (int threads = 1; threads <= 2; threads++) {
                    Parallel.setThreads(threads);
                    double decode = decode(model.lm, 1, quick ? 8 : 16);
                    double fraction = decode * bytesPerToken / 1e9 / bandwidth[threads];
                    double paired = pairedFraction(model.lm, quick ? 8 : 16, bytesPerToken, bandwidthBuffer, threads);
                    double prefill = prefill(model.lm, quick ? 32 : 128);
                    double eight = decode(model.lm, 8, quick ? 2 : 4);
                    say(String.format("threads %d: decode %.2f tok/s batch 1 (%.2f GB of weights per token, %.2f of the read bandwidth"
                            + " at the start, %.2f paired); %.2f tok/s total over 8 sequences batched (%.1fx batch 1); prefill %.1f tok/s",
                            threads, decode, bytesPerToken / 1e9, fraction, paired, eight, eight / decode, prefill));
                }
                if (type == DType.Q8_0) {
                    Parallel.setThreads(2);
                    int history = quick ? 300 : 2000;
                    double[] ttft = followUpTurn(model.lm, history, 12);
                    say(String.format("follow-up turn after %d tokens, 12 new: first token %.2f s without the session cache, %.3f s with it; ratio %.3f",
                            history, ttft[0], ttft[1], ttft[1] / ttft[0]));
                }
            }
        }
        bandwidthArena.close();
        say("\n# paired: median over " + PAIRED_RUNS + " timed batch-1 runs of (their weight GB/s / a stream-sum pass just before"
                + " each, after a GC): the VM's read bandwidth moves by a third between minutes, so the start's reading alone says"
                + " little");
        Path out = Path.of("ops/bench/results/decoder-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm")) + ".txt");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        System.out.println("\nwritten to " + out);
    }

    /** Prompt tokens per second of one prefill. */
    private static double prefill(CausalLm lm, int tokens) {
        int[] prompt = ids(tokens, lm.vocabSize());
        long warmUntil = System.nanoTime() + WARM_UP_NANOS;
        do {
            lm.forward(prompt, lm.newCache(), false);
        } while (System.nanoTime() < warmUntil);
        long start = System.nanoTime();
        lm.forward(prompt, lm.newCache(), false);
        return tokens / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * Generated tokens per second, summed over {@code sequences} decoded together: one {@link CausalLm#forwardBatch}
     * per step (the continuous-batching path the service runs), one token per sequence per step. With one sequence
     * this is the plain single-token forward.
     */
    private static double decode(CausalLm lm, int sequences, int steps) {
        long warmUntil = System.nanoTime() + WARM_UP_NANOS;
        do {
            timedDecode(lm, sequences, steps);
        } while (System.nanoTime() < warmUntil);
        // Best of three: one timed stories260K run is tens of milliseconds, and a GC or a recompilation inside it
        // (296 tok/s on one thread against 3 559 on two, AVX2 EPYC) reads as the model's speed.
        double best = 0;
        for (int run = 0; run < 3; run++) {
            best = Math.max(best, timedDecode(lm, sequences, steps));
        }
        return best;
    }

    private static final int PAIRED_RUNS = 5;

    /**
     * Median over {@value #PAIRED_RUNS} timed batch-1 decode runs of their weight bytes per second over a stream-sum
     * pass of {@code threads} threads just before each (a GC first, so that no collector thread shares the pass).
     */
    private static double pairedFraction(CausalLm lm, int steps, long bytesPerToken, MemorySegment buffer, int threads) {
        List<Double> ratios = new ArrayList<>();
        for (int run = 0; run < PAIRED_RUNS; run++) {
            System.gc();
            double gbps = MachineLimits.readBandwidth(buffer, threads, 1);
            double tokensPerSecond = timedDecode(lm, 1, steps);
            ratios.add(tokensPerSecond * bytesPerToken / 1e9 / gbps);
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double timedDecode(CausalLm lm, int sequences, int steps) {
        KVCache[] caches = new KVCache[sequences];
        int[] next = new int[sequences];
        int vocab = lm.vocabSize();
        for (int s = 0; s < sequences; s++) {
            caches[s] = lm.newCache();
            int[] prompt = ids(8 + s, vocab);
            next[s] = ArgMax.argMax(lm.forward(prompt, caches[s], false), 0, vocab);
        }
        long start = System.nanoTime();
        for (int step = 0; step < steps; step++) {
            step(lm, next, caches);
        }
        return (double) sequences * steps / ((System.nanoTime() - start) / 1e9);
    }

    private static void step(CausalLm lm, int[] next, KVCache[] caches) {
        int vocab = lm.vocabSize();
        if (next.length == 1) {
            next[0] = ArgMax.argMax(lm.forward(new int[] {next[0]}, caches[0], false), 0, vocab);
            return;
        }
        float[] logits = lm.forwardBatch(next, caches);
        for (int s = 0; s < next.length; s++) {
            next[s] = ArgMax.argMax(logits, s * vocab, vocab);
        }
    }

    /** Seconds to the first token of a turn that adds {@code added} tokens to {@code history}: full prefill vs cached. */
    private static double[] followUpTurn(CausalLm lm, int history, int added) {
        int[] conversation = ids(history + added, lm.vocabSize());
        long start = System.nanoTime();
        lm.forward(conversation, lm.newCache(), false);
        double full = (System.nanoTime() - start) / 1e9;
        KVCache cache = lm.newCache();
        lm.forward(java.util.Arrays.copyOf(conversation, history), cache, false);
        start = System.nanoTime();
        lm.forward(java.util.Arrays.copyOfRange(conversation, history, history + added), cache, false);
        double cached = (System.nanoTime() - start) / 1e9;
        return new double[] {full, cached};
    }

    private static int[] ids(int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (int) ((i * 2654435761L + 17) % vocab);
        }
        return ids;
    }

    private record Synthetic(CausalLm lm, long matrixBytes) {
    }

    /** TinyLlama-1.1B's shape with random weights in native memory (F32, or Q8_0 blocks written directly). */
    private static Synthetic synthetic(Arena arena, DType type, int layers) {
        String config = """
                {"model_type": "llama", "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632,
                 "num_hidden_layers": %d, "num_attention_heads": 32, "num_key_value_heads": 4,
                 "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "tie_word_embeddings": false}""".formatted(layers);
        LlamaConfig llama = LlamaConfig.from(HfConfig.parse(config, Path.of("<synthetic>")));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long[] matrixBytes = {0};
        long[] seed = {1};
        java.util.function.BiConsumer<String, int[]> matrix = (name, shape) -> {
            Tensor t = random(arena, name, type, shape, seed[0]++);
            tensors.put(name, t);
            // Q8_0 layers decode from column panels where they run (Linear.withQ8_0Panels): 36 bytes per 32 weights.
            matrixBytes[0] += type == DType.Q8_0 && Q8_0Panels.supported()
                    ? Q8_0Panels.packedBytes(shape[0], shape[1]) : t.data().byteSize();
        };
        int h = 2048;
        int kv = 4 * 64;
        tensors.put("model.embed_tokens.weight", random(arena, "model.embed_tokens.weight", DType.F32, new int[] {32000, h}, seed[0]++));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            tensors.put(p + "input_layernorm.weight", ones(p + "input_layernorm.weight", h));
            tensors.put(p + "post_attention_layernorm.weight", ones(p + "post_attention_layernorm.weight", h));
            matrix.accept(p + "self_attn.q_proj.weight", new int[] {h, h});
            matrix.accept(p + "self_attn.k_proj.weight", new int[] {kv, h});
            matrix.accept(p + "self_attn.v_proj.weight", new int[] {kv, h});
            matrix.accept(p + "self_attn.o_proj.weight", new int[] {h, h});
            matrix.accept(p + "mlp.gate_proj.weight", new int[] {5632, h});
            matrix.accept(p + "mlp.up_proj.weight", new int[] {5632, h});
            matrix.accept(p + "mlp.down_proj.weight", new int[] {h, 5632});
        }
        tensors.put("model.norm.weight", ones("model.norm.weight", h));
        matrix.accept("lm_head.weight", new int[] {32000, h});
        return new Synthetic(new LlamaModel(llama, new MapWeights(tensors), null), matrixBytes[0]);
    }

    private static Tensor ones(String name, int n) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, 1f);
        return Tensor.f32(name, values, n);
    }

    /** Small random values from a cheap generator (the numbers only need to be finite and varied). */
    private static Tensor random(Arena arena, String name, DType type, int[] shape, long seed) {
        long elements = Tensor.elementCount(shape);
        MemorySegment data = arena.allocate(type.byteSize(elements), 64);
        long state = seed * 0x9E3779B97F4A7C15L;
        if (type == DType.F32) {
            for (long i = 0; i < elements; i++) {
                state = state * 6364136223846793005L + 1442695040888963407L;
                data.setAtIndex(Tensor.F32_LE, i, ((state >>> 40) / (float) (1 << 24) - 0.5f) * 0.04f);
            }
        } else {
            short scale = Float.floatToFloat16(0.02f / 127f);
            for (long b = 0; b < elements / 32; b++) {
                long base = b * 34;
                data.set(Tensor.I16_LE, base, scale);
                for (int j = 0; j < 32; j++) {
                    state = state * 6364136223846793005L + 1442695040888963407L;
                    data.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) ((state >>> 56) - 128));
                }
            }
        }
        return new Tensor(name, type, shape, data);
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
            if (!java.util.Arrays.equals(t.shape(), expectedShape)) {
                throw new CheckpointException(Path.of("<synthetic>"), name, "shape " + java.util.Arrays.toString(t.shape()));
            }
            return t;
        }
    }

    private void say(String line) {
        System.out.println(line);
        lines.add(line);
    }
}
