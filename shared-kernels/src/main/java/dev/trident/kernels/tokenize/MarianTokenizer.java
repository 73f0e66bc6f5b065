package dev.trident.kernels.tokenize;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Marian checkpoint's own tokenizer when it ships no {@code tokenizer.json}: {@code source.spm} / {@code target.spm}
 * (SentencePiece models) and {@code vocab.json} (piece → model id), with HF {@code MarianTokenizer}'s semantics
 * (transformers 4.39):
 * <ul>
 *   <li>encode: the text is split on the special tokens ({@code </s>}, {@code <unk>}, {@code <pad>}, which map to
 *       their ids); a leading language code {@code >>xx<<} is kept as one token and every such code removed from the
 *       text; the rest is segmented by {@code source.spm} into pieces, each mapped through {@code vocab.json} (a piece
 *       it lacks becomes {@code <unk>}); {@code </s>} is appended;</li>
 *   <li>decode: ids → pieces through {@code vocab.json}; special tokens are dropped with {@code skipSpecialTokens}
 *       (else written out, followed by a space); runs of other pieces are decoded by {@code target.spm}; then
 *       {@code ▁} → space, trimmed, and HF's {@code clean_up_tokenization} unless tokenizer_config.json turns
 *       {@code clean_up_tokenization_spaces} off.</li>
 * </ul>
 * An id that vocab.json lacks decodes as {@code <unk>}, as in HF. Not covered: {@code separate_vocabs} checkpoints (a
 * {@code target_vocab.json}).
 */
public final class MarianTokenizer implements Tokenizer {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Pattern LANGUAGE_CODE = Pattern.compile(">>.+<<");
    private static final String SPACE = "\u2581";

    private final SentencePieceTokenizer source;
    private final SentencePieceTokenizer target;
    private final Map<String, Integer> vocab;
    private final String[] pieces;
    private final List<String> specialTokens;
    private final int eos;
    private final int unk;
    private final Integer pad;
    private final boolean cleanUpSpaces;

    private MarianTokenizer(SentencePieceTokenizer source, SentencePieceTokenizer target, Map<String, Integer> vocab,
                            String eosToken, String unkToken, String padToken, boolean cleanUpSpaces) {
        this.source = source;
        this.target = target;
        this.vocab = vocab;
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.pieces = new String[size];
        vocab.forEach((piece, id) -> {
            if (id < 0) {
                throw new IllegalArgumentException("vocab.json maps '" + piece + "' to a negative id " + id);
            }
            pieces[id] = piece;
        });
        Integer eosId = vocab.get(eosToken);
        Integer unkId = vocab.get(unkToken);
        if (eosId == null || unkId == null) {
            throw new IllegalArgumentException("vocab.json has no " + (eosId == null ? eosToken : unkToken));
        }
        this.eos = eosId;
        this.unk = unkId;
        this.pad = vocab.get(padToken);
        List<String> specials = new ArrayList<>(List.of(eosToken, unkToken));
        if (pad != null) {
            specials.add(padToken);
        }
        // Longest first, so that one special token that contains another wins.
        specials.sort((a, b) -> Integer.compare(b.length(), a.length()));
        this.specialTokens = List.copyOf(specials);
        this.cleanUpSpaces = cleanUpSpaces;
    }

