package dev.trident.kernels.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

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
 * <p>Hand-off: a decode step makes hundreds of short kernel calls (a 1.1B Llama token: 155 matrix × vector
 * products of about 0.1–0.5 ms each), so each call's fork and join must cost microseconds. A parked thread takes
 * tens of microseconds to wake on this VM: a {@code ForkJoinPool} hand-off measured 82 µs per call with trivial
 * work, about 14 ms of every 1.1B token on two threads. Workers and waiting callers therefore spin (with
 * {@link Thread#onSpinWait()}) for {@value #SPIN_NANOS} ns before they park, as ONNX Runtime's and llama.cpp's
 * pools do: back-to-back calls hand over in well under a microsecond, and an idle pool parks and costs nothing.
 *
 * <p>Cost: one small chunk object per extra chunk and call when a call splits ({@link #splits}); single-threaded
 * calls and the kernels' inner loops allocate nothing. Concurrent callers share the workers: a chunk that finds
 * its worker busy runs on its caller instead (same result, less parallel).
 */
public final class Parallel {

    /** Work done for one contiguous chunk {@code [start, end)} of a range of items. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** How long an idle worker, or a caller waiting for its chunks, spins before parking. */
    static final long SPIN_NANOS = 200_000;

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static volatile int threads = Math.max(1, Integer.getInteger("trident.kernels.threads", CORES));
    private static final ThreadLocal<int[]> SEQUENTIAL_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    // The caller runs one chunk itself, so the pool needs one thread fewer than the cores (at least one, so a
    // two-thread test still runs two chunks concurrently on a one-core CI box).
    private static final Worker[] WORKERS = startWorkers(Math.max(1, CORES - 1));

    private Parallel() {
    }

    /** Threads a kernel splits into now (1 inside {@link #sequential} or on a pool worker). */
    public static int threads() {
        if (SEQUENTIAL_DEPTH.get()[0] > 0 || Thread.currentThread() instanceof Worker) {
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
        Chunk[] others = new Chunk[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            Chunk chunk = new Chunk(task, bound(count, c, chunks), bound(count, c + 1, chunks));
            chunk.handedOff = WORKERS[(c - 1) % WORKERS.length].offer(chunk);
            others[c - 1] = chunk;
        }
        Throwable failure = null;
        try {
            task.run(0, bound(count, 1, chunks));
        } catch (Throwable t) {
            failure = t;
        }
        // Chunks no worker took run here, in order, after this thread's own.
        for (Chunk chunk : others) {
            if (!chunk.handedOff) {
                chunk.run();
            }
        }
        for (Chunk chunk : others) {
            if (chunk.handedOff) {
                chunk.await();
            }
            if (failure == null) {
                failure = chunk.failure;
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

    /** Pieces per thread of {@link #forRangeBalanced}: enough that a thread slowed down hands its share over. */
    static final int PIECES_PER_THREAD = 4;

    /**
     * Like {@link #forRange}, but the range is cut into up to {@value #PIECES_PER_THREAD} pieces per thread (at least
     * {@code minPerPiece} items each) that the threads take in turn as they finish theirs. For memory-bound kernels:
     * two cores streaming halves of a matrix finish at different times (on this VM each waited for the other about
     * a fifth of a decode step). Which thread runs a piece never changes its result.
     */
    public static void forRangeBalanced(int count, int minPerPiece, RangeTask task) {
        if (count <= 0) {
            return;
        }
        int threadsNow = threads();
        int pieces = Math.min(threadsNow * PIECES_PER_THREAD, Math.max(1, count / Math.max(1, minPerPiece)));
        if (threadsNow <= 1 || pieces <= threadsNow) {
            forRange(count, minPerPiece, task);
            return;
        }
        takeInTurn(count, pieces, threadsNow, task);
    }

    /**
     * Like {@link #forRangeBalanced} with one item per piece: for items of milliseconds each (a matrix × matrix
     * unit), where a few pieces per thread leave one core idle for most of a piece at the end.
     */
    public static void forEachTaken(int count, RangeTask task) {
        int threadsNow = threads();
        if (threadsNow <= 1 || count <= 1) {
            task.run(0, Math.max(0, count));
            return;
        }
        takeInTurn(count, count, threadsNow, task);
    }

    /** {@code [0, count)} cut into {@code pieces} that {@code threadsNow} threads take in turn as they finish theirs. */
    private static void takeInTurn(int count, int pieces, int threadsNow, RangeTask task) {
        AtomicInteger next = new AtomicInteger();
        forRange(threadsNow, 1, (ignoredStart, ignoredEnd) -> {
            for (int piece = next.getAndIncrement(); piece < pieces; piece = next.getAndIncrement()) {
                task.run(bound(count, piece, pieces), bound(count, piece + 1, pieces));
            }
        });
    }

    /** Start of part {@code part} of {@code [0, count)} cut into {@code parts} near-equal contiguous parts. */
    private static int bound(int count, int part, int parts) {
        return (int) ((long) count * part / parts);
    }

    private static Worker[] startWorkers(int count) {
        Worker[] workers = new Worker[count];
        for (int i = 0; i < count; i++) {
            workers[i] = new Worker("trident-kernel-" + i);
            workers[i].start();
        }
        return workers;
    }

    /** One handed-off chunk: its range, and its completion for the caller that waits on it. */
    private static final class Chunk {
        final RangeTask task;
        final int start;
        final int end;
        final Thread caller = Thread.currentThread();
        /** Whether a worker took it (else its caller runs it); read and written by the caller only. */
        boolean handedOff;
        volatile boolean done;
        volatile boolean callerParked;
        Throwable failure;

        Chunk(RangeTask task, int start, int end) {
            this.task = task;
            this.start = start;
            this.end = end;
        }

        void run() {
            try {
                task.run(start, end);
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Called by the worker after {@link #run()}; {@code failure} is published by the volatile write. */
        void finish() {
            done = true;
            if (callerParked) {
                LockSupport.unpark(caller);
            }
        }

        void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (!done) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    callerParked = true;
                    if (!done) {
                        LockSupport.park(this);
                    }
                    callerParked = false;
                }
            }
        }
    }

    /** A pool thread: takes one chunk at a time from its slot, spinning a while for the next before it parks. */
    private static final class Worker extends Thread {
        private final AtomicReference<Chunk> slot = new AtomicReference<>();
        private volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        /** Hands {@code chunk} to this worker unless it is busy with another caller's. */
        boolean offer(Chunk chunk) {
            if (!slot.compareAndSet(null, chunk)) {
                return false;
            }
            if (parked) {
                LockSupport.unpark(this);
            }
            return true;
        }

        @Override
        public void run() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Chunk chunk = slot.get();
                if (chunk == null) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (slot.get() == null) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                    continue;
                }
                chunk.run();
                // Free the slot before signalling: the caller's next call may hand this worker a chunk at once.
                slot.set(null);
                chunk.finish();
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
