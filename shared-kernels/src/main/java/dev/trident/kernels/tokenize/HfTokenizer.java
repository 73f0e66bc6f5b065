package dev.trident.kernels.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A HuggingFace {@code tokenizer.json} run by the Rust {@code tokenizers} library through DJL's JNI binding
 * ({@code ai.djl.huggingface:tokenizers}; its native library is inside the jar and is extracted to DJL's cache dir,
 * {@code ~/.djl.ai} or {@code ENGINE_CACHE_DIR}; nothing is downloaded: DJL is put in offline mode before first use,
 * and only files, never hub names, are loaded).
 *
 * <p>The file's truncation and padding are switched off (see {@link Tokenizer}). The vocabulary and special tokens
 * are read from the same JSON (plus {@code tokenizer_config.json}/{@code special_tokens_map.json} next to it when
 * present), since DJL exposes no id ⇄ token lookup.
 */
public final class HfTokenizer implements Tokenizer {

    static {
        // DJL consults this before any network access (hub downloads, engine downloads); we never want either.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final String source;
    private final HuggingFaceTokenizer tokenizer;
    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    private final boolean[] special;
    private final SpecialTokens specialTokens;

    private HfTokenizer(String source, HuggingFaceTokenizer tokenizer, JsonNode json, JsonNode config) {
        this.source = source;
        this.tokenizer = tokenizer;
        Map<String, Integer> vocab = new HashMap<>();
        int size = 0;
        JsonNode model = json.path("model");
        JsonNode v = model.path("vocab");
        if (v.isArray()) { // Unigram: [[piece, score], ...], id = position
            for (int i = 0; i < v.size(); i++) {
                vocab.putIfAbsent(v.get(i).get(0).stringValue(), i);
            }
            size = v.size();
        } else if (v.isObject()) { // BPE, WordPiece, WordLevel: {piece: id}
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                vocab.put(e.getKey(), e.getValue().intValue());
                size = Math.max(size, e.getValue().intValue() + 1);
            }
        } else {
            throw new IllegalArgumentException(source + ": tokenizer.json has no model.vocab");
        }
        Map<Integer, Boolean> addedSpecial = new HashMap<>();
        for (JsonNode added : json.path("added_tokens")) {
            int id = added.path("id").intValue();
            vocab.put(added.path("content").stringValue(), id);
            addedSpecial.put(id, added.path("special").booleanValue(false));
            size = Math.max(size, id + 1);
        }
        this.idToToken = new String[size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            // The added-token spelling wins where both exist (it is what decode prints).
            if (idToToken[e.getValue()] == null || addedSpecial.containsKey(e.getValue())) {
                idToToken[e.getValue()] = e.getKey();
            }
        }
        this.tokenToId = Map.copyOf(vocab);
        this.special = new boolean[size];
        addedSpecial.forEach((id, isSpecial) -> special[id] = isSpecial);
        this.specialTokens = findSpecialTokens(model, config);
    }

