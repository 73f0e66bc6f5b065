package dev.trident.encoder.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.trident.encoder.inference.EncoderModel;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the time goes at 2 threads, batch 32 (tokenization excluded: the ids are ready before).
 *
 * <p>Trident: a JFR recording of execution samples (every thread running Java code, every 2 ms) over several
 * passes of the batches, each sample charged to the first Trident frame from the top of its stack, grouped by
 * kernel: matrix products (split into the attention projections and the feed-forward by the block above them),
 * attention (scores, softmax, weighted sum of values), layer norm, GELU, bias and residual adds, embeddings, pooling,
 * the thread pool itself. Samples count CPU time of both threads, so the shares are of CPU time, not of wall time.
 *
 * <p>ONNX Runtime: its own profiler (kernel time per graph node, after its graph fusions), summed by operator type.
 */
final class BenchProfile {

    private final EncoderModel model;
    private final OrtEnvironment environment;
    private final byte[] onnx;
    private final List<List<int[]>> batches;
    private final int passes;
    private final Consumer<String> say;

    BenchProfile(EncoderModel model, OrtEnvironment environment, byte[] onnx, int passes, List<List<int[]>> inputs,
                 Consumer<String> say) {
        this.model = model;
        this.environment = environment;
        this.onnx = onnx;
        this.batches = inputs;
        this.passes = passes;
        this.say = say;
    }

    void run() throws IOException, OrtException {
        long padded = 0;
        long real = 0;
        for (List<int[]> batch : batches) {
            int seqLen = batch.stream().mapToInt(r -> r.length).max().orElse(0);
            padded += (long) seqLen * batch.size();
            real += batch.stream().mapToInt(r -> r.length).sum();
        }
        say.accept("");
        say.accept(String.format("## Profile: 2 threads, batch 32, %d passes each (%d real tokens per pass, %d with padding)",
                passes, real, padded));
        trident();
        onnxRuntime();
    }