    /** Whether {@code dir} holds a Marian tokenizer ({@code source.spm}, {@code target.spm}, {@code vocab.json}). */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("source.spm")) && Files.isRegularFile(dir.resolve("target.spm"))
                && Files.isRegularFile(dir.resolve("vocab.json"));
    }

    /** Opens the Marian tokenizer of {@code dir}; special token spellings from tokenizer_config.json when it has them. */
    public static MarianTokenizer open(Path dir) {
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode root = read(dir.resolve("vocab.json"));
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!e.getValue().isIntegralNumber()) {
                throw new IllegalArgumentException(dir.resolve("vocab.json") + ": '" + e.getKey() + "' maps to "
                        + e.getValue() + ", not an id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        String eosToken = "</s>";
        String unkToken = "<unk>";
        String padToken = "<pad>";
        boolean cleanUp = true; // PreTrainedTokenizerBase's default in 4.39
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode c = read(config);
            eosToken = tokenString(c.get("eos_token"), eosToken);
            unkToken = tokenString(c.get("unk_token"), unkToken);
            padToken = tokenString(c.get("pad_token"), padToken);
            if (c.has("clean_up_tokenization_spaces") && c.get("clean_up_tokenization_spaces").isBoolean()) {
                cleanUp = c.get("clean_up_tokenization_spaces").asBoolean();
            }
        }
        return new MarianTokenizer(SentencePieceTokenizer.open(dir.resolve("source.spm"), false, false),
                SentencePieceTokenizer.open(dir.resolve("target.spm"), false, false), vocab, eosToken, unkToken,
                padToken, cleanUp);
    }

    private static String tokenString(JsonNode node, String fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isString()) {
            return node.asString();
        }
        JsonNode content = node.get("content"); // an AddedToken written out
        return content != null && content.isString() ? content.asString() : fallback;
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public Encoding encode(String text, boolean addSpecialTokens) {
        List<int[]> tokens = new ArrayList<>(); // {id, start, end, special}
        int at = 0;
        while (at <= text.length()) {
            int next = -1;
            String found = null;
            for (String special : specialTokens) {
                int i = text.indexOf(special, at);
                if (i >= 0 && (next < 0 || i < next)) {
                    next = i;
                    found = special;
                }
            }
            int end = next < 0 ? text.length() : next;
            encodeChunk(text.substring(at, end), at, tokens);
            if (found == null) {
                break;
            }
            tokens.add(new int[] {vocab.get(found), next, next + found.length(), 1});
            at = next + found.length();
        }
        if (addSpecialTokens) {
            tokens.add(new int[] {eos, -1, -1, 1});
        }
        int n = tokens.size();
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        boolean[] special = new boolean[n];
        for (int i = 0; i < n; i++) {
            int[] t = tokens.get(i);
            ids[i] = t[0];
            starts[i] = t[1];
            ends[i] = t[2];
            special[i] = t[3] == 1;
        }
        return new Encoding(ids, starts, ends, special);
    }

    /** One stretch without special tokens: the language code, then source.spm's pieces through vocab.json. */
    private void encodeChunk(String chunk, int offset, List<int[]> out) {
        if (chunk.isEmpty()) {
            return;
        }
        Matcher code = LANGUAGE_CODE.matcher(chunk);
        String rest = chunk;
        if (code.lookingAt()) {
            out.add(new int[] {vocab.getOrDefault(code.group(), unk), offset, offset + code.end(), 0});
            rest = LANGUAGE_CODE.matcher(chunk).replaceAll("");
            offset = -1; // the offsets of what follows no longer line up with the text
        } else if (LANGUAGE_CODE.matcher(chunk).find()) {
            rest = LANGUAGE_CODE.matcher(chunk).replaceAll("");
            offset = -1;
        }
        Encoding pieces = source.encode(rest, false);
        for (int i = 0; i < pieces.size(); i++) {
            String piece = source.idToToken(pieces.ids()[i]);
            int id = vocab.getOrDefault(piece, unk);
            int start = offset < 0 ? -1 : offset + pieces.starts()[i];
            int end = offset < 0 ? -1 : offset + pieces.ends()[i];
            out.add(new int[] {id, start, end, 0});
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder out = new StringBuilder();
        List<String> run = new ArrayList<>();
        for (int id : ids) {
            // HF: decoder.get(id, unk_token), so an id past vocab.json (a model with a larger output) is unknown.
            String piece = id >= 0 && id < pieces.length && pieces[id] != null ? pieces[id] : pieces[unk];
            boolean special = specialTokens.contains(piece);
            if (special && skipSpecialTokens) {
                continue;
            }
            if (special) {
                out.append(decodePieces(run)).append(piece).append(' ');
                run.clear();
            } else {
                run.add(piece);
            }
        }
        out.append(decodePieces(run));
        String text = out.toString().replace(SPACE, " ").strip();
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** {@code target.spm}'s {@code decode_pieces}: a piece it does not know decodes as its unknown token. */
    private String decodePieces(List<String> run) {
        if (run.isEmpty()) {
            return "";
        }
        int[] ids = new int[run.size()];
        Integer targetUnk = target.specialTokens().unk();
        for (int i = 0; i < ids.length; i++) {
            OptionalInt id = target.tokenToId(run.get(i));
            if (id.isEmpty() && targetUnk == null) {
                throw new IllegalArgumentException("target.spm has neither the piece '" + run.get(i) + "' nor an unk");
            }
            ids[i] = id.isPresent() ? id.getAsInt() : targetUnk;
        }
        return target.decode(ids, true);
    }

    /** HF's {@code clean_up_tokenization}. */
    static String cleanUpTokenization(String text) {
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve")
                .replace(" 're", "'re");
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String idToToken(int id) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in vocab.json (" + vocab.size() + " entries)");
        }
        return pieces[id];
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(null, eos, pad, unk, null, null, null);
    }

    @Override
    public boolean isSpecial(int id) {
        return id == eos || id == unk || (pad != null && id == pad);
    }
}
