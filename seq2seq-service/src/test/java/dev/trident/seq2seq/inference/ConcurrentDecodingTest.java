package dev.trident.seq2seq.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import dev.trident.seq2seq.model.Seq2SeqLms;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Requests decoded together by the scheduler (greedy, beams, sampling, mixed lengths) give exactly what each gives
 * alone: the same ids, texts and scores, bit for bit; and the steps really were shared.
 */
class ConcurrentDecodingTest {

    private static DecodingOptions options(int beams, int returned, boolean sample, long seed, int ngram) {
        return new DecodingOptions(23, 0, 0, beams, returned, 1.0, EarlyStopping.FALSE, ngram, sample, 1.5, 0, 1.0,
                seed, 1);
    }

    @Test
    void concurrentRequestsEqualTheSameRequestsAlone() throws Exception {
        Path dir = Path.of(ConcurrentDecodingTest.class.getResource("/models/t5-numbers-en-fr/config.json").toURI()).getParent();
        String[] texts = {"translate English to French: six hundred thirty-four",
                "translate French to English: deux cent quatre-vingt-dix-sept mille soixante",
                "translate English to French: twenty-one", "translate English to French: nine hundred ninety-nine thousand",
                "translate French to English: sept", "translate English to French: eighty thousand four hundred two"};
        DecodingOptions[] modes = {options(1, 1, false, 0, 0), options(4, 2, false, 0, 0), options(1, 3, true, 42, 0),
                options(3, 3, true, 7, 2), options(1, 1, false, 0, 2), options(5, 1, false, 0, 0)};
        try (HfTokenizer tokenizer = HfTokenizer.open(dir);
             Seq2SeqModel model = new Seq2SeqModel("m", Seq2SeqLms.load(dir, LoadOptions.mapped()), tokenizer, List.of(),
                     null, 128, GenerationDefaults.HF)) {
            List<int[]> inputs = new ArrayList<>();
            for (String text : texts) {
                inputs.add(tokenizer.encode(text, true).ids());
            }
            List<List<Seq2SeqModel.Output>> alone = new ArrayList<>();
            for (int r = 0; r < texts.length; r++) {
                alone.add(model.generate(inputs.get(r), modes[r]));
            }
            long stepsAlone = model.decodeCounters()[0];
            assertThat(model.decodeCounters()[2]).as("widest step alone").isLessThanOrEqualTo(5);

            ExecutorService clients = Executors.newFixedThreadPool(texts.length);
            try {
                for (int round = 0; round < 3; round++) {
                    List<CompletableFuture<List<Seq2SeqModel.Output>>> together = new ArrayList<>();
                    for (int r = 0; r < texts.length; r++) {
                        int i = r;
                        together.add(CompletableFuture.supplyAsync(() -> model.generate(inputs.get(i), modes[i]), clients));
                    }
                    for (int r = 0; r < texts.length; r++) {
                        List<Seq2SeqModel.Output> got = together.get(r).join();
                        List<Seq2SeqModel.Output> expected = alone.get(r);
                        assertThat(got).hasSize(expected.size());
                        for (int s = 0; s < got.size(); s++) {
                            assertThat(got.get(s).ids()).as("request %d sequence %d", r, s).containsExactly(expected.get(s).ids());
                            assertThat(got.get(s).text()).isEqualTo(expected.get(s).text());
                            assertThat(got.get(s).score()).isEqualTo(expected.get(s).score());
                        }
                    }
                }
            } finally {
                clients.shutdownNow();
            }
            long[] counters = model.decodeCounters();
            assertThat(counters[2]).as("the widest step held rows of several requests").isGreaterThan(5);
            assertThat(counters[0] - stepsAlone).as("steps for three concurrent rounds").isLessThan(3 * stepsAlone);
        }
    }
}
