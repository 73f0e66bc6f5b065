package dev.trident.seq2seq.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.kernels.load.LoadOptions;
import dev.trident.seq2seq.config.Seq2SeqSettings.Serving;
import dev.trident.seq2seq.model.DecoderState;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.EncoderOutput;
import dev.trident.seq2seq.model.Seq2SeqLm;
import dev.trident.seq2seq.model.Seq2SeqLms;
import dev.trident.seq2seq.web.ApiException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * The per-model admission limit and cancellation, made deterministic by a model whose decoder steps wait at a gate:
 * requests are held mid-decoding for as long as the test needs.
 */
class QueueLimitTest {

    private static final int[] SIX_HUNDRED = {6, 16, 7, 9, 15, 14, 11, 6, 19, 10, 8, 21, 5, 44, 3, 60, 1};

    /** The default model, each decoder step held until {@link #open} (steps already counted as they start). */
    private static final class GatedLm implements Seq2SeqLm {
        private final Seq2SeqLm lm;
        private volatile CountDownLatch gate = new CountDownLatch(1);

        GatedLm(Seq2SeqLm lm) {
            this.lm = lm;
        }

        void open() {
            gate.countDown();
        }

        @Override public String modelType() { return lm.modelType(); }
        @Override public int vocabSize() { return lm.vocabSize(); }
        @Override public int hiddenSize() { return lm.hiddenSize(); }
        @Override public int decoderStartTokenId() { return lm.decoderStartTokenId(); }
        @Override public int eosTokenId() { return lm.eosTokenId(); }
        @Override public int padTokenId() { return lm.padTokenId(); }
        @Override public EncoderOutput encode(int[] ids, boolean[] mask) { return lm.encode(ids, mask); }
        @Override public DecoderState newDecoderState(EncoderOutput encoded) { return lm.newDecoderState(encoded); }
        @Override public float[] decode(int[] ids, DecoderState state, boolean allRows) { return lm.decode(ids, state, allRows); }
        @Override public void close() { lm.close(); }

        @Override
        public void decodeStep(int[] tokens, DecoderState[] states, int count, float[] logits, int off) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            lm.decodeStep(tokens, states, count, logits, off);
        }
    }

    private static Seq2SeqLm load() throws Exception {
        Path dir = Path.of(QueueLimitTest.class.getResource("/models/t5-numbers-en-fr/config.json").toURI()).getParent();
        return Seq2SeqLms.load(dir, LoadOptions.mapped());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndAdmitsAgainOnceItDrains() throws Exception {
        Serving tiny = new Serving(2, Duration.ofSeconds(3), Duration.ofSeconds(60));
        DecodingOptions greedy = DecodingOptions.greedy(23, 1);
        List<int[]> two = List.of(SIX_HUNDRED, new int[] {6, 16, 7, 9, 1});
        List<Seq2SeqModel.Output> alone;
        try (Seq2SeqModel reference = new Seq2SeqModel("ref", load(), null, List.of(), null, 128, GenerationDefaults.HF)) {
            alone = reference.generate(SIX_HUNDRED, greedy);
        }
        GatedLm gated = new GatedLm(load());
        try (Seq2SeqModel model = new Seq2SeqModel("m", gated, null, List.of(), null, 128, GenerationDefaults.HF, 64, tiny)) {
            CompletableFuture<List<Seq2SeqModel.Result>> held = CompletableFuture.supplyAsync(() -> model.generate(two, greedy));
            await(() -> model.queueCounters()[0] == 2, "two inputs admitted");

            assertThatThrownBy(() -> model.generate(SIX_HUNDRED, greedy)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                assertThat(e.type()).isEqualTo("overloaded");
                assertThat(e.headers()).containsEntry("Retry-After", "3");
            });
            assertThatThrownBy(() -> model.generate(List.of(SIX_HUNDRED, SIX_HUNDRED, SIX_HUNDRED), greedy))
                    .isInstanceOfSatisfying(ApiException.class,
                            e -> assertThat(e.status()).as("more inputs than could ever fit").isEqualTo(HttpStatus.BAD_REQUEST));
            assertThat(model.queueCounters()[0]).as("refused requests take no slot").isEqualTo(2);

            gated.open();
            List<Seq2SeqModel.Result> results = held.get(30, TimeUnit.SECONDS);
            assertThat(results.getFirst().outputs().getFirst().ids()).containsExactly(alone.getFirst().ids());
            assertThat(results.get(1).timeMs()).isPositive();
            await(() -> model.queueCounters()[0] == 0, "the queue drained");
            assertThat(model.generate(SIX_HUNDRED, greedy).getFirst().ids()).containsExactly(alone.getFirst().ids());
        }
    }

    @Test
    void aTimedOutRequestIsAnswered503AndItsRowsLeaveTheDecoder() throws Exception {
        Serving quick = new Serving(4, Duration.ofSeconds(1), Duration.ofMillis(300));
        // No eos: left alone this search would run 400 decoder steps.
        DecodingOptions long400 = DecodingOptions.greedy(400, -1).withNumBeams(3, 1);
        GatedLm gated = new GatedLm(load());
        try (Seq2SeqModel model = new Seq2SeqModel("m", gated, null, List.of(), null, 128, GenerationDefaults.HF, 64, quick)) {
            assertThatThrownBy(() -> model.generate(SIX_HUNDRED, long400)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                assertThat(e.type()).isEqualTo("timeout");
            });
            assertThat(model.queueCounters()[0]).as("the slot is free at once").isZero();
            gated.open(); // the step that was held finishes; the next one no longer has the search
            await(() -> model.queueCounters()[1] == 1, "the cancelled search dropped");
            long steps = model.decodeCounters()[0];
            Thread.sleep(100);
            assertThat(model.decodeCounters()[0]).as("no step runs for a cancelled search").isEqualTo(steps);
            assertThat(steps).isLessThanOrEqualTo(2);
        }
    }
}
