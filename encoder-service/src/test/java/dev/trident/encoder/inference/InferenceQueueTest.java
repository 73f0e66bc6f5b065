package dev.trident.encoder.inference;

import dev.trident.encoder.inference.InferenceQueue.Operation;
import dev.trident.encoder.inference.InferenceQueue.Sequence;
import dev.trident.encoder.web.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The batching queue on a fake operation (no model): packing, splitting by tokens, order, the bounded queue. */
class InferenceQueueTest {

    /** Answers each row with its first id; records the passes; the first pass waits for {@code release}. */
    static final class Recording implements Operation<Integer> {
        final List<List<Integer>> passes = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        public String key() {
            return "test";
        }

        public List<Integer> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            List<Integer> lengths = ids.stream().map(r -> r.length).toList();
            passes.add(lengths);
            return ids.stream().map(r -> r[0]).toList();
        }
    }

    static Sequence row(int first, int length) {
        int[] ids = new int[length];
        ids[0] = first;
        return new Sequence(ids);
    }

    static void awaitDepth(InferenceQueue queue, int depth) throws InterruptedException {
        while (queue.depth() < depth) {
            Thread.sleep(5);
        }
    }

    @Test
    void waitingRequestsShareLengthSortedPassesAndGetTheirOwnOutputsInOrder() throws Exception {
        Recording op = new Recording();
        try (InferenceQueue queue = new InferenceQueue("m", null, 8, 8, 16, Duration.ofSeconds(1), new SimpleMeterRegistry())) {
            CompletableFuture<List<Integer>> blocker = CompletableFuture.supplyAsync(() -> queue.run(op, List.of(row(0, 1))).outputs());
            op.started.await();
            CompletableFuture<List<Integer>> a = CompletableFuture.supplyAsync(() -> queue.run(op, List.of(row(10, 3), row(11, 1))).outputs());
            awaitDepth(queue, 1);
            CompletableFuture<List<Integer>> b = CompletableFuture.supplyAsync(() -> queue.run(op, List.of(row(20, 1), row(21, 2))).outputs());
            awaitDepth(queue, 2);
            op.release.countDown();
            assertThat(blocker.get()).containsExactly(0);
            assertThat(a.get()).containsExactly(10, 11);
            assertThat(b.get()).containsExactly(20, 21);
            // a and b (7 tokens) in one round; sorted 1,1,2,3; at most 8 padded tokens a pass: [1,1,2] (3×2), [3]
            assertThat(op.passes).containsExactly(List.of(1), List.of(1, 1, 2), List.of(3));
        }
    }

    @Test
    void fullQueueIs429WithRetryAfter() throws Exception {
        Recording op = new Recording();
        try (InferenceQueue queue = new InferenceQueue("m", null, 8, 8, 1, Duration.ofSeconds(3), new SimpleMeterRegistry())) {
            CompletableFuture<?> running = CompletableFuture.runAsync(() -> queue.run(op, List.of(row(0, 1))));
            op.started.await();
            CompletableFuture<?> waiting = CompletableFuture.runAsync(() -> queue.run(op, List.of(row(1, 1))));
            awaitDepth(queue, 1);
            assertThatThrownBy(() -> queue.run(op, List.of(row(2, 1))))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                        assertThat(e.headers()).containsEntry("Retry-After", "3");
                    });
            op.release.countDown();
            running.get();
            waiting.get();
        }
    }

    @Test
    void aFailingPassFailsItsCallersWithTheError() {
        Operation<Integer> failing = new Operation<>() {
            public String key() {
                return "fail";
            }

            public List<Integer> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
                throw new IllegalArgumentException("bad batch");
            }
        };
        try (InferenceQueue queue = new InferenceQueue("m", null, 8, 8, 4, Duration.ofSeconds(1), new SimpleMeterRegistry())) {
            assertThatThrownBy(() -> queue.run(failing, List.of(row(0, 1)))).hasMessage("bad batch");
        }
    }

    @Test
    void reportsTokensAndBatchSizes() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Recording op = new Recording();
        op.release.countDown();
        try (InferenceQueue queue = new InferenceQueue("m", null, 64, 8, 4, Duration.ofSeconds(1), meters)) {
            InferenceQueue.Outcome<Integer> out = queue.run(op, List.of(row(1, 3), row(2, 5)));
            assertThat(out.timing().tokens()).isEqualTo(8);
            assertThat(meters.get("trident.encoder.tokens").tag("model", "m").counter().count()).isEqualTo(8);
            assertThat(meters.get("trident.encoder.batch.size").summary().max()).isEqualTo(2);
            assertThat(meters.get("trident.encoder.queue.depth").gauge().value()).isZero();
        }
    }
}
