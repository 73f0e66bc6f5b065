package dev.trident.kernels.tokenize;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

/** Test resources: model folders and tokenizer-golden.json (ids and texts from the models' reference.json). */
final class Golden {

    record Case(String text, int[] ids) {
    }

    private Golden() {
    }

    static Path model(String name) {
        try {
            return Path.of(Golden.class.getClassLoader().getResource("models/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Case> cases(String model, String kind) {
        try {
            JsonNode root = JsonMapper.builder().build().readTree(Files.readString(model("tokenizer-golden.json")));
            List<Case> out = new ArrayList<>();
            for (JsonNode c : root.get(model).get(kind)) {
                int[] ids = StreamSupport.stream(c.get("ids").spliterator(), false).mapToInt(JsonNode::intValue).toArray();
                out.add(new Case(c.get("text").stringValue(), ids));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Varied sentences for the SentencePiece ⇄ tokenizer.json comparison (single inner spaces only; runs of spaces, leading/trailing spaces and special-token spellings are tested apart). */
    static final List<String> SENTENCES = List.of(
            "Once upon a time, there was a little girl named Lily.",
            "Lily and Ben went to the park.",
            "The quick brown fox jumps over the lazy dog!",
            "Hello world",
            "a",
            "",
            "I have 3 apples and 42 oranges, 1234567890.",
            "Tom's dog didn't bark; it said \"woof\" (twice) - really?",
            "translate English to French: six hundred thirty-four",
            "translate French to English: quatre-vingt-dix-neuf mille deux cent un",
            "trois cent vingt et un",
            "Café, naïve, résumé, façade, Zoë, señor, Ærøskøbing.",
            "ÀÉÎÕÜ àéîõü ÇÑ",
            "Emoji: 😀 🎉 👍🏽 and ❤️ in text",
            "🦄",
            "日本語のテキストです。",
            "東京は大きい都市です",
            "Mixed 日本 and English 123",
            "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
            "ﬁ ligature and ① circled and ½ fraction",
            "Tabs\tand\nnewlines\r\nhere",
            "UPPER lower MiXeD",
            "x".repeat(40),
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
            "Ελληνικά και русский текст",
            "e\u0301 composed vs é precomposed",
            "punctuation!!! ??? ... ,,,",
            "zero\u200Bwidth and non\u00A0breaking space");
}
