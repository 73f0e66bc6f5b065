package dev.trident.encoder.inference;

import dev.trident.encoder.inference.NerAggregation.Entity;
import dev.trident.encoder.inference.NerAggregation.PreEntity;
import dev.trident.encoder.inference.NerAggregation.Strategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The aggregation strategies on hand-made token scores, mirroring the examples of HF's token_classification.py. */
class NerAggregationTest {

    static final List<String> TAGS = List.of("O", "B-TAG", "I-TAG", "B-TAG2", "I-TAG2");

    /** Tokens "a b c d e" (one char each, space separated), each sure (0.9) of one label. */
    static List<PreEntity> tokens(String... labels) {
        List<PreEntity> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            out.add(token(i, String.valueOf((char) ('A' + i)), 2 * i, 2 * i + 1, false, scores(TAGS, labels[i], 0.9f)));
        }
        return out;
    }

    static PreEntity token(int index, String word, int start, int end, boolean subword, float[] scores) {
        return new PreEntity(index + 1, index, word, start, end, subword, scores);
    }

    /** {@code top} for {@code label}, the rest shared evenly. */
    static float[] scores(List<String> labels, String label, float top) {
        float[] s = new float[labels.size()];
        java.util.Arrays.fill(s, (1 - top) / (labels.size() - 1));
        s[labels.indexOf(label)] = top;
        return s;
    }

    static List<Entity> run(List<PreEntity> tokens, List<String> labels, Strategy strategy, Set<String> ignore) {
        return NerAggregation.aggregate(tokens, labels, strategy, ignore, NerAggregation::joinWordPieces);
    }

    @Test
    void simpleGroupsITagsAfterTheirBTagAndStartsAGroupAtEachB() {
        // HF: (A, B-TAG), (B, I-TAG), (C, I-TAG), (D, B-TAG2) (E, B-TAG2) → ABC/TAG, D/TAG2, E/TAG2
        List<Entity> groups = run(tokens("B-TAG", "I-TAG", "I-TAG", "B-TAG2", "B-TAG2"), TAGS, Strategy.SIMPLE, Set.of("O"));
        assertThat(groups).extracting(Entity::entityGroup).containsExactly("TAG", "TAG2", "TAG2");
        assertThat(groups).extracting(Entity::word).containsExactly("A B C", "D", "E");
        assertThat(groups.getFirst().start()).isZero();
        assertThat(groups.getFirst().end()).isEqualTo(5);
        assertThat(groups.getFirst().score()).isCloseTo(0.9f, within(1e-6f));
        assertThat(groups).allSatisfy(e -> assertThat(e.entity()).isNull());
    }

    @Test
    void noneGivesTokensWithTheirLabelAndIndexAndDropsIgnoredLabels() {
        List<Entity> entities = run(tokens("B-TAG", "O", "I-TAG2"), TAGS, Strategy.NONE, Set.of("O"));
        assertThat(entities).extracting(Entity::entity).containsExactly("B-TAG", "I-TAG2");
        assertThat(entities).extracting(Entity::index).containsExactly(1, 3);
        assertThat(entities).extracting(Entity::word).containsExactly("A", "C");
        assertThat(entities.get(1).start()).isEqualTo(4);
    }

    @Test
    void anITagAfterADifferentTagStartsItsOwnGroupAndBareLabelsGroupByName() {
        List<Entity> groups = run(tokens("B-TAG", "I-TAG2", "I-TAG2", "O", "O"), TAGS, Strategy.SIMPLE, Set.of());
        assertThat(groups).extracting(Entity::entityGroup).containsExactly("TAG", "TAG2", "O");
        assertThat(groups.getLast().word()).isEqualTo("D E");

        List<String> bare = List.of("NONE", "PER", "LOC");
        List<PreEntity> t = List.of(token(0, "x", 0, 1, false, scores(bare, "PER", 0.8f)),
                token(1, "y", 2, 3, false, scores(bare, "PER", 0.6f)),
                token(2, "z", 4, 5, false, scores(bare, "LOC", 0.7f)));
        List<Entity> byName = run(t, bare, Strategy.SIMPLE, Set.of());
        assertThat(byName).extracting(Entity::entityGroup).containsExactly("PER", "LOC");
        assertThat(byName.getFirst().score()).isCloseTo(0.7f, within(1e-6f));
    }

    /** HF's example: "Microsoft" as Micro (ENTERPRISE) + ##soft (NAME) is split by simple; the word strategies keep it whole. */
    @Test
    void wordStrategiesResolveSubwordsThatDisagree() {
        List<String> labels = List.of("O", "B-ENT", "I-ENT", "B-NAME", "I-NAME");
        float[] micro = {0.05f, 0.6f, 0.05f, 0.25f, 0.05f};   // B-ENT 0.6
        float[] soft = {0.02f, 0.02f, 0.02f, 0.04f, 0.9f};    // I-NAME 0.9
        List<PreEntity> tokens = List.of(token(0, "micro", 0, 5, false, micro), token(1, "##soft", 5, 9, true, soft),
                token(2, "rocks", 10, 15, false, scores(labels, "O", 0.95f)));

        List<Entity> simple = run(tokens, labels, Strategy.SIMPLE, Set.of("O"));
        assertThat(simple).extracting(Entity::entityGroup).containsExactly("ENT", "NAME");
        assertThat(simple).extracting(Entity::word).containsExactly("micro", "##soft");

        List<Entity> first = run(tokens, labels, Strategy.FIRST, Set.of("O"));
        assertThat(first).singleElement().satisfies(e -> {
            assertThat(e.entityGroup()).isEqualTo("ENT");
            assertThat(e.word()).isEqualTo("microsoft");
            assertThat(e.score()).isCloseTo(0.6f, within(1e-6f));
            assertThat(e.start()).isZero();
            assertThat(e.end()).isEqualTo(9);
        });

        List<Entity> max = run(tokens, labels, Strategy.MAX, Set.of("O"));
        assertThat(max).singleElement().satisfies(e -> {
            assertThat(e.entityGroup()).isEqualTo("NAME");
            assertThat(e.score()).isCloseTo(0.9f, within(1e-6f));
        });

        // average: B-ENT (0.6+0.02)/2 = 0.31, I-NAME (0.05+0.9)/2 = 0.475 → NAME
        List<Entity> average = run(tokens, labels, Strategy.AVERAGE, Set.of("O"));
        assertThat(average).singleElement().satisfies(e -> {
            assertThat(e.entityGroup()).isEqualTo("NAME");
            assertThat(e.score()).isCloseTo(0.475f, within(1e-6f));
            assertThat(e.word()).isEqualTo("microsoft");
        });
    }

    @Test
    void wordsAreGroupedLikeTokensAfterAggregation() {
        List<String> labels = List.of("O", "B-PER", "I-PER");
        List<PreEntity> tokens = List.of(
                token(0, "wolf", 0, 4, false, scores(labels, "B-PER", 0.9f)),
                token(1, "##gang", 4, 8, true, scores(labels, "I-PER", 0.7f)),
                token(2, "amadeus", 9, 16, false, scores(labels, "I-PER", 0.8f)),
                token(3, "lives", 17, 22, false, scores(labels, "O", 0.99f)));
        List<Entity> first = run(tokens, labels, Strategy.FIRST, Set.of("O"));
        assertThat(first).singleElement().satisfies(e -> {
            assertThat(e.entityGroup()).isEqualTo("PER");
            assertThat(e.word()).isEqualTo("wolfgang amadeus");
            assertThat(e.score()).isCloseTo(0.85f, within(1e-6f)); // mean of the words' scores 0.9 and 0.8
            assertThat(e.end()).isEqualTo(16);
        });
    }

    @Test
    void strategyNamesAreChecked() {
        assertThat(Strategy.of("Average")).isEqualTo(Strategy.AVERAGE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Strategy.of("mean")).hasMessageContaining("simple");
    }
}
