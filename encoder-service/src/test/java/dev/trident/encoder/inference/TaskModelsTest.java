package dev.trident.encoder.inference;

import dev.trident.encoder.config.EncoderSettings;
import dev.trident.encoder.config.EncoderSettings.ModelSpec;
import dev.trident.encoder.config.ServingSettings;
import dev.trident.encoder.inference.EncoderService.Fill;
import dev.trident.encoder.inference.NerAggregation.Entity;
import dev.trident.encoder.inference.NerAggregation.Strategy;
import dev.trident.encoder.web.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpStatus;
import org.springframework.mock.env.MockEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** NER, fill-mask and ids-only mode through {@link EncoderService} on small models built from the oracle checkpoints. */
class TaskModelsTest {

    @TempDir
    static Path dir;

    static ModelRegistry registry;
    static EncoderService service;

    @BeforeAll
    static void load() throws Exception {
        Path ner = TestModels.nerModel(dir.resolve("ner"));
        Path mlm = TestModels.maskedLm(dir.resolve("mlm"), Map.of("paris", 5f, "london", 4f));
        Path nli = TestModels.nliModel(dir.resolve("nli"));
        Path cross = TestModels.crossEncoder(dir.resolve("cross"));
        registry = new ModelRegistry(new EncoderSettings(List.of(
                new ModelSpec("ner", ner.toString(), null, "none", null, null, false),
                new ModelSpec("mlm", mlm.toString(), null, "none", null, null, false),
                new ModelSpec("nli", nli.toString(), null, "none", null, null, false),
                new ModelSpec("cross", cross.toString(), null, "none", null, null, false),
                new ModelSpec("ids-only", TestModels.ORACLE.resolve("bert-model").toString(), null, "none", null, null, false))),
                new MockEnvironment());
        service = new EncoderService(registry, new ServingSettings(64, 4, 16, 8, Duration.ofSeconds(1)), new SimpleMeterRegistry());
    }

    @AfterAll
    static void close() {
        service.close();
        registry.close();
    }

    @Test
    void fillMaskGivesTheHeadsDistributionAtTheMask() {
        List<List<List<Fill>>> result = service.fillMask("mlm", List.of("paris is the [MASK] of france ."), 2, false).value();
        List<Fill> fills = result.getFirst().getFirst();
        assertThat(fills).extracting(Fill::tokenStr).containsExactly("paris", "london");
        assertThat(fills.getFirst().token()).isEqualTo(TestModels.id("paris"));
        // logits are the decoder bias: softmax over 1000 entries, two of them 5 and 4, the rest 0
        double denominator = Math.exp(5) + Math.exp(4) + 998;
        assertThat((double) fills.get(0).score()).isCloseTo(Math.exp(5) / denominator, within(1e-5));
        assertThat((double) fills.get(1).score()).isCloseTo(Math.exp(4) / denominator, within(1e-5));
        assertThat(fills.getFirst().sequence()).isEqualTo("paris is the paris of france.");
    }

    @Test
    void fillMaskAnswersEachMask() {
        List<List<Fill>> masks = service.fillMask("mlm", List.of("[MASK] is the [MASK] ."), 3, false).value().getFirst();
        assertThat(masks).hasSize(2).allSatisfy(m -> assertThat(m).hasSize(3));
    }

    @Test
    void fillMaskRefusesTextsWithoutMaskAndModelsThatAreNoMaskedLm() {
        assertThatThrownBy(() -> service.fillMask("mlm", List.of("paris is nice"), 5, false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.type()).isEqualTo("no_mask_token"));
        assertThatThrownBy(() -> service.fillMask("ner", List.of("[MASK] x"), 5, false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST));
    }

    @Test
    void nerNoneGivesEveryTokenWithItsOffsets() {
        String text = "John lives in New York, xyz.";
        List<Entity> tokens = service.ner("ner", List.of(text), Strategy.NONE, Set.of(), false).value().getFirst();
        // john lives in new york , x ##y ##z .  (10 tokens without [CLS]/[SEP])
        assertThat(tokens).hasSize(10);
        assertThat(tokens).extracting(Entity::index).containsExactlyElementsOf(IntStream.rangeClosed(1, 10).boxed().toList());
        assertThat(tokens.get(4).word()).isEqualTo("york");
        assertThat(text.substring(tokens.get(4).start(), tokens.get(4).end())).isEqualTo("York");
        assertThat(tokens.get(7).word()).isEqualTo("##y");
        assertThat(tokens).allSatisfy(e -> assertThat(e.entity()).isIn("O", "B-PER", "I-PER", "B-LOC", "I-LOC"));

        // an unknown token is spelled as in the text (HF: word = the span), not "[UNK]"
        List<Entity> unknown = service.ner("ner", List.of("john ☃"), Strategy.NONE, Set.of(), false).value().getFirst();
        assertThat(unknown).extracting(Entity::word).containsExactly("john", "☃");
    }

