package dev.trident.kernels.tokenize;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A SentencePiece {@code .model}/{@code .spm} file (ModelProto), encoded and decoded in plain Java.
 *
 * <p>Why our own: no maintained Java SentencePiece library resolves here (DJL's {@code ai.djl.sentencepiece} is not
 * served by Maven Central any more), and the algorithms are small. This follows sentencepiece's C++ code:
 * <ul>
 *   <li>normalization: the model's {@code precompiled_charsmap} (a Darts double-array trie of longest-match
 *       replacements, as built by spm_train for nmt_nfkc and friends); without one, {@code identity} copies and a
 *       {@code *nfkc*} name falls back to {@link Normalizer} NFKC per character (an approximation); then
 *       {@code remove_extra_whitespaces} (strip, collapse runs of spaces), {@code escape_whitespaces} (space → ▁) and
 *       {@code add_dummy_prefix} (a leading ▁);</li>
 *   <li>UNIGRAM: Viterbi over the piece scores, unknown characters as {@code unk} with score min − 10, consecutive
 *       unknowns fused into one (as HF tokenizers does);</li>
 *   <li>BPE: repeatedly merge the adjacent pair whose concatenation is the highest-scoring piece (leftmost on ties);
 *       leftovers become {@code <0xNN>} byte pieces with {@code byte_fallback}, else {@code unk}.</li>
 * </ul>
 * Known difference from a tokenizer.json converted from the same model: when the model has
 * {@code remove_extra_whitespaces} (stories260K's does, by the proto default) SentencePiece collapses runs of spaces
 * and strips the ends, while HF's converted tokenizer keeps them; decode then gives the collapsed text.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final String SPACE = "\u2581";
    private static final float UNK_PENALTY = 10f;

    private final String source;
    private final SentencePieceModel model;
    private final Map<String, Integer> pieceToId = new HashMap<>();
    /** Pieces the segmenters may produce: NORMAL and USER_DEFINED. */
    private final Map<String, Integer> segmentable = new HashMap<>();
    private final int[] byteToId = new int[256];
    private final int maxPieceCodePoints;
    private final float minScore;
    private final boolean addBos;
    private final boolean addEos;
    private final SpecialTokens specialTokens;
    private final int[] trie;
    private final byte[] normalizedBlob;

    private SentencePieceTokenizer(String source, SentencePieceModel model, boolean addBos, boolean addEos) {
        this.source = source;
        this.model = model;
        Arrays.fill(byteToId, -1);
        int maxLen = 1;
        float min = Float.MAX_VALUE;
        List<SentencePieceModel.Piece> pieces = model.pieces();
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            pieceToId.putIfAbsent(p.piece(), id);
            if (p.type() == SentencePieceModel.NORMAL || p.type() == SentencePieceModel.USER_DEFINED) {
                segmentable.putIfAbsent(p.piece(), id);
                maxLen = Math.max(maxLen, p.piece().codePointCount(0, p.piece().length()));
                min = Math.min(min, p.score());
            } else if (p.type() == SentencePieceModel.BYTE && p.piece().matches("<0x[0-9A-F]{2}>")) {
                byteToId[Integer.parseInt(p.piece().substring(3, 5), 16)] = id;
            }
        }
        this.maxPieceCodePoints = maxLen;
        this.minScore = min == Float.MAX_VALUE ? 0f : min;
        this.addBos = addBos;
        this.addEos = addEos;
        this.specialTokens = new SpecialTokens(validId(model.bosId()), validId(model.eosId()), validId(model.padId()),
                validId(model.unkId()), null, null, null);
        if (addBos && specialTokens.bos() == null || addEos && specialTokens.eos() == null) {
            throw new IllegalArgumentException(source + ": asked to add " + (addBos ? "bos" : "eos")
                    + " but the model has none");
        }
        if (model.byteFallback() && Arrays.stream(byteToId).anyMatch(id -> id < 0)) {
            throw new IllegalArgumentException(source + ": byte_fallback is set but not all 256 <0xNN> pieces exist");
        }
        byte[] cm = model.precompiledCharsmap();
        if (cm.length > 0) {
            if (cm.length < 4) {
                throw new IllegalArgumentException(source + ": precompiled_charsmap is truncated");
            }
            int trieBytes = (cm[0] & 0xFF) | (cm[1] & 0xFF) << 8 | (cm[2] & 0xFF) << 16 | (cm[3] & 0xFF) << 24;
            if (trieBytes < 0 || trieBytes % 4 != 0 || trieBytes > cm.length - 4) {
                throw new IllegalArgumentException(source + ": precompiled_charsmap has a bad trie size " + trieBytes);
            }
            trie = new int[trieBytes / 4];
            for (int i = 0; i < trie.length; i++) {
                int o = 4 + 4 * i;
                trie[i] = (cm[o] & 0xFF) | (cm[o + 1] & 0xFF) << 8 | (cm[o + 2] & 0xFF) << 16 | (cm[o + 3] & 0xFF) << 24;
            }
            normalizedBlob = Arrays.copyOfRange(cm, 4 + trieBytes, cm.length);
        } else {
            trie = null;
            normalizedBlob = null;
        }
    }

    private Integer validId(int id) {
        return id >= 0 && id < model.pieces().size() ? id : null;
    }

    /**
     * Opens {@code file} with the usual template: {@code bos} first when the model has one (Llama), otherwise
     * {@code eos} last when it has one (T5, Marian).
     */
    public static SentencePieceTokenizer open(Path file) {
        SentencePieceModel m = read(file);
        boolean hasBos = m.bosId() >= 0 && m.bosId() < m.pieces().size();
        boolean hasEos = m.eosId() >= 0 && m.eosId() < m.pieces().size();
        return new SentencePieceTokenizer(file.toString(), m, hasBos, !hasBos && hasEos);
    }

    /** Opens {@code file}, adding bos and/or eos when encoding with special tokens. */
    public static SentencePieceTokenizer open(Path file, boolean addBos, boolean addEos) {
        return new SentencePieceTokenizer(file.toString(), read(file), addBos, addEos);
    }

    private static SentencePieceModel read(Path file) {
        try {
            return SentencePieceModel.parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SentencePiece model " + file, e);
        }
    }

    // ---------------------------------------------------------------- normalization

    /** Normalized text as code points, each with the UTF-16 range of the original text it came from. */
    private record Normalized(int[] cps, int[] origStart, int[] origEnd) {
    }

    private Normalized normalize(String text) {
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        int[] byteToChar = new int[in.length + 1];
        for (int c = 0, b = 0; c < text.length(); ) {
            int cp = text.codePointAt(c);
            int nb = utf8Length(cp);
            for (int k = 0; k < nb; k++) {
                byteToChar[b + k] = c;
            }
            b += nb;
            c += Character.charCount(cp);
        }
        byteToChar[in.length] = text.length();

        IntList cps = new IntList();
        IntList starts = new IntList();
        IntList ends = new IntList();
        int pos = 0;
        boolean removeExtra = model.removeExtraWhitespaces();
        if (removeExtra) {
            while (pos < in.length) {
                Prefix p = normalizePrefix(in, pos);
                if (!p.replacement.equals(" ")) {
                    break;
                }
                pos += p.consumed;
            }
        }
        if (pos >= in.length) {
            return new Normalized(new int[0], new int[0], new int[0]);
        }
        int firstChar = byteToChar[pos];
        boolean prefixFirst = model.addDummyPrefix() && !model.treatWhitespaceAsSuffix();
        if (prefixFirst) {
            cps.add(SPACE.codePointAt(0));
            starts.add(firstChar);
            ends.add(firstChar);
        }
        boolean prevSpace = removeExtra;
        while (pos < in.length) {
            Prefix p = normalizePrefix(in, pos);
            String sp = p.replacement;
            if (prevSpace) {
                int k = 0;
                while (k < sp.length() && sp.charAt(k) == ' ') {
                    k++;
                }
                sp = sp.substring(k);
            }
            int s = byteToChar[pos];
            int e = byteToChar[pos + p.consumed];
            if (!sp.isEmpty()) {
                for (int i = 0; i < sp.length(); ) {
                    int cp = sp.codePointAt(i);
                    i += Character.charCount(cp);
                    cps.add(cp == ' ' && model.escapeWhitespaces() ? SPACE.codePointAt(0) : cp);
                    starts.add(s);
                    ends.add(e);
                }
                prevSpace = sp.endsWith(" ");
            }
            pos += p.consumed;
            if (!removeExtra) {
                prevSpace = false;
            }
        }
        if (model.addDummyPrefix() && model.treatWhitespaceAsSuffix()) {
            cps.add(SPACE.codePointAt(0));
            starts.add(text.length());
            ends.add(text.length());
        }
        if (removeExtra) {
            int space = model.escapeWhitespaces() ? SPACE.codePointAt(0) : ' ';
            while (cps.size > 0 && cps.get(cps.size - 1) == space) {
                cps.size--;
                starts.size--;
                ends.size--;
            }
        }
        return new Normalized(cps.toArray(), starts.toArray(), ends.toArray());
    }

    private record Prefix(String replacement, int consumed) {
    }

    private Prefix normalizePrefix(byte[] in, int pos) {
        if (trie != null) {
            long match = longestMatch(in, pos);
            if (match >= 0) {
                int length = (int) (match >>> 32);
                int offset = (int) match;
                int end = offset;
                while (end < normalizedBlob.length && normalizedBlob[end] != 0) {
                    end++;
                }
                return new Prefix(new String(normalizedBlob, offset, end - offset, StandardCharsets.UTF_8), length);
            }
        }
        int n = utf8CharLength(in, pos);
        if (n <= 0) { // malformed UTF-8 cannot come from a Java String, but keep the C++ behaviour
            return new Prefix("\uFFFD", 1);
        }
        String ch = new String(in, pos, n, StandardCharsets.UTF_8);
        if (trie == null && model.normalizerName().contains("nfkc")) {
            ch = Normalizer.normalize(ch, Normalizer.Form.NFKC);
        }
        return new Prefix(ch, n);
    }

    /** Darts-clone common-prefix search; the longest match as (length << 32 | value), or -1. */
    private long longestMatch(byte[] key, int from) {
        long best = -1;
        int nodePos = 0;
        int unit = trie[0];
        nodePos ^= offset(unit);
        for (int i = from; i < key.length; i++) {
            int label = key[i] & 0xFF;
            if (label == 0) {
                break;
            }
            nodePos ^= label;
            if (nodePos < 0 || nodePos >= trie.length) {
                break;
            }
            unit = trie[nodePos];
            if ((unit & ((1 << 31) | 0xFF)) != label) {
                break;
            }
            nodePos ^= offset(unit);
            if (((unit >>> 8) & 1) == 1) {
                if (nodePos < 0 || nodePos >= trie.length) {
                    break;
                }
                int value = trie[nodePos] & 0x7FFFFFFF;
                best = ((long) (i - from + 1) << 32) | value;
            }
        }
        return best;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    private static int utf8CharLength(byte[] in, int pos) {
        int b = in[pos] & 0xFF;
        int n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : -1;
        return n > 0 && pos + n <= in.length ? n : -1;
    }

    // ---------------------------------------------------------------- segmentation

    /** A segment of the normalized text: normalized code points [from, to) and its piece id (-1: not a piece). */
    private record Segment(int from, int to, int id) {
    }

    @Override
    public Encoding encode(String text, boolean addSpecialTokens) {
        Normalized norm = normalize(text);
        List<Segment> segments = model.modelType() == SentencePieceModel.UNIGRAM ? viterbi(norm.cps) : bpe(norm.cps);
        IntList ids = new IntList();
        IntList starts = new IntList();
        IntList ends = new IntList();
        List<Boolean> special = new ArrayList<>();
        if (addSpecialTokens && addBos) {
            ids.add(specialTokens.bos());
            starts.add(-1);
            ends.add(-1);
            special.add(true);
        }
        for (Segment seg : segments) {
            int s = norm.origStart[seg.from];
            int e = norm.origEnd[seg.to - 1];
            if (seg.id >= 0) {
                ids.add(seg.id);
                starts.add(s);
                ends.add(e);
                special.add(false);
            } else if (model.byteFallback()) {
                String piece = new String(norm.cps, seg.from, seg.to - seg.from);
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    ids.add(byteToId[b & 0xFF]);
                    starts.add(s);
                    ends.add(e);
                    special.add(false);
                }
            } else {
                ids.add(model.unkId());
                starts.add(s);
                ends.add(e);
                special.add(false);
            }
        }
        if (addSpecialTokens && addEos) {
            ids.add(specialTokens.eos());
            starts.add(-1);
            ends.add(-1);
            special.add(true);
        }
        boolean[] sp = new boolean[special.size()];
        for (int i = 0; i < sp.length; i++) {
            sp[i] = special.get(i);
        }
        return new Encoding(ids.toArray(), starts.toArray(), ends.toArray(), sp);
    }

    private List<Segment> viterbi(int[] cps) {
        int n = cps.length;
        double[] best = new double[n + 1];
        int[] backFrom = new int[n + 1];
        int[] backId = new int[n + 1];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        best[0] = 0;
        float unkScore = minScore - UNK_PENALTY;
        for (int i = 0; i < n; i++) {
            if (best[i] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            boolean single = false;
            StringBuilder sb = new StringBuilder();
            for (int len = 1; len <= maxPieceCodePoints && i + len <= n; len++) {
                sb.appendCodePoint(cps[i + len - 1]);
                Integer id = segmentable.get(sb.toString());
                if (id == null) {
                    continue;
                }
                SentencePieceModel.Piece p = model.pieces().get(id);
                // User-defined pieces always win their span, as in sentencepiece.
                double score = p.type() == SentencePieceModel.USER_DEFINED ? len * 1e4 : p.score();
                if (len == 1) {
                    single = true;
                }
                if (best[i] + score > best[i + len]) {
                    best[i + len] = best[i] + score;
                    backFrom[i + len] = i;
                    backId[i + len] = id;
                }
            }
            if (!single && best[i] + unkScore > best[i + 1]) {
                best[i + 1] = best[i] + unkScore;
                backFrom[i + 1] = i;
                backId[i + 1] = -1;
            }
        }
        List<Segment> out = new ArrayList<>();
        for (int end = n; end > 0; end = backFrom[end]) {
            out.add(new Segment(backFrom[end], end, backId[end]));
        }
        java.util.Collections.reverse(out);
        // Fuse runs of unknowns into one unk, as HF's Unigram does.
        List<Segment> fused = new ArrayList<>();
        for (Segment s : out) {
            if (s.id < 0 && !fused.isEmpty() && fused.getLast().id < 0) {
                fused.set(fused.size() - 1, new Segment(fused.getLast().from, s.to, -1));
            } else {
                fused.add(s);
            }
        }
        return fused;
    }

    private List<Segment> bpe(int[] cps) {
        // Doubly linked symbols over code points; O(n^2) merging is fine for the text lengths a service accepts.
        int n = cps.length;
        List<int[]> symbols = new ArrayList<>(); // {from, to}
        for (int i = 0; i < n; i++) {
            symbols.add(new int[] {i, i + 1});
        }
        while (symbols.size() > 1) {
            int bestAt = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            int bestId = -1;
            for (int k = 0; k + 1 < symbols.size(); k++) {
                int from = symbols.get(k)[0];
                int to = symbols.get(k + 1)[1];
                Integer id = segmentable.get(new String(cps, from, to - from));
                if (id != null) {
                    float score = model.pieces().get(id).score();
                    if (score > bestScore) {
                        bestScore = score;
                        bestAt = k;
                        bestId = id;
                    }
                }
            }
            if (bestId < 0) {
                break;
            }
            symbols.get(bestAt)[1] = symbols.get(bestAt + 1)[1];
            symbols.remove(bestAt + 1);
        }
        List<Segment> out = new ArrayList<>(symbols.size());
        for (int[] s : symbols) {
            Integer id = segmentable.get(new String(cps, s[0], s[1] - s[0]));
            out.add(new Segment(s[0], s[1], id == null ? -1 : id));
        }
        return out;
    }

    // ---------------------------------------------------------------- decoding and vocabulary

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            checkId(id);
            SentencePieceModel.Piece p = model.pieces().get(id);
            if (p.type() == SentencePieceModel.BYTE) {
                bytes.write(Integer.parseInt(p.piece().substring(3, 5), 16));
                continue;
            }
            flush(bytes, text);
            switch (p.type()) {
                case SentencePieceModel.CONTROL -> {
                    if (!skipSpecialTokens) {
                        text.append(p.piece());
                    }
                }
                case SentencePieceModel.UNKNOWN -> text.append(model.unkSurface());
                default -> text.append(p.piece());
            }
        }
        flush(bytes, text);
        String out = text.toString().replace(SPACE, " ");
        if (model.addDummyPrefix()) {
            if (!model.treatWhitespaceAsSuffix() && out.startsWith(" ")) {
                out = out.substring(1);
            } else if (model.treatWhitespaceAsSuffix() && out.endsWith(" ")) {
                out = out.substring(0, out.length() - 1);
            }
        }
        return out;
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder text) {
        if (bytes.size() > 0) {
            // Invalid sequences become U+FFFD, as sentencepiece does.
            text.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
            bytes.reset();
        }
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = pieceToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String idToToken(int id) {
        checkId(id);
        return model.pieces().get(id).piece();
    }

    private void checkId(int id) {
        if (id < 0 || id >= model.pieces().size()) {
            throw new IllegalArgumentException(source + ": token id " + id + " is outside the vocabulary [0, "
                    + model.pieces().size() + ")");
        }
    }

    @Override
    public int vocabSize() {
        return model.pieces().size();
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public boolean isSpecial(int id) {
        if (id < 0 || id >= model.pieces().size()) {
            return false;
        }
        int type = model.pieces().get(id).type();
        return type == SentencePieceModel.CONTROL || type == SentencePieceModel.UNKNOWN;
    }

    /** UNIGRAM or BPE, for logs. */
    public String modelType() {
        return model.modelType() == SentencePieceModel.UNIGRAM ? "UNIGRAM" : "BPE";
    }

    private static final class IntList {
        int[] a = new int[16];
        int size;

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }

        int get(int i) {
            return a[i];
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