    /** Loads {@code tokenizer.json} from a model folder, or the file itself. */
    public static HfTokenizer open(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("tokenizer.json") : dirOrFile;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file, e);
        }
        JsonNode config = readOptional(file.resolveSibling("tokenizer_config.json"));
        JsonNode map = readOptional(file.resolveSibling("special_tokens_map.json"));
        return fromBytes(bytes, file.toString(), merge(config, map));
    }

    /** Loads a {@code tokenizer.json} stream (e.g. a jar entry); {@code source} names it in errors. */
    public static HfTokenizer open(InputStream tokenizerJson, String source) {
        try {
            return fromBytes(tokenizerJson.readAllBytes(), source, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + source, e);
        }
    }

    private static HfTokenizer fromBytes(byte[] bytes, String source, JsonNode config) {
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": tokenizer.json is not valid JSON: " + e.getOriginalMessage(), e);
        }
        try {
            // Options map rather than the builder: the builder's optPadding(false) is what "padding=false" means
            // here too, and both switch off whatever the file configures.
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                    Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true"));
            return new HfTokenizer(source, tokenizer, json, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + source, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": the tokenizers library rejects this tokenizer.json: " + e.getMessage(), e);
        }
    }

    private static JsonNode readOptional(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON", e);
        }
    }

    private static JsonNode merge(JsonNode config, JsonNode map) {
        if (config == null) {
            return map;
        }
        if (map == null) {
            return config;
        }
        var merged = JSON.createObjectNode();
        config.properties().forEach(e -> merged.set(e.getKey(), e.getValue()));
        map.properties().forEach(e -> merged.set(e.getKey(), e.getValue()));
        return merged;
    }

    private SpecialTokens findSpecialTokens(JsonNode model, JsonNode config) {
        Integer unk = null;
        if (model.has("unk_id") && model.get("unk_id").isIntegralNumber()) {
            unk = model.get("unk_id").intValue();
        } else if (model.has("unk_token") && model.get("unk_token").isString()) {
            unk = tokenToId.get(model.get("unk_token").stringValue());
        }
        Integer configUnk = configured(config, "unk_token");
        return new SpecialTokens(
                firstKnown(configured(config, "bos_token"), "<s>"),
                firstKnown(configured(config, "eos_token"), "</s>"),
                firstKnown(configured(config, "pad_token"), "<pad>", "[PAD]"),
                configUnk != null ? configUnk : unk != null ? unk : firstKnown(null, "<unk>", "[UNK]"),
                firstKnown(configured(config, "mask_token"), "<mask>", "[MASK]"),
                firstKnown(configured(config, "cls_token"), "[CLS]"),
                firstKnown(configured(config, "sep_token"), "[SEP]"));
    }

    /** The id of a token named in tokenizer_config.json / special_tokens_map.json ({@code "x"} or {@code {"content": "x"}}). */
    private Integer configured(JsonNode config, String key) {
        if (config == null || !config.has(key)) {
            return null;
        }
        JsonNode n = config.get(key);
        String content = n.isString() ? n.stringValue() : n.isObject() ? n.path("content").stringValue(null) : null;
        return content == null ? null : tokenToId.get(content);
    }

    /** The configured id, else the first conventional spelling that is a special added token. */
    private Integer firstKnown(Integer configured, String... spellings) {
        if (configured != null) {
            return configured;
        }
        for (String s : spellings) {
            Integer id = tokenToId.get(s);
            if (id != null && special[id]) {
                return id;
            }
        }
        return null;
    }

    @Override
    public Encoding encode(String text, boolean addSpecialTokens) {
        ai.djl.huggingface.tokenizers.Encoding e = tokenizer.encode(text, addSpecialTokens, false);
        long[] ids = e.getIds();
        long[] specialMask = e.getSpecialTokenMask();
        CharSpan[] spans = e.getCharTokenSpans();
        int n = ids.length;
        int[] outIds = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        boolean[] isSpecial = new boolean[n];
        // The Rust library counts offsets in Unicode code points; Java strings index UTF-16 units.
        int[] cpToChar = codePointToCharIndex(text);
        for (int i = 0; i < n; i++) {
            outIds[i] = Math.toIntExact(ids[i]);
            isSpecial[i] = specialMask[i] != 0;
            CharSpan span = spans[i];
            if (span == null || (isSpecial[i] && span.getStart() == span.getEnd())) {
                starts[i] = -1;
                ends[i] = -1;
            } else {
                starts[i] = cpToChar[Math.min(span.getStart(), cpToChar.length - 1)];
                ends[i] = cpToChar[Math.min(span.getEnd(), cpToChar.length - 1)];
            }
        }
        return new Encoding(outIds, starts, ends, isSpecial);
    }

    private static int[] codePointToCharIndex(String text) {
        int[] map = new int[text.codePointCount(0, text.length()) + 1];
        int c = 0;
        for (int cp = 0; cp < map.length - 1; cp++) {
            map[cp] = c;
            c += Character.charCount(text.codePointAt(c));
        }
        map[map.length - 1] = text.length();
        return map;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        for (int id : ids) {
            checkId(id);
        }
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String idToToken(int id) {
        checkId(id);
        return idToToken[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= idToToken.length) {
            throw new IllegalArgumentException(source + ": token id " + id + " is outside the vocabulary [0, "
                    + idToToken.length + ")");
        }
    }

    @Override
    public int vocabSize() {
        return idToToken.length;
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** The truncation and padding strategies in force (both "DO_NOT_TRUNCATE"/"DO_NOT_PAD"-like, for tests). */
    String truncationAndPadding() {
        return tokenizer.getTruncation() + "/" + tokenizer.getPadding();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
