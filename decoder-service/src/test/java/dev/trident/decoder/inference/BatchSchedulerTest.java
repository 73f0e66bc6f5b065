package dev.trident.decoder.inference;

import dev.trident.decoder.model.CausalLm;
import dev.trident.decoder.model.CausalLms;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.testing.OracleReference;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.kernels.tokenize.Tokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Continuous batching on the default model (stories260K): requests decoded together give exactly the tokens and
 * text each gives alone (greedy and seeded sampling, penalties, stop strings), {@code n} choices share a prefill,
 * a cancelled request leaves the batch, and log-probabilities equal a direct log-softmax of the raw logits.
 */
class BatchSchedulerTest {

    private static final Set<Integer> STOPS = Set.of(1, 2);

    private Path dir;
    private CausalLm aloneLm;
    private Tokenizer aloneTokenizer;
    private Generator alone;
    private GatedLm gated;
    private DecoderModel model;

    @BeforeEach
    void load() throws Exception {
        dir = OracleReference.resource("/models/stories260K");
        aloneLm = CausalLms.load(dir, LoadOptions.mapped());
        aloneTokenizer = HfTokenizer.open(dir);
        alone = new Generator(aloneLm, aloneTokenizer);
    }

    private DecoderModel served(int maxBatch) {
        gated = new GatedLm(CausalLms.load(dir, LoadOptions.mapped()));
        model = new DecoderModel("stories260K", gated, HfTokenizer.open(dir), STOPS, ChatTemplate.of(dir), maxBatch);
        return model;
    }

    @AfterEach
    void close() {
        if (model != null) {
            model.close();
        }
        aloneLm.close();
        aloneTokenizer.close();
    }

    private record Case(String prompt, SamplingParams params) {
    }

