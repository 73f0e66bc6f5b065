package dev.trident.kernels.parallel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * The one worker pool all kernels share, sized to the cores, and the range splitter they use.
 *
 * <p>Kernels split <em>independent</em> work only: output rows of a matrix product, heads of an attention, batch
 * rows. Each output element is computed whole by one thread with the same order of operations no matter how the
 * range is cut, so results are bitwise identical for any thread count (tests check 1 against 2).
 *
 * <p>Thread count: {@code -Dtrident.kernels.threads=N} at start, {@link #setThreads(int)} at run time, or
 * {@link #sequential(Runnable)} to run a scope on the calling thread only. Nested calls from inside a worker run
 * inline (no oversubscription, no deadlock).
 *
 * <p>Cost: one small task object per chunk and call when a call splits ({@link #splits}); single-threaded
 * calls and the kernels' inner loops allocate nothing.
 */
public final class Parallel {

    /** Work done for one contiguous chunk {@code [start, end)} of a range of items. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static volatile int threads = Math.max(1, Integer.getInteger("trident.kernels.threads", CORES));
    private static final ThreadLocal<int[]> SEQUENTIAL_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    // The caller runs one chunk itself, so the pool needs one thread fewer than the cores (at least one, so a
    // two-thread test still runs two chunks concurrently on a one-core CI box).
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, CORES - 1), pool -> {
        ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        thread.setName("trident-kernel-" + thread.getPoolIndex());
        thread.setDaemon(true);
        return thread;
    }, null, false);

    private Parallel() {
    }

    /** Threads a kernel splits into now (1 inside {@link #sequential} or on a pool worker). */
    public static int threads() {
        if (SEQUENTIAL_DEPTH.get()[0] > 0 || Thread.currentThread() instanceof ForkJoinWorkerThread worker
                && worker.getPool() == POOL) {
            return 1;
        }
        return threads;
    }

    /** Sets the thread count for all later kernel calls (1 = single-threaded). */
    public static void setThreads(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + count);
        }
        threads = count;
    }

    /** Cores the JVM sees. */
    public static int cores() {
        return CORES;
    }

    /** Runs {@code body} on this thread with every kernel inside it single-threaded. */
    public static void sequential(Runnable body) {
        int[] depth = SEQUENTIAL_DEPTH.get();
        depth[0]++;
        try {
            body.run();
        } finally {
            depth[0]--;
        }
    }

    /**
     * Whether {@link #forRange} would split {@code count} items into more than one chunk now. Kernels call their
     * body directly when it would not, so single-threaded calls allocate not even the task lambda.
     */
    public static boolean splits(int count, int minPerChunk) {
        return chunkCount(count, minPerChunk) > 1;
    }

    private static int chunkCount(int count, int minPerChunk) {
        return Math.min(threads(), Math.max(1, count / Math.max(1, minPerChunk)));
    }

    /**
     * Runs {@code task} over {@code [0, count)} cut into at most {@link #threads()} contiguous chunks, at least
     * {@code minPerChunk} items each (small ranges stay on the calling thread). Returns when all chunks are done;
     * the first exception of a chunk is rethrown.
     */
    public static void forRange(int count, int minPerChunk, RangeTask task) {
        if (count <= 0) {
            return;
        }
        int chunks = chunkCount(count, minPerChunk);
        if (chunks <= 1) {
            task.run(0, count);
            return;
        }
        @SuppressWarnings("unchecked")
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int start = (int) ((long) count * c / chunks);
            int end = (int) ((long) count * (c + 1) / chunks);
            others[c - 1] = POOL.submit(() -> task.run(start, end));
        }
        Throwable failure = null;
        try {
            task.run(0, (int) ((long) count / chunks));
        } catch (Throwable t) {
            failure = t;
        }
        for (ForkJoinTask<?> other : others) {
            try {
                other.join();
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            }
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }
}
