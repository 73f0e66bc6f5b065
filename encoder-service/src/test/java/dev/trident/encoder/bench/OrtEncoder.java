package dev.trident.encoder.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.trident.encoder.model.Pooling;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime on the same ONNX file as {@code EncoderModels.defaultMiniLm()}, embedding exactly as
 * {@code EncoderModel.embed} does: the rows right-padded with id 0 to the longest, {@code attention_mask} 1 on real
 * tokens, token types 0, then mean pooling of {@code last_hidden_state} over the real tokens and L2 normalisation.
 *
 * <p>Session: {@code intra_op_num_threads = threads} (ONNX Runtime counts the calling thread as one of them, as
 * Trident's {@code Parallel} does), {@code inter_op_num_threads = 1}, sequential execution, all graph optimisations
 * (its transformer fusions included): ONNX Runtime at its best on this CPU. Inputs go in reused direct buffers, so
 * no copy is made on the way in.
 */
final class OrtEncoder implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final int hidden;
    private LongBuffer ids = LongBuffer.allocate(0);
    private LongBuffer mask = ids;
    private LongBuffer types = ids;

    OrtEncoder(OrtEnvironment environment, byte[] onnx, int threads, int hidden, String profilePrefix) throws OrtException {
        this.environment = environment;
        this.hidden = hidden;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (profilePrefix != null) {
                options.enableProfiling(profilePrefix);
            }
            this.session = environment.createSession(onnx, options);
        }
    }

    /** One embedding per row, {@code [rows][hidden]}, unit length. */
    float[][] embed(List<int[]> rows) throws OrtException {
        int batch = rows.size();
        int seqLen = 0;
        for (int[] r : rows) {
            seqLen = Math.max(seqLen, r.length);
        }
        int n = batch * seqLen;
        if (ids.capacity() < n) {
            ids = direct(n);
            mask = direct(n);
            types = direct(n);
        }
        ids.clear();
        mask.clear();
        types.clear();
        for (int[] r : rows) {
            for (int t = 0; t < seqLen; t++) {
                boolean real = t < r.length;
                ids.put(real ? r[t] : 0);
                mask.put(real ? 1 : 0);
                types.put(0);
            }
        }
        ids.flip();
        mask.flip();
        types.flip();
        long[] shape = {batch, seqLen};
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(environment, ids, shape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(environment, mask, shape);
             OnnxTensor typesTensor = OnnxTensor.createTensor(environment, types, shape);
             OrtSession.Result result = session.run(Map.of("input_ids", idsTensor, "attention_mask", maskTensor,
                     "token_type_ids", typesTensor))) {
            FloatBuffer states = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[][] out = new float[batch][hidden];
            for (int b = 0; b < batch; b++) {
                int length = rows.get(b).length;
                float[] pooled = out[b];
                for (int t = 0; t < length; t++) {
                    int off = (b * seqLen + t) * hidden;
                    for (int j = 0; j < hidden; j++) {
                        pooled[j] += states.get(off + j);
                    }
                }
                for (int j = 0; j < hidden; j++) {
                    pooled[j] /= length;
                }
                Pooling.l2Normalize(pooled);
            }
            return out;
        }
    }

    /** Ends ONNX Runtime's profiling and returns the JSON file it wrote (profiling sessions only). */
    String endProfiling() throws OrtException {
        return session.endProfiling();
    }

    private static LongBuffer direct(int n) {
        return ByteBuffer.allocateDirect(n * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