    @Test
    void nerWordStrategiesNeverSplitAWord() {
        String text = "John lives in New York, xyz.";
        for (Strategy strategy : List.of(Strategy.FIRST, Strategy.AVERAGE, Strategy.MAX)) {
            List<Entity> entities = service.ner("ner", List.of(text), strategy, Set.of(), false).value().getFirst();
            assertThat(entities).allSatisfy(e -> {
                assertThat(e.start() == 0 || !Character.isLetter(text.charAt(e.start() - 1))).as(strategy + " " + e).isTrue();
                assertThat(e.end() == text.length() || !Character.isLetter(text.charAt(e.end()))).as(strategy + " " + e).isTrue();
                assertThat(e.entityGroup()).isIn("O", "PER", "LOC");
            });
            // the groups cover the text's tokens from first to last
            assertThat(entities.getFirst().start()).isZero();
            assertThat(entities.getLast().end()).isEqualTo(text.length());
        }
        List<Entity> withoutO = service.ner("ner", List.of(text), Strategy.SIMPLE, Set.of("O"), false).value().getFirst();
        assertThat(withoutO).noneMatch(e -> e.entityGroup().equals("O"));
    }

    @Test
    void idsOnlyModelTakesTokenIdsAndRefusesText() {
        int[] ids = {2, 45, 812, 3};
        float[][] served = service.embed("ids-only", List.of(Input.ids(ids)), false, false, null).value();
        float[][] direct = registry.get("ids-only").embed(List.of(ids));
        assertThat(served[0]).containsExactly(direct[0], within(1e-6f));
        assertThatThrownBy(() -> service.embed("ids-only", List.of(Input.text("hello")), true, false, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(e.getMessage()).contains("no tokenizer");
                });
        assertThatThrownBy(() -> service.embed("ids-only", List.of(Input.ids(new int[] {2, 1000})), true, false, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("outside the vocabulary"));
    }

    @Test
    void tooLongTokenIdsAre413UnlessTruncated() {
        int[] ids = IntStream.range(0, 130).map(i -> 5 + i % 50).toArray(); // the oracle takes 128 positions
        assertThatThrownBy(() -> service.embed("ids-only", List.of(Input.ids(ids)), true, false, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
                    assertThat(e.getMessage()).contains("130").contains("128");
                });
        float[][] cut = service.embed("ids-only", List.of(Input.ids(ids)), false, true, null).value();
        float[][] first128 = registry.get("ids-only").embed(List.of(java.util.Arrays.copyOf(ids, 128)));
        assertThat(cut[0]).containsExactly(first128[0], within(1e-6f));
    }

    @Test
    void tooManyInputsIs413() {
        List<Input> nine = IntStream.range(0, 9).mapToObj(i -> Input.ids(new int[] {2, 3})).toList();
        assertThatThrownBy(() -> service.embed("ids-only", nine, true, false, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
                    assertThat(e.getMessage()).contains("9").contains("8");
                });
    }

    /** [CLS] a [SEP] b [SEP] with token types 0 then 1, as BERT's tokenizers build a pair. */
    static List<int[]> pair(EncoderModel model, String a, String b) {
        int[] first = model.tokenize(a), second = model.tokenize(b);
        int[] ids = java.util.stream.IntStream.concat(java.util.Arrays.stream(first),
                java.util.Arrays.stream(second, 1, second.length)).toArray();
        int[] types = new int[ids.length];
        java.util.Arrays.fill(types, first.length, ids.length, 1);
        return List.of(ids, types);
    }

    @Test
    void predictGivesTheClassifiersProbabilitiesOrLogitsSortedAndPairsWithTokenTypes() {
        EncoderModel nli = registry.get("nli");
        EncoderModel.Classification direct = nli.classify(List.of(nli.tokenize("paris is nice")), null).getFirst();
        List<EncoderService.Label> labels = service.predict("nli", List.of(List.of("paris is nice")), false, false, null, null)
                .value().getFirst();
        assertThat(labels).hasSize(3);
        assertThat(labels).isSortedAccordingTo((x, y) -> Float.compare(y.score(), x.score()));
        for (EncoderService.Label l : labels) {
            assertThat(l.score()).isCloseTo(direct.probabilities()[nli.labels().indexOf(l.label())], within(1e-6f));
        }
        List<EncoderService.Label> raw = service.predict("nli", List.of(List.of("paris is nice")), false, true, null, null)
                .value().getFirst();
        assertThat(raw.getFirst().score()).isCloseTo(direct.logits()[nli.labels().indexOf(raw.getFirst().label())], within(1e-6f));

        List<int[]> pair = pair(nli, "john lives in paris", "paris is in france");
        EncoderModel.Classification pairDirect = nli.classify(List.of(pair.get(0)), List.of(pair.get(1))).getFirst();
        List<EncoderService.Label> pairServed = service.predict("nli",
                List.of(List.of("john lives in paris", "paris is in france")), false, false, null, 1).value().getFirst();
        assertThat(pairServed).singleElement().satisfies(l -> assertThat(l.score())
                .isCloseTo(pairDirect.probabilities()[nli.labels().indexOf(l.label())], within(1e-6f)));
    }

    @Test
    void zeroShotWithAnNliModelFollowsHfsPipeline() {
        EncoderModel nli = registry.get("nli");
        String text = "john lives in paris";
        List<String> labels = List.of("france", "london");
        float[] entail = new float[2];
        float[] multi = new float[2];
        for (int l = 0; l < 2; l++) {
            List<int[]> pair = pair(nli, text, "This text is about " + labels.get(l) + ".");
            float[] logits = nli.classify(List.of(pair.get(0)), List.of(pair.get(1))).getFirst().logits();
            entail[l] = logits[2];
            multi[l] = (float) (Math.exp(logits[2]) / (Math.exp(logits[0]) + Math.exp(logits[2])));
        }
        double z = Math.exp(entail[0]) + Math.exp(entail[1]);
        List<EncoderService.Label> single = service.zeroShot("nli", List.of(text), labels, null, false, null, false).value().getFirst();
        for (EncoderService.Label l : single) {
            assertThat((double) l.score()).isCloseTo(Math.exp(entail[labels.indexOf(l.label())]) / z, within(1e-5));
        }
        List<EncoderService.Label> independent = service.zeroShot("nli", List.of(text), labels, null, true, null, false).value().getFirst();
        for (EncoderService.Label l : independent) {
            assertThat(l.score()).isCloseTo(multi[labels.indexOf(l.label())], within(1e-5f));
        }
        assertThatThrownBy(() -> service.zeroShot("ner", List.of(text), labels, null, false, null, false))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void rerankWithACrossEncoderScoresEachPair() {
        EncoderModel cross = registry.get("cross");
        List<String> texts = List.of("paris is in france", "london is the capital", "john lives in new york");
        List<EncoderService.Ranked> ranked = service.rerank("cross", "where is paris ?", texts, false, false, true).value();
        assertThat(ranked).hasSize(3).isSortedAccordingTo((x, y) -> Float.compare(y.score(), x.score()));
        for (EncoderService.Ranked r : ranked) {
            List<int[]> pair = pair(cross, "where is paris ?", texts.get(r.index()));
            float logit = cross.classify(List.of(pair.get(0)), List.of(pair.get(1))).getFirst().logits()[0];
            assertThat(r.score()).isCloseTo((float) (1 / (1 + Math.exp(-logit))), within(1e-6f));
            assertThat(r.text()).isEqualTo(texts.get(r.index()));
        }

        // a document longer than the model: 413, or with truncate the pair is cut to 128 with its final [SEP]
        String longText = "paris ".repeat(200);
        assertThatThrownBy(() -> service.rerank("cross", "where is paris ?", List.of(longText), false, false, false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
        int[] query = cross.tokenize("where is paris ?");
        int[] ids = new int[128], types = new int[128];
        System.arraycopy(query, 0, ids, 0, query.length);
        java.util.Arrays.fill(ids, query.length, 127, TestModels.id("paris"));
        ids[127] = 3; // [SEP]
        java.util.Arrays.fill(types, query.length, 128, 1);
        float logit = cross.classify(List.of(ids), List.of(types)).getFirst().logits()[0];
        float served = service.rerank("cross", "where is paris ?", List.of(longText), true, true, false).value().getFirst().score();
        assertThat(served).isCloseTo(logit, within(1e-5f));
    }
}
