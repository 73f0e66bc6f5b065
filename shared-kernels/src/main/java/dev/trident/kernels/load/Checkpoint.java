package dev.trident.kernels.load;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * The weights of one HF model folder: {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}. Tensors are memory-mapped slices (or, with {@link LoadOptions#q8_0()},
 * Q8_0 copies made once at open). Architectures ask for tensors by name and expected shape so that a checkpoint that
 * does not match its config fails at load, naming the tensor, instead of computing nonsense later.
 */
public final class Checkpoint implements WeightSource, AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafeTensors> files;
    private final Map<String, SafeTensors> owner;
    /** Names quantized at load (by {@link LoadOptions}), in index order, released or not. */
    private final Set<String> quantized;
    /** Their Q8_0 copies not released, each in its own arena so that {@link #release} frees it alone. */
    private final Map<String, QuantizedCopy> copies;

    private Checkpoint(Path dir, List<SafeTensors> files, Map<String, SafeTensors> owner) {
        this.dir = dir;
        this.files = files;
        this.owner = owner;
        this.quantized = new LinkedHashSet<>();
        this.copies = new LinkedHashMap<>();
    }

    private record QuantizedCopy(Tensor tensor, Arena arena) {
    }

    /** Opens the folder's weights as stored (mapped, no copy). {@code dir} may also be a single .safetensors file. */
    public static Checkpoint open(Path dir) {
        return open(dir, LoadOptions.mapped());
    }

    public static Checkpoint open(Path dir, LoadOptions options) {
        List<SafeTensors> opened = new ArrayList<>();
        try {
            Checkpoint checkpoint = Files.isRegularFile(dir) ? single(dir, dir, opened) : openFolder(dir, opened);
            if (options.quantizeQ8_0()) {
                checkpoint.quantize(options);
            }
            return checkpoint;
        } catch (RuntimeException e) {
            opened.forEach(SafeTensors::close);
            throw e;
        }
    }

    private static Checkpoint openFolder(Path dir, List<SafeTensors> opened) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir, null, "model folder not found");
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return sharded(dir, index, opened);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single(dir, single, opened);
        }
        throw new CheckpointException(dir, null, "no " + SINGLE_FILE + " or " + INDEX_FILE
                + " in the model folder (only safetensors checkpoints are read; convert .bin/.pt ones first)");
    }

    private static Checkpoint single(Path dir, Path file, List<SafeTensors> opened) {
        SafeTensors st = SafeTensors.open(file);
        opened.add(st);
        Map<String, SafeTensors> owner = new LinkedHashMap<>();
        for (String name : st.names()) {
            owner.put(name, st);
        }
        return new Checkpoint(dir, List.copyOf(opened), owner);
    }

    private static Checkpoint sharded(Path dir, Path index, List<SafeTensors> opened) {
        JsonNode root;
        try {
            root = SafeTensors.JSON.readTree(Files.readString(index));
        } catch (JacksonException e) {
            throw new CheckpointException(index, null, "shard index is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(index, null, "cannot read shard index: " + e, e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new CheckpointException(index, null, "shard index has no \"weight_map\" object of tensor → shard file");
        }
        Path base = dir.toAbsolutePath().normalize();
        Map<String, SafeTensors> shards = new TreeMap<>();
        Map<String, SafeTensors> owner = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String tensor = e.getKey();
            if (!e.getValue().isString()) {
                throw new CheckpointException(index, tensor, "weight_map value must be a shard file name, got " + e.getValue());
            }
            String shardName = e.getValue().stringValue();
            SafeTensors shard = shards.get(shardName);
            if (shard == null) {
                Path shardPath = base.resolve(shardName).normalize();
                // A shard outside the model folder is a corrupt (or hostile) index, not a layout to follow.
                if (!shardPath.getParent().equals(base)) {
                    throw new CheckpointException(index, tensor, "shard '" + shardName + "' is not a file in the model folder");
                }
                if (!Files.isRegularFile(shardPath)) {
                    throw new CheckpointException(index, tensor, "shard file '" + shardName + "' is missing from " + dir);
                }
                shard = SafeTensors.open(shardPath);
                opened.add(shard);
                shards.put(shardName, shard);
            }
            if (!shard.has(tensor)) {
                throw new CheckpointException(shard.file(), tensor, "the index " + index.getFileName()
                        + " places this tensor in this shard, but the shard does not contain it");
            }
            owner.put(tensor, shard);
        }
        return new Checkpoint(dir, List.copyOf(opened), owner);
    }

    private void quantize(LoadOptions options) {
        for (Map.Entry<String, SafeTensors> e : owner.entrySet()) {
            String name = e.getKey();
            SafeTensors.Entry entry = e.getValue().entry(name);
            int[] shape = entry.shape();
            boolean eligible = shape.length == 2 && shape[1] % Q8_0.BLOCK == 0 && entry.dtype() != DType.Q8_0;
            if (eligible && options.quantizeWhen().test(name)) {
                quantized.add(name);
                try {
                    copies.put(name, quantizedCopy(name));
                } catch (RuntimeException ex) {
                    freeQuantized();
                    throw ex;
                }
            }
        }
    }

    private void freeQuantized() {
        copies.values().forEach(copy -> copy.arena().close());
        copies.clear();
    }

    private QuantizedCopy quantizedCopy(String name) {
        SafeTensors file = owner.get(name);
        Arena arena = Arena.ofShared();
        try {
            return new QuantizedCopy(Q8_0.quantize(file.tensor(name), arena), arena);
        } catch (IllegalArgumentException ex) {
            arena.close();
            throw new CheckpointException(file.file(), name, ex.getMessage(), ex);
        }
    }

    /**
     * Frees the Q8_0 copy of {@code name} if it was quantized at load (see {@link WeightSource#release}); asked for
     * again, it is quantized again from the file (the same bits). Other tensors are mapped: nothing to free.
     */
    @Override
    public synchronized void release(String name) {
        QuantizedCopy copy = copies.remove(name);
        if (copy != null) {
            copy.arena().close();
        }
    }

    /** The model folder (or the single file it was opened from). */
    public Path dir() {
        return dir;
    }

    /** Tensor names, in index (or header) order. */
    @Override
    public SequencedSet<String> names() {
        return Collections.unmodifiableSequencedSet(new java.util.LinkedHashSet<>(owner.keySet()));
    }

    @Override
    public boolean has(String name) {
        return owner.containsKey(name);
    }

    /** Names that were quantized at load. */
    public SequencedSet<String> quantizedNames() {
        return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(quantized));
    }

    /** The {@code __metadata__} of the first file (all shards written by save_pretrained carry the same). */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.getFirst().metadata();
    }

    /** The file a tensor lives in. */
    public Path fileOf(String name) {
        return require(name).file();
    }

    @Override
    public synchronized Tensor tensor(String name) {
        if (!quantized.contains(name)) {
            return require(name).tensor(name);
        }
        return copies.computeIfAbsent(name, this::quantizedCopy).tensor();
    }

    /** {@code name}, checked to have exactly {@code expectedShape}. */
    @Override
    public Tensor tensor(String name, int... expectedShape) {
        Tensor t = tensor(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new CheckpointException(fileOf(name), name, "expected shape " + Arrays.toString(expectedShape)
                    + " but the checkpoint has " + Arrays.toString(t.shape()) + " (does config.json match the weights?)");
        }
        return t;
    }

    /** {@code name}, checked to have dtype {@code required} and exactly {@code expectedShape}. */
    public Tensor tensor(String name, DType required, int... expectedShape) {
        Tensor t = tensor(name, expectedShape);
        if (t.dtype() != required) {
            throw new CheckpointException(fileOf(name), name, "expected dtype " + required + " but it is "
                    + t.dtype() + (quantized.contains(name) ? " (quantized at load by LoadOptions)" : ""));
        }
        return t;
    }

    private SafeTensors require(String name) {
        SafeTensors st = owner.get(name);
        if (st == null) {
            throw new CheckpointException(dir, name, "missing from the checkpoint (" + owner.size() + " tensors"
                    + nearMiss(name) + ")");
        }
        return st;
    }

    /** A hint for the usual naming mismatch (a "model." prefix present or absent). */
    private String nearMiss(String name) {
        for (String candidate : List.of("model." + name, name.startsWith("model.") ? name.substring(6) : "")) {
            if (!candidate.isEmpty() && owner.containsKey(candidate)) {
                return "; did you mean '" + candidate + "'?";
            }
        }
        return "";
    }

    /** Unmaps every file and frees quantized copies; tensors handed out become unusable. */
    @Override
    public void close() {
        files.forEach(SafeTensors::close);
        freeQuantized();
    }
}