    private static SamplingParams sampled(int maxTokens, double temperature, double topP, int topK, double minP, double repetition,
                                          double presence, double frequency, Long seed, List<String> stop) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, repetition, presence, frequency, seed, stop, STOPS);
    }

    private int[] ids(String prompt) {
        return aloneTokenizer.encode(prompt, true).ids();
    }

    @Test
    void concurrentRequestsDecodedTogetherEqualEachRunAlone() throws Exception {
        List<Case> cases = List.of(
                new Case("Once upon a time", sampled(60, 0, 1, 0, 0, 1, 0, 0, null, List.of())),
                new Case("The little dog", sampled(80, 0.8, 0.9, 0, 0, 1, 0, 0, 1L, List.of())),
                new Case("Lily wanted", sampled(100, 1.0, 1, 20, 0, 1.2, 0, 0, 42L, List.of())),
                new Case("One day", sampled(50, 0.7, 1, 0, 0.05, 1, 0.5, 0, 7L, List.of("."))),
                new Case("Tom and", sampled(120, 0, 1, 0, 0, 1, 0, 0, null, List.of("the"))),
                new Case("The sun", sampled(70, 1.2, 1, 0, 0, 1, 0, 0.3, 3L, List.of())));
        List<Generation> expected = new ArrayList<>();
        for (Case c : cases) {
            expected.add(alone.generate(ids(c.prompt()), c.params(), null));
        }
        DecoderModel served = served(8);
        gated.holdFirstPrefillUntil(() -> served.waitingRequests() >= cases.size() - 1);
        ExecutorService clients = Executors.newFixedThreadPool(cases.size() + 1);
        try {
            List<Future<Generation>> results = new ArrayList<>();
            List<StringBuilder> streamed = new ArrayList<>();
            for (Case c : cases) {
                StringBuilder text = new StringBuilder();
                streamed.add(text);
                results.add(clients.submit(() -> served.generate(ids(c.prompt()), c.params(), (delta, id) -> {
                    text.append(delta);
                    return true;
                })));
            }
            // A late joiner, submitted while the others decode.
            Case late = new Case("A big", sampled(40, 0.9, 0.95, 0, 0, 1, 0, 0, 11L, List.of()));
            Generation lateAlone = alone.generate(ids(late.prompt()), late.params(), null);
            Future<Generation> lateResult = clients.submit(() -> served.generate(ids(late.prompt()), late.params(), null));
            for (int i = 0; i < cases.size(); i++) {
                Generation got = results.get(i).get(60, TimeUnit.SECONDS);
                assertThat(got.tokenIds()).as("case %d tokens", i).isEqualTo(expected.get(i).tokenIds());
                assertThat(got.text()).as("case %d text", i).isEqualTo(expected.get(i).text());
                assertThat(got.finishReason()).as("case %d finish", i).isEqualTo(expected.get(i).finishReason());
                assertThat(streamed.get(i).toString()).as("case %d streamed", i).isEqualTo(expected.get(i).text());
            }
            assertThat(lateResult.get(60, TimeUnit.SECONDS).tokenIds()).isEqualTo(lateAlone.tokenIds());
        } finally {
            clients.shutdownNow();
        }
        assertThat(gated.largestBatch()).as("all six decoded in one step").isGreaterThanOrEqualTo(cases.size());
        assertThat(served.activeSequences()).isZero();
        assertThat(expected.stream().map(Generation::finishReason)).contains("stop", "length");
    }

    @Test
    void aCancelledRequestLeavesTheBatchAndTheNextTakesItsSlot() throws Exception {
        DecoderModel served = served(1);
        int[] prompt = {1};
        // No stop tokens: it would run its 400 tokens if the cancel were not honoured.
        SamplingParams longRun = new SamplingParams(400, 0, 1, 0, 0, 1, 0, 0, null, List.of(), Set.of());
        SamplingParams shortRun = sampled(30, 0.8, 1, 0, 0, 1, 0, 0, 5L, List.of());
        Generation shortAlone = alone.generate(ids("Once"), shortRun, null);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch started = new CountDownLatch(1);
            AtomicInteger pieces = new AtomicInteger();
            Future<Generation> cancelled = clients.submit(() -> served.generate(prompt, longRun, (delta, id) -> {
                started.countDown();
                return pieces.incrementAndGet() < 3;
            }));
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            Future<Generation> next = clients.submit(() -> served.generate(ids("Once"), shortRun, null));
            Generation gone = cancelled.get(30, TimeUnit.SECONDS);
            assertThat(gone.finishReason()).isEqualTo("cancelled");
            assertThat(gone.completionTokens()).isLessThan(400);
            assertThat(next.get(30, TimeUnit.SECONDS).tokenIds()).isEqualTo(shortAlone.tokenIds());
        } finally {
            clients.shutdownNow();
        }
        assertThat(gated.largestBatch()).isEqualTo(1);
        assertThat(served.activeSequences()).isZero();
    }

    @Test
    void aRequestCancelledWhileWaitingIsNeverPrefilled() throws Exception {
        DecoderModel served = served(1);
        gated.holdFirstPrefillUntil(served::waitingAllCancelled);
        SamplingParams params = sampled(20, 0, 1, 0, 0, 1, 0, 0, null, List.of());
        ExecutorService clients = Executors.newFixedThreadPool(1);
        try {
            Future<Generation> first = clients.submit(() -> served.generate(new int[] {1}, params, null));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!gated.holding && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Generation[] waiting = new Generation[1];
            Thread client = Thread.ofPlatform().start(() -> waiting[0] = served.generate(ids("Once"), params, null));
            while (served.waitingRequests() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            client.interrupt();
            client.join(30_000);
            assertThat(waiting[0].finishReason()).isEqualTo("cancelled");
            assertThat(waiting[0].completionTokens()).isZero();
            assertThat(first.get(30, TimeUnit.SECONDS).finishReason()).isEqualTo("length");
        } finally {
            clients.shutdownNow();
        }
        assertThat(gated.prefills.get()).as("only the first request was prefilled").isEqualTo(1);
    }

    @Test
    void nChoicesSharePrefillAndEachEqualsItsSeedAlone() {
        DecoderModel served = served(8);
        int[] prompt = ids("Once upon a time");
        SamplingParams params = sampled(40, 0.9, 1, 0, 0, 1, 0, 0, 5L, List.of());
        List<Generation> choices = served.generate(prompt, params, 3, -1, null, served.newCache(), 0);
        assertThat(choices).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Generation expected = alone.generate(prompt, params.withSeed(5L + i), null);
            assertThat(choices.get(i).tokenIds()).as("choice %d", i).isEqualTo(expected.tokenIds());
            assertThat(choices.get(i).text()).isEqualTo(expected.text());
        }
        assertThat(choices.get(0).tokenIds()).isNotEqualTo(choices.get(1).tokenIds());
        assertThat(gated.prefills.get()).isEqualTo(1);
        assertThat(gated.largestBatch()).isEqualTo(3);

        List<Generation> greedy = served.generate(prompt, sampled(25, 0, 1, 0, 0, 1, 0, 0, null, List.of()), 2, -1, null, served.newCache(), 0);
        assertThat(greedy.get(1).tokenIds()).isEqualTo(greedy.get(0).tokenIds());
    }

    @Test
    void logprobsAreTheLogSoftmaxOfTheRawLogits() {
        int[] prompt = ids("The little dog");
        // Penalties and temperature change the draw, not the reported log-probabilities (vLLM's raw_logprobs).
        SamplingParams params = sampled(25, 0.8, 1, 0, 0, 1.3, 0.4, 0, 9L, List.of());
        Generation generation = alone.generate(prompt, params, null, aloneLm.newCache(), 0, 5);
        assertThat(generation.logprobs()).hasSize(generation.completionTokens());
        KVCache cache = aloneLm.newCache();
        float[] logits = aloneLm.forward(prompt, cache, false);
        for (int i = 0; i < generation.completionTokens(); i++) {
            TokenLogprob entry = generation.logprobs().get(i);
            int token = generation.tokenIds().get(i);
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (float l : logits) {
                sum += Math.exp(l - max);
            }
            double logSumExp = max + Math.log(sum);
            assertThat(entry.tokenId()).isEqualTo(token);
            assertThat((double) entry.logprob()).as("token %d", i).isCloseTo(logits[token] - logSumExp, within(1e-5));
            Integer[] order = new Integer[logits.length];
            for (int k = 0; k < order.length; k++) {
                order[k] = k;
            }
            float[] row = logits;
            java.util.Arrays.sort(order, (a, b) -> row[a] != row[b] ? Float.compare(row[b], row[a]) : Integer.compare(a, b));
            for (int k = 0; k < 5; k++) {
                assertThat(entry.topIds()[k]).as("token %d top %d", i, k).isEqualTo(order[k]);
                assertThat((double) entry.topLogprobs()[k]).isCloseTo(logits[order[k]] - logSumExp, within(1e-5));
            }
            assertThat(entry.topLogprobs()[0]).isGreaterThanOrEqualTo(entry.logprob());
            logits = aloneLm.forward(new int[] {token}, cache, false);
        }
        DecoderModel served = served(4);
        Generation batched = served.generate(prompt, params, 1, 5, null, served.newCache(), 0).getFirst();
        assertThat(batched.tokenIds()).isEqualTo(generation.tokenIds());
        for (int i = 0; i < generation.completionTokens(); i++) {
            assertThat(batched.logprobs().get(i).logprob()).isEqualTo(generation.logprobs().get(i).logprob());
            assertThat(batched.logprobs().get(i).topIds()).containsExactly(generation.logprobs().get(i).topIds());
        }
    }

    /** The model, counting prefills and the largest decode batch, optionally holding the first prefill back. */
    private static final class GatedLm implements CausalLm {

        private final CausalLm lm;
        final AtomicInteger prefills = new AtomicInteger();
        private final AtomicInteger largest = new AtomicInteger();
        private volatile BooleanSupplier hold;
        /** True while the first prefill is held back. */
        volatile boolean holding;

        GatedLm(CausalLm lm) {
            this.lm = lm;
        }

        void holdFirstPrefillUntil(BooleanSupplier condition) {
            hold = condition;
        }

        int largestBatch() {
            return largest.get();
        }

        @Override
        public float[] forward(int[] ids, KVCache cache, boolean allRows) {
            BooleanSupplier condition = hold;
            if (condition != null) {
                hold = null;
                holding = true;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                holding = false;
            }
            prefills.incrementAndGet();
            return lm.forward(ids, cache, allRows);
        }

        @Override
        public float[] forwardBatch(int[] ids, KVCache[] caches) {
            largest.accumulateAndGet(ids.length, Math::max);
            return lm.forwardBatch(ids, caches);
        }

        @Override
        public int vocabSize() {
            return lm.vocabSize();
        }

        @Override
        public int maxPositions() {
            return lm.maxPositions();
        }

        @Override
        public KVCache newCache() {
            return lm.newCache();
        }

        @Override
        public void close() {
            lm.close();
        }
    }
}
