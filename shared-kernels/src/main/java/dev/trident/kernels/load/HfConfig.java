package dev.trident.kernels.load;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A HF {@code config.json} as a Jackson tree, with typed getters for binding into an architecture's config record.
 *
 * <p>Each getter takes the default the record writes out (HF's own default for that key), because a config.json
 * only lists what differs from the class defaults of the transformers version that wrote it. An explicit
 * {@code null} counts as absent (HF writes {@code "rope_scaling": null}). A key of the wrong type (a string where an
 * int belongs, a fraction for a layer count) is a {@link CheckpointException} naming the file and the key.
 */
public final class HfConfig {

    public static final String FILE = "config.json";

    private final Path file;
    private final JsonNode root;

    private HfConfig(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** Reads {@code config.json} from a model folder, or the file itself when given one. */
    public static HfConfig read(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE) : dirOrFile;
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read config: " + e, e);
        }
        return parse(text, file);
    }

    /** Parses config text; {@code source} names it in errors. */
    public static HfConfig parse(String json, Path source) {
        JsonNode root;
        try {
            root = SafeTensors.JSON.readTree(json);
        } catch (JacksonException e) {
            throw new CheckpointException(source, null, "config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(source, null, "config is not a JSON object");
        }
        return new HfConfig(source, root);
    }

    public Path file() {
        return file;
    }

    public JsonNode root() {
        return root;
    }

    /** Whether {@code key} is present and not null. */
    public boolean has(String key) {
        JsonNode n = root.get(key);
        return n != null && !n.isNull();
    }

    /** The raw node, or null when absent or null. */
    public JsonNode node(String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n;
    }

    /** {@code model_type}, required: it says which architecture record to bind. */
    public String modelType() {
        return requireString("model_type");
    }

    public List<String> architectures() {
        JsonNode n = node("architectures");
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw wrongType("architectures", "a list of strings", n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode a : n) {
            if (!a.isString()) {
                throw wrongType("architectures", "a list of strings", n);
            }
            out.add(a.stringValue());
        }
        return List.copyOf(out);
    }

    public int getInt(String key, int defaultValue) {
        Integer v = getIntOrNull(key);
        return v == null ? defaultValue : v;
    }

    /** An int key whose HF default is None. */
    public Integer getIntOrNull(String key) {
        return intValue(key, node(key));
    }

    public int requireInt(String key) {
        Integer v = getIntOrNull(key);
        if (v == null) {
            throw missing(key);
        }
        return v;
    }

    public long getLong(String key, long defaultValue) {
        JsonNode n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw wrongType(key, "an integer", n);
        }
        return n.longValue();
    }

    /** A float key; integers are accepted (JSON writers drop ".0", e.g. {@code "rope_theta": 500000}). */
    public double getDouble(String key, double defaultValue) {
        Double v = getDoubleOrNull(key);
        return v == null ? defaultValue : v;
    }

    public Double getDoubleOrNull(String key) {
        JsonNode n = node(key);
        if (n == null) {
            return null;
        }
        if (!n.isNumber()) {
            throw wrongType(key, "a number", n);
        }
        return n.doubleValue();
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        JsonNode n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (!n.isBoolean()) {
            throw wrongType(key, "true or false", n);
        }
        return n.booleanValue();
    }

    public String getString(String key, String defaultValue) {
        JsonNode n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (!n.isString()) {
            throw wrongType(key, "a string", n);
        }
        return n.stringValue();
    }

    public String requireString(String key) {
        String v = getString(key, null);
        if (v == null) {
            throw missing(key);
        }
        return v;
    }

    /**
     * An int or a list of ints (HF allows both for {@code eos_token_id}); the default when absent. Always a list.
     */
    public List<Integer> getIntList(String key, List<Integer> defaultValue) {
        JsonNode n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (n.isArray()) {
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : n) {
                out.add(intValue(key, e));
            }
            return List.copyOf(out);
        }
        return List.of(intValue(key, n));
    }

    /** A nested object (e.g. {@code rope_scaling}) as its own HfConfig over the same file, or null when absent. */
    public HfConfig getObject(String key) {
        JsonNode n = node(key);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw wrongType(key, "an object", n);
        }
        return new HfConfig(file, n);
    }

    /** The keys present (not null), e.g. to warn about ones a record does not bind. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!e.getValue().isNull()) {
                keys.add(e.getKey());
            }
        }
        return keys;
    }

    private Integer intValue(String key, JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrongType(key, "an integer", n);
        }
        return n.intValue();
    }

    /** For record constructors that validate relations between keys. */
    public CheckpointException invalid(String key, String message) {
        return new CheckpointException(file, key, message);
    }

    private CheckpointException wrongType(String key, String expected, JsonNode found) {
        return new CheckpointException(file, key, "config key must be " + expected + ", got " + found);
    }

    private CheckpointException missing(String key) {
        return new CheckpointException(file, key, "required config key is missing");
    }
}
