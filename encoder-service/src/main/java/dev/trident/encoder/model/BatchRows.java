package dev.trident.encoder.model;

import java.util.Arrays;

/**
 * The rows of a padded batch that a forward pass computes, and where each sequence's rows lie among them.
 *
 * <p>Two layouts:
 * <ul>
 *   <li><b>padded</b>: every position, {@code batch · seqLen} rows, padding keys masked in attention. HF computes
 *       this, and the golden tests compare padded positions too.</li>
 *   <li><b>real tokens only</b> (as TEI batches): the real tokens of all sequences packed one after another, so the
 *       Linear layers multiply no padding and each sequence attends over exactly its own tokens. A real token's
 *       state is the same function of its sequence in both layouts (HF's mask excludes exactly the padding keys);
 *       only the summation order inside softmax may differ. Used when the batch is right-padded (each row's real
 *       tokens first), so that position ids and the {@code [CLS]} row are where HF has them.</li>
 * </ul>
 */
final class BatchRows {

    /** Rows computed. */
    final int rows;
    /** Per sequence: its first computed row. */
    final int[] start;
    /** Per sequence: its computed rows (its attention's query and key count). */
    final int[] length;
    /** Per sequence: key flags over its computed rows, or null when every computed row is a real token. */
    final boolean[][] keyValid;
    /** Per padded position {@code b·seqLen + t}: its computed row, or -1 when it is not computed. */
    private final int[] rowOfPosition;
    private final int positions;

    private BatchRows(int rows, int[] start, int[] length, boolean[][] keyValid, int[] rowOfPosition) {
        this.rows = rows;
        this.start = start;
        this.length = length;
        this.keyValid = keyValid;
        this.rowOfPosition = rowOfPosition;
        this.positions = rowOfPosition.length;
    }

    /** Padded layout when {@code paddingRows} or when the batch is not right-padded, else real tokens only. */
    static BatchRows of(EncoderBatch batch, boolean paddingRows) {
        int batchSize = batch.batchSize();
        int seqLen = batch.seqLen();
        int[] start = new int[batchSize];
        int[] length = new int[batchSize];
        int[] rowOf = new int[batch.tokens()];
        if (!paddingRows && isRightPadded(batch)) {
            Arrays.fill(rowOf, -1);
            int rows = 0;
            for (int b = 0; b < batchSize; b++) {
                start[b] = rows;
                length[b] = batch.length(b);
                for (int t = 0; t < length[b]; t++) {
                    rowOf[b * seqLen + t] = rows++;
                }
            }
            return new BatchRows(rows, start, length, null, rowOf);
        }
        for (int b = 0; b < batchSize; b++) {
            start[b] = b * seqLen;
            length[b] = seqLen;
        }
        for (int i = 0; i < rowOf.length; i++) {
            rowOf[i] = i;
        }
        return new BatchRows(batch.tokens(), start, length, batch.keyValid(), rowOf);
    }

    /** Every row's mask is 1 for its first tokens and 0 after them. */
    private static boolean isRightPadded(EncoderBatch batch) {
        int seqLen = batch.seqLen();
        int[] mask = batch.attentionMask();
        for (int b = 0; b < batch.batchSize(); b++) {
            boolean padding = false;
            for (int t = 0; t < seqLen; t++) {
                boolean real = mask[b * seqLen + t] != 0;
                if (real && padding) {
                    return false;
                }
                padding |= !real;
            }
        }
        return true;
    }

    /** Whether every padded position is computed (then computed row {@code i} is position {@code i}). */
    boolean isPadded() {
        return rows == positions;
    }

    /** The computed row of padded position {@code i}, or -1. */
    int rowOf(int position) {
        return rowOfPosition[position];
    }

    /**
     * {@code computed [rows][width]} laid out as {@code [positions][width]}, zero where nothing was computed: the
     * array itself in the padded layout, else a new one.
     */
    float[] toPadded(float[] computed, int width) {
        return isPadded() ? computed : paddedCopy(computed, width);
    }

    /** Like {@link #toPadded}, always into a new array (a snapshot of one layer's output). */
    float[] paddedCopy(float[] computed, int width) {
        if (isPadded()) {
            return computed.clone();
        }
        float[] padded = new float[positions * width];
        for (int i = 0; i < positions; i++) {
            int row = rowOfPosition[i];
            if (row >= 0) {
                System.arraycopy(computed, row * width, padded, i * width, width);
            }
        }
        return padded;
    }
}
