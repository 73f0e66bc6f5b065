package dev.trident.kernels.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyItemRunsExactlyOnceInContiguousChunks() {
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 7}) {
                Parallel.setThreads(threads);
                for (int count : new int[] {1, 2, 5, 64, 1001}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(count);
                    AtomicInteger chunks = new AtomicInteger();
                    Parallel.forRange(count, 1, (start, end) -> {
                        chunks.incrementAndGet();
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < count; i++) {
                        assertThat(hits.get(i)).isEqualTo(1);
                    }
                    assertThat(chunks.get()).isEqualTo(Math.min(threads, count));
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void sequentialScopeAndNestedCallsStayOnOneThread() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            AtomicInteger chunks = new AtomicInteger();
            Parallel.sequential(() -> {
                assertThat(Parallel.threads()).isEqualTo(1);
                Parallel.forRange(100, 1, (start, end) -> chunks.incrementAndGet());
            });
            assertThat(chunks.get()).isEqualTo(1);
            assertThat(Parallel.threads()).isEqualTo(2);
            AtomicInteger inner = new AtomicInteger();
            Parallel.forRange(2, 1, (start, end) -> Parallel.forRange(10, 1, (s, e) -> inner.incrementAndGet()));
            assertThat(inner.get()).isBetween(2, 3); // the calling thread's chunk may split, a worker's does not
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void chunkFailuresPropagate() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            assertThatThrownBy(() -> Parallel.forRange(10, 1, (start, end) -> {
                if (start > 0) {
                    throw new IllegalStateException("boom");
                }
            })).hasMessageContaining("boom");
            assertThatThrownBy(() -> Parallel.setThreads(0)).isInstanceOf(IllegalArgumentException.class);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void balancedRangesRunEveryItemOnceAndPropagateFailures() {
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                for (int count : new int[] {1, 7, 64, 1001}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(count);
                    AtomicInteger pieces = new AtomicInteger();
                    Parallel.forRangeBalanced(count, 4, (start, end) -> {
                        pieces.incrementAndGet();
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < count; i++) {
                        assertThat(hits.get(i)).as("item %d of %d on %d threads", i, count, threads).isEqualTo(1);
                    }
                    assertThat(pieces.get()).isBetween(1, Math.max(1, threads * Parallel.PIECES_PER_THREAD));
                }
            }
            Parallel.setThreads(2);
            assertThatThrownBy(() -> Parallel.forRangeBalanced(1000, 1, (start, end) -> {
                if (start >= 500) {
                    throw new IllegalStateException("piece from " + start);
                }
            })).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("piece from");
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
