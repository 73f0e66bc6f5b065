package dev.trident.encoder.model;

import dev.trident.kernels.load.CheckpointException;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.OnnxModel;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * The weights of a BERT-family model exported to ONNX by {@code torch.onnx.export}, under their HF names.
 *
 * <p>The exporter keeps HF names for the tensors it uses as they are (embeddings, LayerNorms, biases) but stores
 * every {@code nn.Linear} weight transposed, {@code [in, out]}, for its {@code MatMul}, under a generated name
 * ({@code onnx::MatMul_787}). Its role is recovered from the graph: the MatMul's output feeds an {@code Add} whose
 * other input is the Linear's bias, {@code encoder.layer.0.attention.self.query.bias}, so the weight is
 * {@code encoder.layer.0.attention.self.query.weight}; it is transposed back to HF's {@code [out, in]} into a new
 * heap tensor of the same dtype. Initializers that are not float weights (int64 {@code position_ids}) are left out.
 */
public final class OnnxBertWeights implements WeightSource {

    private final String source;
    private final Map<String, Tensor> tensors;

    private OnnxBertWeights(String source, Map<String, Tensor> tensors) {
        this.source = source;
        this.tensors = tensors;
    }

    /** Maps {@code onnx}'s initializers to HF names; with {@link LoadOptions#quantizeQ8_0()} eligible ones become Q8_0. */
    public static OnnxBertWeights from(OnnxModel onnx, LoadOptions options) {
        Map<String, Tensor> byHfName = new LinkedHashMap<>();
        for (String name : onnx.initializerNames()) {
            if (!name.startsWith("onnx::") && isFloat(onnx.initializer(name).dataType())) {
                byHfName.put(name, onnx.tensor(name));
            }
        }
        for (OnnxModel.Node node : onnx.nodes()) {
            if (!node.opType().equals("MatMul") || node.inputs().size() != 2 || !onnx.hasInitializer(node.inputs().get(1))) {
                continue;
            }
            String weightName = node.inputs().get(1);
            String bias = biasAddedTo(onnx, node);
            if (bias == null || !bias.endsWith(".bias")) {
                throw new IllegalArgumentException(onnx.source() + ": MatMul '" + node.name() + "' with weight '" + weightName
                        + "' is not followed by an Add of a named bias, so its HF name cannot be recovered");
            }
            String hfName = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
            if (byHfName.containsKey(hfName)) {
                throw new IllegalArgumentException(onnx.source() + ": two weights map to '" + hfName + "'");
            }
            byHfName.put(hfName, transpose(onnx.tensor(weightName), hfName));
        }
        if (options.quantizeQ8_0()) {
            Arena arena = Arena.ofAuto();
            for (Map.Entry<String, Tensor> e : byHfName.entrySet()) {
                Tensor t = e.getValue();
                if (t.rank() == 2 && Q8_0.canQuantize(t) && options.quantizeWhen().test(e.getKey())) {
                    e.setValue(Q8_0.quantize(t, arena));
                }
            }
        }
        return new OnnxBertWeights(onnx.source(), Collections.unmodifiableMap(byHfName));
    }

    private static boolean isFloat(int dataType) {
        return dataType == OnnxModel.FLOAT || dataType == OnnxModel.FLOAT16 || dataType == OnnxModel.BFLOAT16;
    }

    /** The initializer added to {@code matMul}'s output by the Add that consumes it, or null. */
    private static String biasAddedTo(OnnxModel onnx, OnnxModel.Node matMul) {
        List<OnnxModel.Node> consumers = onnx.consumers(matMul.outputs().getFirst());
        if (consumers.size() != 1 || !consumers.getFirst().opType().equals("Add")) {
            return null;
        }
        for (String input : consumers.getFirst().inputs()) {
            if (!input.equals(matMul.outputs().getFirst()) && onnx.hasInitializer(input)) {
                return input;
            }
        }
        return null;
    }

    /** {@code [in, out]} → {@code [out, in]}, same dtype (a 16-bit value round-trips through float exactly). */
    private static Tensor transpose(Tensor stored, String hfName) {
        if (stored.rank() != 2) {
            throw new IllegalArgumentException("MatMul weight " + stored.name() + " for " + hfName + " is not a matrix: "
                    + Arrays.toString(stored.shape()));
        }
        int in = stored.dim(0);
        int out = stored.dim(1);
        float[] values = stored.toFloatArray();
        float[] transposed = new float[values.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                transposed[o * in + i] = values[i * out + o];
            }
        }
        return switch (stored.dtype()) {
            case F16 -> Tensor.f16(hfName, transposed, out, in);
            case BF16 -> Tensor.bf16(hfName, transposed, out, in);
            default -> Tensor.f32(hfName, transposed, out, in);
        };
    }

    public String source() {
        return source;
    }

    @Override
    public SequencedSet<String> names() {
        return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(tensors.keySet()));
    }

    @Override
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(Path.of(source), name, "missing from the ONNX model's weights ("
                    + tensors.size() + " tensors under HF names)");
        }
        return t;
    }

    @Override
    public Tensor tensor(String name, int... expectedShape) {
        Tensor t = tensor(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new CheckpointException(Path.of(source), name, "expected shape " + Arrays.toString(expectedShape)
                    + " but the ONNX model has " + Arrays.toString(t.shape()));
        }
        return t;
    }
}
