package dev.trident.kernels.load;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * One {@code .safetensors} file, memory-mapped read-only; its tensors are slices of the mapping (no copy).
 *
 * <p>Layout: 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}}}), then the data section;
 * offsets are relative to the start of the data section.
 *
 * <p>Validation is as strict as the Rust {@code safetensors} crate (and a little stricter): every tensor must lie
 * inside the data section, the tensors must tile the data section exactly (sorted by offset, no overlap, no hole, no
 * trailing bytes), byte size must equal product(shape) × dtype size, and only F32/F16/BF16 are accepted. A mapping is
 * never read out of bounds because every slice is checked against these rules before it is made; a bad file is a
 * {@link CheckpointException} naming the file and the tensor, never a wrong tensor.
 *
 * <p>Tensors stay valid until {@link #close()} (when the file owns its arena); reading one afterwards throws
 * {@link IllegalStateException} rather than touching unmapped memory.
 */
public final class SafeTensors implements AutoCloseable {

    /** The Rust crate refuses headers above 100 MB; a larger length is a corrupt or hostile file. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Every dtype the safetensors format defines, so that an unsupported one is named as such, not as garbage. */
    private static final List<String> FORMAT_DTYPES = List.of(
            "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
            "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64");

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Where one tensor lives in the file: absolute byte range {@code [begin, end)} of the mapping. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public long byteSize() {
            return end - begin;
        }
    }

    private final Path file;
    private final Arena arena;
    private final boolean ownsArena;
    private final MemorySegment mapping;
    private final Map<String, String> metadata;
    private final Map<String, Entry> entries;

    private SafeTensors(Path file, Arena arena, boolean ownsArena, MemorySegment mapping,
                        Map<String, String> metadata, Map<String, Entry> entries) {
        this.file = file;
        this.arena = arena;
        this.ownsArena = ownsArena;
        this.mapping = mapping;
        this.metadata = metadata;
        this.entries = entries;
    }

    /** Maps {@code file} into a shared arena that {@link #close()} releases. */
    public static SafeTensors open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return open(file, arena, true);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Maps {@code file} into the caller's arena (e.g. {@link Arena#ofAuto()}); {@link #close()} then leaves it alone. */
    public static SafeTensors open(Path file, Arena arena) {
        return open(file, arena, false);
    }

    private static SafeTensors open(Path file, Arena arena, boolean ownsArena) {
        MemorySegment mapping;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new CheckpointException(file, null, "not a safetensors file: " + size
                        + " bytes, shorter than the 8-byte header length");
            }
            mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, null, "file not found", e);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot map file: " + e, e);
        }
        long fileSize = mapping.byteSize();
        long headerLength = mapping.get(U64_LE, 0);
        // Unsigned in the format: a "negative" long is a length beyond any file.
        if (headerLength < 0 || headerLength > fileSize - 8) {
            throw new CheckpointException(file, null, "header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + fileSize + " bytes): truncated or not a safetensors file");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointException(file, null, "header length " + headerLength + " exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit of the format");
        }
        byte[] headerBytes = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header = parseHeader(file, headerBytes);
        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;

        Map<String, String> metadata = Map.of();
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                list.add(parseEntry(file, name, field.getValue(), dataStart, dataSize));
            }
        }
        checkTiling(file, list, dataStart, fileSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Entry entry : list) {
            entries.put(entry.name(), entry);
        }
        return new SafeTensors(file, arena, ownsArena, mapping, metadata, Collections.unmodifiableMap(entries));
    }

    private static JsonNode parseHeader(Path file, byte[] headerBytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, null, "header is not valid UTF-8 (not a safetensors file?)", e);
        }
        JsonNode header;
        try {
            header = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new CheckpointException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(file, null, "header is not a JSON object");
        }
        return header;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new CheckpointException(file, "__metadata__", "must be an object of strings, got " + node.getNodeType());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                throw new CheckpointException(file, "__metadata__", "value of '" + e.getKey()
                        + "' must be a string, got " + e.getValue().getNodeType());
            }
            metadata.put(e.getKey(), e.getValue().stringValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataStart, long dataSize) {
        if (!node.isObject()) {
            throw new CheckpointException(file, name, "header entry must be an object, got " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isString()) {
            throw new CheckpointException(file, name, "missing or non-string \"dtype\"");
        }
        DType dtype = dtype(file, name, dtypeNode.stringValue());

        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new CheckpointException(file, name, "missing or non-array \"shape\"");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new CheckpointException(file, name, "shape " + shapeNode + " has an invalid dimension " + d
                        + " (dimensions are integers in [0, 2^31))");
            }
            shape[i] = d.intValue();
        }

        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new CheckpointException(file, name, "\"data_offsets\" must be [begin, end] integers, got " + offsets);
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new CheckpointException(file, name, "data_offsets " + offsets + " are out of order (need 0 <= begin <= end)");
        }
        if (end > dataSize) {
            throw new CheckpointException(file, name, "data_offsets " + offsets + " lie outside the data section ("
                    + dataSize + " bytes): truncated file or corrupt header");
        }
        long elements;
        try {
            elements = Tensor.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, name, "shape " + Arrays.toString(shape) + " overflows", e);
        }
        long expected = elements * dtype.blockBytes; // F32/F16/BF16 only: one element per block
        if (end - begin != expected) {
            throw new CheckpointException(file, name, "holds " + (end - begin) + " bytes but " + dtype
                    + Arrays.toString(shape) + " needs " + expected + " (= " + elements + " × " + dtype.blockBytes + ")");
        }
        return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    private static DType dtype(Path file, String name, String spelling) {
        return switch (spelling) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> throw new CheckpointException(file, name, "dtype " + spelling
                    + (FORMAT_DTYPES.contains(spelling) ? " is not supported" : " is not a safetensors dtype")
                    + "; Trident reads F32, F16 and BF16 (convert the checkpoint, e.g. with torch, to one of them)");
        };
    }

    /** The tensors must tile the data section: sorted by offset, each begins where the previous ended. */
    private static void checkTiling(Path file, List<Entry> list, long dataStart, long fileSize) {
        List<Entry> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long position = dataStart;
        Entry previous = null;
        for (Entry entry : sorted) {
            if (entry.begin() < position) {
                throw new CheckpointException(file, entry.name(), "bytes [" + (entry.begin() - dataStart) + ", "
                        + (entry.end() - dataStart) + ") overlap tensor '" + previous.name() + "' (ends at "
                        + (position - dataStart) + ")");
            }
            if (entry.begin() > position) {
                throw new CheckpointException(file, entry.name(), "leaves a hole of " + (entry.begin() - position)
                        + " bytes before it in the data section (begins at " + (entry.begin() - dataStart)
                        + ", previous data ends at " + (position - dataStart) + ")");
            }
            position = entry.end();
            previous = entry;
        }
        if (position != fileSize) {
            throw new CheckpointException(file, null, "data section has " + (fileSize - position)
                    + " bytes after the last tensor that no header entry describes");
        }
    }

    public Path file() {
        return file;
    }

    /** The {@code __metadata__} strings (e.g. {@code format: pt}); empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public SequencedSet<String> names() {
        return Collections.unmodifiableSequencedSet(new java.util.LinkedHashSet<>(entries.keySet()));
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** Where {@code name} lives, without making a tensor. */
    public Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new CheckpointException(file, name, "no such tensor in this file (" + entries.size() + " tensors)");
        }
        return entry;
    }

    /** {@code name} as a slice of the mapping (no copy). */
    public Tensor tensor(String name) {
        Entry entry = entry(name);
        return new Tensor(name, entry.dtype(), entry.shape, mapping.asSlice(entry.begin(), entry.byteSize()));
    }

    /** The whole mapping (header included), for tests and tools. */
    MemorySegment mapping() {
        return mapping;
    }

    Arena arena() {
        return arena;
    }

    /** Unmaps the file when this object owns its arena; tensors handed out become unusable. */
    @Override
    public void close() {
        if (ownsArena && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
