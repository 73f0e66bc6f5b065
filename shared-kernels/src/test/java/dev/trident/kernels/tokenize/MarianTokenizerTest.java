package dev.trident.kernels.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MarianTokenizer} on a Marian-style folder built here, since no Marian checkpoint with its spm files is at
 * hand: t5-numbers' {@code spiece.model} as both {@code source.spm} and {@code target.spm}, and a {@code vocab.json}
 * that lists the same pieces in a shuffled order (with Marian's {@code </s>} 0, {@code <unk>} 1, {@code <pad>} last).
 * The T5 {@code tokenizer.json} of the same SentencePiece model (HF tokenizers) is the reference: on hundreds of
 * strings the Marian ids must be its ids mapped piece by piece through the shuffle, and decoding must give its text.
 */
class MarianTokenizerTest {

    @TempDir
    static Path dir;
    static MarianTokenizer marian;
    static HfTokenizer t5;
    static Map<String, Integer> shuffled;

    @BeforeAll
    static void build() throws Exception {
        Path spm = Golden.model("t5-numbers-en-fr/spiece.model");
        Files.copy(spm, dir.resolve("source.spm"));
        Files.copy(spm, dir.resolve("target.spm"));
        t5 = HfTokenizer.open(Golden.model("t5-numbers-en-fr"));
        List<String> pieces = new ArrayList<>();
        for (int id = 0; id < t5.vocabSize(); id++) {
            String piece = t5.idToToken(id);
            if (!piece.equals("</s>") && !piece.equals("<unk>") && !piece.equals("<pad>")) {
                pieces.add(piece);
            }
        }
        Collections.shuffle(pieces, new Random(5));
        shuffled = new LinkedHashMap<>();
        shuffled.put("</s>", 0);
        shuffled.put("<unk>", 1);
        shuffled.put(">>fr<<", 2);
        for (String piece : pieces) {
            shuffled.put(piece, shuffled.size());
        }
        shuffled.put("<pad>", shuffled.size());
        String json = shuffled.entrySet().stream()
                .map(e -> "\"" + e.getKey().replace("\\", "\\\\").replace("\"", "\\\"") + "\": " + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
        Files.writeString(dir.resolve("vocab.json"), json);
        assertThat(MarianTokenizer.present(dir)).isTrue();
        marian = MarianTokenizer.open(dir);
    }

    @AfterAll
    static void close() {
        t5.close();
    }

    /** T5's ids (tokenizer.json) carried through the shuffle: what MarianTokenizer must produce. */
    private static int[] expected(String text) {
        return Arrays.stream(t5.encodeIds(text, true)).map(id -> shuffled.get(t5.idToToken(id))).toArray();
    }

    private static List<String> strings() {
        List<String> out = new ArrayList<>(List.of("six cent trente-quatre", "two hundred ninety-seven thousand sixty",
                "quatre-vingt-dix-sept mille soixante et onze", "  spaced   out  ", "Ünïcödé ß 😀 Ω", "a.b,c!d?e",
                "x", "nine hundred ninety-nine thousand nine hundred ninety-nine"));
        Random random = new Random(11);
        List<String> words = new ArrayList<>();
        for (int id = 3; id < t5.vocabSize(); id++) {
            words.add(t5.idToToken(id).replace("\u2581", ""));
        }
        String odd = "éèçàQZ0123456789'\"-";
        for (int i = 0; i < 400; i++) {
            StringBuilder s = new StringBuilder();
            int n = 1 + random.nextInt(8);
            for (int w = 0; w < n; w++) {
                if (w > 0) {
                    s.append(random.nextInt(6) == 0 ? "" : " ");
                }
                s.append(random.nextInt(10) == 0 ? String.valueOf(odd.charAt(random.nextInt(odd.length())))
                        : words.get(random.nextInt(words.size())));
            }
            out.add(s.toString());
        }
        return out;
    }

    @Test
    void idsAreSentencePiecePiecesThroughVocabJsonWithEos() {
        int checked = 0;
        for (String s : strings()) {
            assertThat(marian.encodeIds(s, true)).as(s).containsExactly(expected(s));
            int[] plain = marian.encodeIds(s, false);
            assertThat(plain).as(s).containsExactly(Arrays.copyOf(expected(s), expected(s).length - 1));
            checked++;
        }
        assertThat(checked).isGreaterThan(400);
        // The shuffle is real: Marian ids differ from the SentencePiece ids they came from.
        assertThat(marian.encodeIds("six cent trente-quatre", true)).isNotEqualTo(t5.encodeIds("six cent trente-quatre", true));
    }

    @Test
    void decodingGoesBackThroughTargetSpm() {
        for (String s : strings()) {
            int[] ids = marian.encodeIds(s, true);
            String reference = t5.decode(t5.encodeIds(s, true), true);
            String decoded = marian.decode(ids, true);
            // HF clean-up joins " ." and friends and Marian strips the ends; the T5 tokenizer.json reference does neither.
            assertThat(decoded).as(s).isEqualTo(MarianTokenizer.cleanUpTokenization(reference.strip()));
        }
        int[] withEos = marian.encodeIds("six cent", true);
        assertThat(marian.decode(withEos, false)).isEqualTo("six cent</s>");
    }

    @Test
    void languageCodesAndSpecialTokensInTheText() {
        int[] ids = marian.encodeIds(">>fr<< six cent", true);
        int[] rest = expected(" six cent");
        assertThat(ids[0]).isEqualTo(2);
        assertThat(Arrays.copyOfRange(ids, 1, ids.length)).containsExactly(rest);
        int[] special = marian.encodeIds("six</s>cent", false);
        int[] six = marian.encodeIds("six", false);
        int[] cent = marian.encodeIds("cent", false);
        int[] joined = new int[six.length + 1 + cent.length];
        System.arraycopy(six, 0, joined, 0, six.length);
        joined[six.length] = 0;
        System.arraycopy(cent, 0, joined, six.length + 1, cent.length);
        assertThat(special).containsExactly(joined);
        assertThat(marian.specialTokens().eos()).isZero();
        assertThat(marian.specialTokens().unk()).isEqualTo(1);
        assertThat(marian.specialTokens().pad()).isEqualTo(shuffled.size() - 1);
        assertThat(marian.isSpecial(0)).isTrue();
        assertThat(marian.isSpecial(5)).isFalse();
        assertThatThrownBy(() -> marian.idToToken(shuffled.size())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPieceMissingFromVocabJsonIsUnknown(@TempDir Path other) throws Exception {
        Files.copy(dir.resolve("source.spm"), other.resolve("source.spm"));
        Files.copy(dir.resolve("target.spm"), other.resolve("target.spm"));
        Files.writeString(other.resolve("vocab.json"), "{\"</s>\": 0, \"<unk>\": 1, \"\u2581six\": 2}");
        MarianTokenizer small = MarianTokenizer.open(other);
        assertThat(small.encodeIds("six cent", true)).containsExactly(2, 1, 0);
        assertThat(small.decode(new int[] {2, 1, 0}, true)).isEqualTo("six");
        assertThat(small.decode(new int[] {2, 77, 0}, false)).as("an id past vocab.json").isEqualTo("six<unk> </s>");
    }
}
