package dev.trident.kernels.tokenize;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SentencePieceTokenizerTest {

    static SentencePieceTokenizer storiesSp;
    static SentencePieceTokenizer t5Sp;
    static HfTokenizer storiesHf;
    static HfTokenizer t5Hf;

    @BeforeAll
    static void load() {
        storiesSp = SentencePieceTokenizer.open(Golden.model("stories260K/tokenizer.model"));
        t5Sp = SentencePieceTokenizer.open(Golden.model("t5-numbers-en-fr/spiece.model"));
        storiesHf = HfTokenizer.open(Golden.model("stories260K"));
        t5Hf = HfTokenizer.open(Golden.model("t5-numbers-en-fr"));
    }

    @AfterAll
    static void close() {
        storiesHf.close();
        t5Hf.close();
    }

    private static List<String> mismatches(Tokenizer sp, Tokenizer hf, List<String> sentences) {
        List<String> out = new ArrayList<>();
        for (String s : sentences) {
            int[] a = sp.encodeIds(s, true);
            int[] b = hf.encodeIds(s, true);
            if (!Arrays.equals(a, b)) {
                out.add("'" + s + "': sp " + Arrays.toString(a) + " hf " + Arrays.toString(b));
            }
        }
        return out;
    }

    @Test
    void modelsParse() {
        assertThat(storiesSp.modelType()).isEqualTo("BPE");
        assertThat(storiesSp.vocabSize()).isEqualTo(512);
        assertThat(storiesSp.specialTokens()).isEqualTo(new Tokenizer.SpecialTokens(1, 2, null, 0, null, null, null));
        assertThat(t5Sp.modelType()).isEqualTo("UNIGRAM");
        assertThat(t5Sp.vocabSize()).isEqualTo(163);
        assertThat(t5Sp.specialTokens()).isEqualTo(new Tokenizer.SpecialTokens(null, 1, 0, 2, null, null, null));
        assertThat(t5Sp.idToToken(4)).isEqualTo("▁cent");
        assertThat(t5Sp.tokenToId("▁cent")).hasValue(4);
        assertThat(storiesSp.tokenToId("<0x41>")).hasValue(3 + 0x41);
    }

    @Test
    void referenceIds() {
        for (Golden.Case c : Golden.cases("stories260K", "encode")) {
            assertThat(storiesSp.encodeIds(c.text(), true)).as(c.text()).containsExactly(c.ids());
        }
        for (Golden.Case c : Golden.cases("stories260K", "decode")) {
            assertThat(storiesSp.decode(c.ids(), true)).isEqualTo(c.text());
        }
        for (Golden.Case c : Golden.cases("t5-numbers-en-fr", "encode")) {
            assertThat(t5Sp.encodeIds(c.text(), true)).as(c.text()).containsExactly(c.ids());
        }
        for (Golden.Case c : Golden.cases("t5-numbers-en-fr", "decode")) {
            assertThat(t5Sp.decode(c.ids(), true)).isEqualTo(c.text());
        }
    }

    @Test
    void unigramMatchesTokenizerJsonIdForId() {
        assertThat(mismatches(t5Sp, t5Hf, Golden.SENTENCES)).isEmpty();
    }

    @Test
    void bpeWithByteFallbackMatchesTokenizerJsonIdForId() {
        assertThat(mismatches(storiesSp, storiesHf, Golden.SENTENCES)).isEmpty();
    }

    @Test
    void bpeRoundTripsThroughByteFallback() {
        for (String s : List.of("Emoji: 😀 🎉 and ❤️", "日本語のテキストです。", "Café naïve")) {
            int[] ids = storiesSp.encodeIds(s, true);
            assertThat(storiesSp.decode(ids, true)).isEqualTo(s);
        }
        int[] emoji = storiesSp.encodeIds("😀", false);
        // ▁ then the four UTF-8 bytes F0 9F 98 80 as <0xNN> pieces.
        assertThat(Arrays.stream(emoji).mapToObj(storiesSp::idToToken).toList()).endsWith("<0xF0>", "<0x9F>", "<0x98>", "<0x80>");
    }

    /**
     * The known difference (models/README.md): stories260K's SentencePiece model has remove_extra_whitespaces (the
     * proto default), so SentencePiece collapses runs of spaces and strips the ends; its tokenizer.json keeps every
     * space. Our SentencePieceTokenizer follows SentencePiece: its ids for the text equal tokenizer.json's ids for
     * the collapsed text.
     */
    @Test
    void runsOfSpacesFollowSentencePieceNotTokenizerJson() {
        String text = "Lily  and   Ben    went";
        String collapsed = "Lily and Ben went";
        int[] sp = storiesSp.encodeIds(text, true);
        assertThat(sp).containsExactly(storiesHf.encodeIds(collapsed, true));
        assertThat(sp).isNotEqualTo(storiesHf.encodeIds(text, true));
        assertThat(storiesSp.decode(sp, true)).isEqualTo(collapsed);
        assertThat(storiesHf.decode(storiesHf.encodeIds(text, true), true)).isEqualTo(text);
        // Leading, trailing and lone spaces: stripped by SentencePiece, kept (as ▁ = 410) by tokenizer.json.
        assertThat(storiesSp.encodeIds(" ", true)).containsExactly(1);
        assertThat(storiesHf.encodeIds(" ", true)).containsExactly(1, 410, 410);
        assertThat(storiesSp.encodeIds(" start with space ", true)).containsExactly(storiesHf.encodeIds("start with space", true));
        assertThat(storiesHf.encodeIds(" start", true)).startsWith(1, 410);
        // T5's tokenizer.json collapses too (it is checked against SentencePiece on the same rule).
        assertThat(t5Sp.encodeIds("  six   cent  ", true)).containsExactly(t5Hf.encodeIds("six cent", true));
    }

    /**
     * Second known difference: tokenizer.json treats the spelling of an added token ("<s>", "</s>") inside the text
     * as that special token; SentencePiece never does (control pieces cannot come from text), which is what we want
     * for untrusted input. Ours follows SentencePiece.
     */
    @Test
    void specialTokenSpellingsInTextAreJustText() {
        String text = "<s> and </s> written as text";
        int[] sp = storiesSp.encodeIds(text, false);
        assertThat(sp).doesNotContain(1, 2);
        assertThat(storiesHf.encodeIds(text, false)).contains(1, 2);
        assertThat(storiesSp.decode(sp, true)).isEqualTo(text);
        assertThat(t5Sp.encodeIds("</s> six", false)).doesNotContain(1);
        assertThat(t5Hf.encodeIds("</s> six", false)).contains(1);
    }

    @Test
    void offsetsPointIntoTheOriginalText() {
        String text = "Café 😀 trois";
        Tokenizer.Encoding e = storiesSp.encode(text, true);
        assertThat(e.starts()[0]).isEqualTo(-1);
        assertThat(e.special()[0]).isTrue();
        for (int i = 1; i < e.size(); i++) {
            assertThat(e.starts()[i]).isBetween(0, text.length());
            assertThat(e.ends()[i]).isBetween(e.starts()[i], text.length());
        }
        assertThat(e.ends()[e.size() - 1]).isEqualTo(text.length());
        Tokenizer.Encoding t = t5Sp.encode("six cent", true);
        assertThat(t.special()[t.size() - 1]).isTrue();
        assertThat(text.substring(0, 0)).isEmpty();
        StringBuilder covered = new StringBuilder();
        for (int i = 0; i < t.size() - 1; i++) {
            covered.append("six cent", t.starts()[i], t.ends()[i]).append('|');
        }
        // A piece's ▁ comes from the space before it, so "▁cent" covers " cent".
        assertThat(covered.toString()).isEqualTo("six| cent|");
    }

    @Test
    void decodeSpecialsAndBadIds() {
        assertThat(t5Sp.decode(new int[] {4, 1}, false)).isEqualTo("cent</s>");
        assertThat(t5Sp.decode(new int[] {4, 1}, true)).isEqualTo("cent");
        assertThat(t5Sp.isSpecial(1)).isTrue();
        assertThat(t5Sp.isSpecial(4)).isFalse();
        assertThatThrownBy(() -> t5Sp.decode(new int[] {163}, true)).hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> SentencePieceModel.parse(new byte[] {0x0A, 0x7F, 1}, "bad.model"))
                .hasMessageContaining("bad.model").hasMessageContaining("corrupt");
        assertThatThrownBy(() -> SentencePieceModel.parse(new byte[0], "empty.model")).hasMessageContaining("no pieces");
    }
}