    private void trident() throws IOException {
        Path file = Files.createTempFile("encoder-bench", ".jfr");
        long start;
        long nanos;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(2));
            recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(20));
            recording.start();
            start = System.nanoTime();
            for (int p = 0; p < passes; p++) {
                for (List<int[]> batch : batches) {
                    model.embed(batch);
                }
            }
            nanos = System.nanoTime() - start;
            recording.stop();
            recording.dump(file);
        }
        Map<String, Integer> byKernel = new HashMap<>();
        Map<String, Integer> byMethod = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            samples++;
            byKernel.merge(kernel(frames), 1, Integer::sum);
            RecordedFrame top = frames.get(0);
            byMethod.merge(shortName(top.getMethod().getType().getName()) + "." + top.getMethod().getName(), 1, Integer::sum);
        }
        Files.deleteIfExists(file);
        say.accept(String.format("### Trident: %.0f ms per pass; %d JFR CPU samples (both threads), share by kernel",
                nanos / 1e6 / passes, samples));
        Map<String, Integer> merged = new HashMap<>();
        byKernel.forEach((k, v) -> merged.merge(k.startsWith(MATMUL) ? "matmul (all Linear layers)" : k, v, Integer::sum));
        table(merged, samples, "%");
        int ffn = byKernel.getOrDefault(MATMUL + FFN, 0);
        int projections = byKernel.getOrDefault(MATMUL + PROJECTIONS, 0);
        if (ffn + projections > 0) {
            say.accept(String.format("  (matmul on the calling thread, whose stack shows the block: feed-forward %.0f %%, "
                    + "attention projections %.0f %%; the FLOPs split 2:1)", 100.0 * ffn / (ffn + projections),
                    100.0 * projections / (ffn + projections)));
        }
        say.accept("#### Trident: top methods (top frame)");
        table(top(byMethod, 12), samples, "%");
    }

    /**
     * The kernel a sample belongs to: the first Trident frame from the top decides, helpers (dot product, axpy,
     * vector math, scratch buffers) counting for the kernel that called them.
     */
    static String kernel(List<RecordedFrame> frames) {
        String topType = frames.get(0).getMethod().getType().getName();
        if (topType.startsWith("java.util.concurrent.")) {
            return POOL;
        }
        String helper = null;
        for (int i = 0; i < frames.size(); i++) {
            String type = frames.get(i).getMethod().getType().getName();
            String method = frames.get(i).getMethod().getName();
            if (!type.startsWith("dev.trident.")) {
                continue;
            }
            String simple = shortName(type);
            switch (simple) {
                case "Dot", "Axpy", "Simd", "VectorMath", "Scratch" -> {
                    if (helper == null) {
                        helper = simple;
                    }
                    continue;
                }
                case "MatMul", "MatVec" -> {
                    return MATMUL + matmulUser(frames, i);
                }
                case "Linear" -> {
                    return "Axpy".equals(helper) ? "bias add (Linear)" : "other: Linear." + method;
                }
                case "Attention", "Softmax" -> {
                    return "attention (q.k, softmax, p.v per head)";
                }
                case "Norms", "LayerNorm" -> {
                    return "layer norm";
                }
                case "Activations" -> {
                    return "GELU (erf)";
                }
                case "Embedding" -> {
                    return "embeddings";
                }
                case "Pooling" -> {
                    return "mean pooling + L2 norm";
                }
                case "EncoderBatch" -> {
                    return "padding, masks";
                }
                case "Parallel", "Worker", "Chunk" -> {
                    return POOL;
                }
                case "EncoderLayers" -> {
                    if (method.equals("addInto")) {
                        return "residual add";
                    }
                }
                case "BertModel" -> {
                    if (method.equals("embeddings")) {
                        return "embeddings";
                    }
                }
                default -> {
                }
            }
            return "other: " + simple + "." + method + (helper != null ? " (" + helper + ")" : "");
        }
        return "other: " + shortName(topType);
    }

    static final String POOL = "thread pool (hand-off, spin-wait, park)";
    static final String MATMUL = "matmul: ";

    private static String matmulUser(List<RecordedFrame> frames, int from) {
        for (int i = from; i < frames.size(); i++) {
            String type = frames.get(i).getMethod().getType().getName();
            if (type.endsWith(".Mlp")) {
                return FFN;
            }
            if (type.endsWith("$BidirectionalAttention")) {
                return PROJECTIONS;
            }
        }
        return UNKNOWN_BLOCK;
    }

    static final String FFN = "feed-forward (384x1536, 1536x384)";
    static final String PROJECTIONS = "attention projections (q, k, v, out: 384x384)";
    static final String UNKNOWN_BLOCK = "on a pool thread (block not on its stack)";

    private static String shortName(String type) {
        String simple = type.substring(type.lastIndexOf('.') + 1);
        return simple.substring(simple.lastIndexOf('$') + 1);
    }

    private void onnxRuntime() throws IOException, OrtException {
        Path dir = Files.createTempDirectory("encoder-bench-ort");
        String json;
        long nanos;
        try (OrtEncoder ort = new OrtEncoder(environment, onnx, 2, model.hiddenSize(), dir.resolve("ort").toString())) {
            long start = System.nanoTime();
            for (int p = 0; p < passes; p++) {
                for (List<int[]> batch : batches) {
                    ort.embed(batch);
                }
            }
            nanos = System.nanoTime() - start;
            Path file = Path.of(ort.endProfiling());
            json = Files.readString(file);
            Files.deleteIfExists(file);
        }
        Files.deleteIfExists(dir);
        // one event a line: {"cat" : "Node", ..., "dur" :123, ..., "name" :"..._kernel_time", "args" : {..."op_name" : "MatMul"...}}
        Pattern dur = Pattern.compile("\"dur\"\\s*:\\s*(\\d+)");
        Pattern op = Pattern.compile("\"op_name\"\\s*:\\s*\"([^\"]*)\"");
        Map<String, Long> byOp = new HashMap<>();
        long total = 0;
        for (String line : json.split("\n")) {
            if (!line.contains("\"Node\"") || !line.contains("_kernel_time\"")) {
                continue;
            }
            Matcher d = dur.matcher(line);
            Matcher o = op.matcher(line);
            if (d.find() && o.find()) {
                long micros = Long.parseLong(d.group(1));
                byOp.merge(o.group(1), micros, Long::sum);
                total += micros;
            }
        }
        say.accept(String.format("### ONNX Runtime (profiling on): %.0f ms per pass; kernel time %.0f ms per pass, share by "
                + "operator (after its fusions)", nanos / 1e6 / passes, total / 1e3 / passes));
        Map<String, Integer> asInt = new HashMap<>();
        byOp.forEach((k, v) -> asInt.put(k, (int) Math.min(Integer.MAX_VALUE, v)));
        table(asInt, total, "%");
    }

    private static Map<String, Integer> top(Map<String, Integer> counts, int n) {
        Map<String, Integer> out = new HashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private void table(Map<String, Integer> counts, long total, String unit) {
        List<Map.Entry<String, Integer>> rows = new ArrayList<>(counts.entrySet());
        rows.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        long rest = 0;
        int restCount = 0;
        for (Map.Entry<String, Integer> e : rows) {
            double share = 100.0 * e.getValue() / Math.max(1, total);
            if (share < 0.1) {
                rest += e.getValue();
                restCount++;
                continue;
            }
            say.accept(String.format("  %-52s %6.1f %s", e.getKey(), share, unit));
        }
        if (restCount > 0) {
            say.accept(String.format("  %-52s %6.1f %s", "(" + restCount + " more, under 0.1 % each)",
                    100.0 * rest / Math.max(1, total), unit));
        }
    }
}
