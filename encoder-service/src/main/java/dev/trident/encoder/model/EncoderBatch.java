package dev.trident.encoder.model;

import java.util.Arrays;
import java.util.List;

/**
 * A right-padded batch, flat and row-major {@code [batchSize][seqLen]}: ids, HF's {@code attention_mask} (1 for a
 * real token, 0 for padding) and {@code token_type_ids} (segment A/B; zeros when the caller has none).
 */
public record EncoderBatch(int batchSize, int seqLen, int[] inputIds, int[] attentionMask, int[] tokenTypeIds) {

    public EncoderBatch {
        int n = batchSize * seqLen;
        if (batchSize <= 0 || seqLen <= 0 || inputIds.length != n || attentionMask.length != n || tokenTypeIds.length != n) {
            throw new IllegalArgumentException("batch " + batchSize + " x " + seqLen + " needs " + n
                    + " ids, mask flags and token types; got " + inputIds.length + ", " + attentionMask.length + ", "
                    + tokenTypeIds.length);
        }
        for (int b = 0; b < batchSize; b++) {
            boolean any = false;
            for (int t = 0; t < seqLen && !any; t++) {
                any = attentionMask[b * seqLen + t] != 0;
            }
            if (!any) {
                throw new IllegalArgumentException("row " + b + " of the batch has no token to attend to (attention mask all 0)");
            }
        }
    }

    /**
     * Pads {@code ids} on the right to the longest row with {@code padId}, masking the padding out.
     *
     * @param tokenTypes null for all zeros, else one array per row, as long as its ids
     */
    public static EncoderBatch pad(List<int[]> ids, List<int[]> tokenTypes, int padId) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        if (tokenTypes != null && tokenTypes.size() != ids.size()) {
            throw new IllegalArgumentException(ids.size() + " rows of ids but " + tokenTypes.size() + " of token types");
        }
        int seqLen = 0;
        for (int[] row : ids) {
            if (row.length == 0) {
                throw new IllegalArgumentException("a row of the batch has no tokens");
            }
            seqLen = Math.max(seqLen, row.length);
        }
        int batch = ids.size();
        int[] flatIds = new int[batch * seqLen];
        int[] mask = new int[batch * seqLen];
        int[] types = new int[batch * seqLen];
        Arrays.fill(flatIds, padId);
        for (int b = 0; b < batch; b++) {
            int[] row = ids.get(b);
            System.arraycopy(row, 0, flatIds, b * seqLen, row.length);
            Arrays.fill(mask, b * seqLen, b * seqLen + row.length, 1);
            if (tokenTypes != null) {
                int[] typeRow = tokenTypes.get(b);
                if (typeRow.length != row.length) {
                    throw new IllegalArgumentException("row " + b + ": " + row.length + " ids but " + typeRow.length + " token types");
                }
                System.arraycopy(typeRow, 0, types, b * seqLen, typeRow.length);
            }
        }
        return new EncoderBatch(batch, seqLen, flatIds, mask, types);
    }

    /** From nested arrays as in HF's inputs ({@code tokenTypeIds} may be null). */
    public static EncoderBatch of(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        int batch = inputIds.length;
        int seqLen = inputIds[0].length;
        return new EncoderBatch(batch, seqLen, flatten(inputIds, seqLen), flatten(attentionMask, seqLen),
                tokenTypeIds == null ? new int[batch * seqLen] : flatten(tokenTypeIds, seqLen));
    }

    private static int[] flatten(int[][] rows, int seqLen) {
        int[] out = new int[rows.length * seqLen];
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != seqLen) {
                throw new IllegalArgumentException("row " + b + " has " + rows[b].length + " entries, expected " + seqLen);
            }
            System.arraycopy(rows[b], 0, out, b * seqLen, seqLen);
        }
        return out;
    }

    public int tokens() {
        return batchSize * seqLen;
    }

    /** Real (unpadded) tokens of row {@code b}. */
    public int length(int b) {
        int n = 0;
        for (int t = 0; t < seqLen; t++) {
            n += attentionMask[b * seqLen + t] != 0 ? 1 : 0;
        }
        return n;
    }

    /** Per row, false for padding keys: the form {@code Attention} masks with. */
    boolean[][] keyValid() {
        boolean[][] valid = new boolean[batchSize][seqLen];
        for (int b = 0; b < batchSize; b++) {
            for (int t = 0; t < seqLen; t++) {
                valid[b][t] = attentionMask[b * seqLen + t] != 0;
            }
        }
        return valid;
    }
}
