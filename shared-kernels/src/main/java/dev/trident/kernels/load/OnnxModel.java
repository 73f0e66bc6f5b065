package dev.trident.kernels.load;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * The parts of an ONNX {@code ModelProto} (onnx.proto) that reading an exported model's weights needs: the graph's
 * nodes (op type, inputs, outputs), its inputs and outputs, and its initializers as {@link Tensor}s. Nothing here
 * executes the graph; the nodes are there so a caller can find what each initializer is for (an exporter renames
 * the weights it transposes, e.g. {@code onnx::MatMul_1234}).
 *
 * <p>Initializers of type FLOAT, FLOAT16 and BFLOAT16 are copied once into native memory at parse (from
 * {@code raw_data}, {@code float_data} or, for the 16-bit types, {@code int32_data}); initializers of other types
 * (int64 shape constants and the like) are listed, and asking for their tensor is an error naming the type.
 * Weights in external files ({@code data_location = EXTERNAL}) are refused: Trident reads single-file models.
 */
public final class OnnxModel {

    /** {@code TensorProto.DataType} values. */
    public static final int FLOAT = 1;
    public static final int FLOAT16 = 10;
    public static final int BFLOAT16 = 16;

    private static final String FORMAT = "ONNX model";
    private static final String[] TYPE_NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
            "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
            "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4"};

    /** One graph node: {@code inputs}/{@code outputs} are value names ("" for an omitted optional input). */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs) {
    }

    /** A graph input or output: its name, element type and dimensions (a number, or the symbolic name as text). */
    public record ValueInfo(String name, int elemType, List<String> dims) {
    }

    /** An initializer's description; {@link #tensor(String)} has its values. */
    public record Initializer(String name, int dataType, int[] dims) {
        public String typeName() {
            return OnnxModel.typeName(dataType);
        }
    }

    private final String source;
    private final long irVersion;
    private final String producerName;
    private final Map<String, Long> opsets;
    private final List<Node> nodes;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final Map<String, Initializer> initializers;
    private final Map<String, Tensor> tensors;
    private final Map<String, List<Node>> consumers = new LinkedHashMap<>();

    private OnnxModel(String source, long irVersion, String producerName, Map<String, Long> opsets, List<Node> nodes,
                      List<ValueInfo> inputs, List<ValueInfo> outputs, Map<String, Initializer> initializers,
                      Map<String, Tensor> tensors) {
        this.source = source;
        this.irVersion = irVersion;
        this.producerName = producerName;
        this.opsets = opsets;
        this.nodes = nodes;
        this.inputs = inputs;
        this.outputs = outputs;
        this.initializers = initializers;
        this.tensors = tensors;
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                List<Node> list = consumers.computeIfAbsent(in, k -> new ArrayList<>());
                if (list.isEmpty() || list.getLast() != n) {
                    list.add(n);
                }
            }
        }
    }

    public static OnnxModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read ONNX model: " + e, e);
        }
        return parse(bytes, file.toString());
    }

    /** Reads the whole stream (e.g. a classpath resource); {@code source} names it in errors. */
    public static OnnxModel read(InputStream in, String source) {
        try (in) {
            return parse(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": cannot read ONNX model: " + e, e);
        }
    }

    /** Parses a serialized {@code ModelProto}; {@code source} names it in errors. */
    public static OnnxModel parse(byte[] bytes, String source) {
        ProtobufReader r = new ProtobufReader(bytes, source, FORMAT);
        long irVersion = 0;
        String producer = "";
        Map<String, Long> opsets = new LinkedHashMap<>();
        ProtobufReader graph = null;
        while (r.more()) {
            int tag = r.tag();
            switch (ProtobufReader.field(tag)) {
                case 1 -> irVersion = expect(r, tag, ProtobufReader.VARINT).varint();
                case 2 -> producer = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string();
                case 7 -> graph = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).sub();
                case 8 -> {
                    ProtobufReader opset = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).sub();
                    String domain = "";
                    long version = 0;
                    while (opset.more()) {
                        int t = opset.tag();
                        switch (ProtobufReader.field(t)) {
                            case 1 -> domain = expect(opset, t, ProtobufReader.LENGTH_DELIMITED).string();
                            case 2 -> version = expect(opset, t, ProtobufReader.VARINT).varint();
                            default -> opset.skip(t);
                        }
                    }
                    opsets.put(domain, version);
                }
                default -> r.skip(tag);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException(source + ": not an ONNX model (no graph)");
        }
        if (opsets.isEmpty()) {
            // Required since IR version 3; a file that ends right after its graph has most likely been cut short.
            throw new IllegalArgumentException(source + ": not a complete ONNX model (no opset_import after the graph)");
        }
        List<Node> nodes = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        Map<String, Initializer> initializers = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        // Weights outlive the byte array they were parsed from; the GC frees them with the last tensor.
        Arena arena = Arena.ofAuto();
        while (graph.more()) {
            int tag = graph.tag();
            switch (ProtobufReader.field(tag)) {
                case 1 -> nodes.add(node(expect(graph, tag, ProtobufReader.LENGTH_DELIMITED).sub()));
                case 5 -> initializer(expect(graph, tag, ProtobufReader.LENGTH_DELIMITED).sub(), arena, initializers, tensors);
                case 11 -> inputs.add(valueInfo(expect(graph, tag, ProtobufReader.LENGTH_DELIMITED).sub()));
                case 12 -> outputs.add(valueInfo(expect(graph, tag, ProtobufReader.LENGTH_DELIMITED).sub()));
                case 15 -> throw graph.corrupt("sparse initializers are not supported");
                default -> graph.skip(tag);
            }
        }
        return new OnnxModel(source, irVersion, producer, Collections.unmodifiableMap(opsets), List.copyOf(nodes),
                List.copyOf(inputs), List.copyOf(outputs), Collections.unmodifiableMap(initializers),
                Collections.unmodifiableMap(tensors));
    }

    private static ProtobufReader expect(ProtobufReader r, int tag, int wireType) {
        if (ProtobufReader.wireType(tag) != wireType) {
            throw r.corrupt("field " + ProtobufReader.field(tag) + " has wire type " + ProtobufReader.wireType(tag)
                    + ", expected " + wireType);
        }
        return r;
    }

    private static Node node(ProtobufReader r) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String opType = "";
        String domain = "";
        while (r.more()) {
            int tag = r.tag();
            switch (ProtobufReader.field(tag)) {
                case 1 -> in.add(expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string());
                case 2 -> out.add(expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string());
                case 3 -> name = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string();
                case 4 -> opType = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string();
                case 7 -> domain = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string();
                default -> r.skip(tag);
            }
        }
        return new Node(name, opType, domain, List.copyOf(in), List.copyOf(out));
    }

    private static ValueInfo valueInfo(ProtobufReader r) {
        String name = "";
        int elemType = 0;
        List<String> dims = new ArrayList<>();
        while (r.more()) {
            int tag = r.tag();
            if (ProtobufReader.field(tag) == 1) {
                name = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string();
            } else if (ProtobufReader.field(tag) == 2) {
                // TypeProto.tensor_type (1) → TypeProto.Tensor {elem_type (1), shape (2) → dim (1) {dim_value 1 | dim_param 2}}
                ProtobufReader type = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).sub();
                while (type.more()) {
                    int t = type.tag();
                    if (ProtobufReader.field(t) != 1) {
                        type.skip(t);
                        continue;
                    }
                    ProtobufReader tensor = expect(type, t, ProtobufReader.LENGTH_DELIMITED).sub();
                    while (tensor.more()) {
                        int tt = tensor.tag();
                        switch (ProtobufReader.field(tt)) {
                            case 1 -> elemType = expect(tensor, tt, ProtobufReader.VARINT).varint32();
                            case 2 -> {
                                ProtobufReader shape = expect(tensor, tt, ProtobufReader.LENGTH_DELIMITED).sub();
                                while (shape.more()) {
                                    int st = shape.tag();
                                    if (ProtobufReader.field(st) != 1) {
                                        shape.skip(st);
                                        continue;
                                    }
                                    ProtobufReader dim = expect(shape, st, ProtobufReader.LENGTH_DELIMITED).sub();
                                    String value = "?";
                                    while (dim.more()) {
                                        int dt = dim.tag();
                                        switch (ProtobufReader.field(dt)) {
                                            case 1 -> value = Long.toString(expect(dim, dt, ProtobufReader.VARINT).varint());
                                            case 2 -> value = expect(dim, dt, ProtobufReader.LENGTH_DELIMITED).string();
                                            default -> dim.skip(dt);
                                        }
                                    }
                                    dims.add(value);
                                }
                            }
                            default -> tensor.skip(tt);
                        }
                    }
                }
            } else {
                r.skip(tag);
            }
        }
        return new ValueInfo(name, elemType, List.copyOf(dims));
    }

    /** A {@code TensorProto}: description always; values copied into {@code arena} for the float types. */
    private static void initializer(ProtobufReader r, Arena arena, Map<String, Initializer> initializers,
                                    Map<String, Tensor> tensors) {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = null;
        int rawStart = -1;
        int rawLength = 0;
        List<Float> floatData = new ArrayList<>();
        List<Integer> int32Data = new ArrayList<>();
        boolean external = false;
        while (r.more()) {
            int tag = r.tag();
            int wire = ProtobufReader.wireType(tag);
            switch (ProtobufReader.field(tag)) {
                case 1 -> {
                    if (wire == ProtobufReader.LENGTH_DELIMITED) { // packed
                        ProtobufReader packed = r.sub();
                        while (packed.more()) {
                            dims.add(packed.varint());
                        }
                    } else {
                        dims.add(expect(r, tag, ProtobufReader.VARINT).varint());
                    }
                }
                case 2 -> dataType = expect(r, tag, ProtobufReader.VARINT).varint32();
                case 4 -> {
                    if (wire == ProtobufReader.LENGTH_DELIMITED) {
                        ProtobufReader packed = r.sub();
                        while (packed.more()) {
                            floatData.add(Float.intBitsToFloat(packed.fixed32()));
                        }
                    } else {
                        floatData.add(Float.intBitsToFloat(expect(r, tag, ProtobufReader.FIXED32).fixed32()));
                    }
                }
                case 5 -> {
                    if (wire == ProtobufReader.LENGTH_DELIMITED) {
                        ProtobufReader packed = r.sub();
                        while (packed.more()) {
                            int32Data.add(packed.varint32());
                        }
                    } else {
                        int32Data.add(expect(r, tag, ProtobufReader.VARINT).varint32());
                    }
                }
                case 8 -> name = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).string();
                case 9 -> {
                    rawStart = expect(r, tag, ProtobufReader.LENGTH_DELIMITED).skipBytes();
                    rawLength = r.position() - rawStart;
                }
                case 13 -> {
                    external = true;
                    r.skip(tag);
                }
                case 14 -> external |= expect(r, tag, ProtobufReader.VARINT).varint() == 1;
                default -> r.skip(tag);
            }
        }
        if (name == null || name.isEmpty()) {
            throw r.corrupt("initializer without a name");
        }
        if (external) {
            throw new IllegalArgumentException(r.source() + ": initializer '" + name + "' keeps its data in an external "
                    + "file; Trident reads single-file ONNX models only (re-export without external data)");
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = dims.get(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw r.corrupt("initializer '" + name + "' has dimension " + d);
            }
            shape[i] = (int) d;
        }
        if (initializers.put(name, new Initializer(name, dataType, shape)) != null) {
            throw r.corrupt("initializer '" + name + "' appears twice");
        }
        DType dtype = switch (dataType) {
            case FLOAT -> DType.F32;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            default -> null;
        };
        if (dtype == null) {
            return;
        }
        long count = Tensor.elementCount(shape);
        long byteSize = dtype.byteSize(count);
        MemorySegment data = arena.allocate(Math.max(byteSize, 1), 64).asSlice(0, byteSize);
        if (rawStart >= 0) {
            if (rawLength != byteSize) {
                throw r.corrupt("initializer '" + name + "' " + typeName(dataType) + Arrays.toString(shape) + " needs "
                        + byteSize + " bytes of raw_data, found " + rawLength);
            }
            MemorySegment.copy(MemorySegment.ofArray(r.array()), rawStart, data, 0, byteSize);
        } else if (dataType == FLOAT) {
            if (floatData.size() != count) {
                throw r.corrupt("initializer '" + name + "' " + Arrays.toString(shape) + " needs " + count
                        + " float_data values, found " + floatData.size());
            }
            for (int i = 0; i < count; i++) {
                data.setAtIndex(Tensor.F32_LE, i, floatData.get(i));
            }
        } else {
            // float16 and bfloat16 without raw_data: one int32_data entry holds each value's 16 bits.
            if (int32Data.size() != count) {
                throw r.corrupt("initializer '" + name + "' " + Arrays.toString(shape) + " needs " + count
                        + " int32_data values, found " + int32Data.size());
            }
            for (int i = 0; i < count; i++) {
                data.setAtIndex(Tensor.I16_LE, i, (short) (int) int32Data.get(i));
            }
        }
        tensors.put(name, new Tensor(name, dtype, shape, data));
    }

    static String typeName(int dataType) {
        return dataType >= 0 && dataType < TYPE_NAMES.length ? TYPE_NAMES[dataType] : "type " + dataType;
    }

    public String source() {
        return source;
    }

    public long irVersion() {
        return irVersion;
    }

    public String producerName() {
        return producerName;
    }

    /** Operator set versions by domain ("" is the default ONNX domain). */
    public Map<String, Long> opsets() {
        return opsets;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    /** Initializer names, in file order. */
    public SequencedSet<String> initializerNames() {
        return Collections.unmodifiableSequencedSet(new java.util.LinkedHashSet<>(initializers.keySet()));
    }

    public boolean hasInitializer(String name) {
        return initializers.containsKey(name);
    }

    public Initializer initializer(String name) {
        Initializer init = initializers.get(name);
        if (init == null) {
            throw new IllegalArgumentException(source + ": no initializer '" + name + "' (" + initializers.size()
                    + " initializers)");
        }
        return init;
    }

    /** The initializer's values; only FLOAT, FLOAT16 and BFLOAT16 initializers have a tensor. */
    public Tensor tensor(String name) {
        Initializer init = initializer(name);
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(source + ": initializer '" + name + "' has data type "
                    + init.typeName() + "; only FLOAT, FLOAT16 and BFLOAT16 initializers are read as weights");
        }
        return t;
    }

    /** The nodes that take {@code value} as an input, in graph order. */
    public List<Node> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    @Override
    public String toString() {
        return "OnnxModel[" + source + ", ir " + irVersion + ", opsets " + opsets + ", " + nodes.size() + " nodes, "
                + initializers.size() + " initializers]";
    }
}
