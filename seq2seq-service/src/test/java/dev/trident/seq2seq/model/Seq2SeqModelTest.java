package dev.trident.seq2seq.model;

import dev.trident.kernels.testing.OracleReference;

import dev.trident.kernels.load.CheckpointException;
import dev.trident.kernels.load.LoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the golden tests do not reach: T5's buckets, padding masks, forked decoder states, loading errors. */
class Seq2SeqModelTest {

    @Test
    void t5RelativePositionBucketsFollowHf() {
        // Bidirectional (encoder), 32 buckets, max distance 128: 16 per direction, 8 exact, then log-spaced.
        int[][] bidirectional = {{0, 0}, {-1, 1}, {-7, 7}, {-8, 8}, {-16, 10}, {-127, 15}, {-128, 15}, {-1000, 15},
                {1, 17}, {7, 23}, {8, 24}, {16, 26}, {200, 31}};
        for (int[] c : bidirectional) {
            assertThat(T5Model.relativePositionBucket(c[0], true, 32, 128)).as("bidirectional %d", c[0]).isEqualTo(c[1]);
        }
        // Unidirectional (decoder): keys after the query fall in bucket 0; 16 exact, then log-spaced.
        int[][] causal = {{3, 0}, {0, 0}, {-5, 5}, {-15, 15}, {-16, 16}, {-32, 21}, {-128, 31}, {-5000, 31}};
        for (int[] c : causal) {
            assertThat(T5Model.relativePositionBucket(c[0], false, 32, 128)).as("causal %d", c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void marianSinusoidsPutSinesFirstAndCosinesSecond() {
        float[] table = BartModel.sinusoidalTable(3, 4);
        // position 0: sin 0 = 0, cos 0 = 1
        assertThat(Arrays.copyOfRange(table, 0, 4)).containsExactly(0f, 0f, 1f, 1f);
        // position 2, d = 4: frequencies 1 and 1/100
        assertThat(Arrays.copyOfRange(table, 8, 12)).containsExactly((float) Math.sin(2), (float) Math.sin(0.02),
                (float) Math.cos(2), (float) Math.cos(0.02));
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5", "t5-gated-gelu", "bart", "marian"})
    void paddingKeysDoNotChangeRealPositionsOrLogits(String name) throws Exception {
        try (Seq2SeqLm model = Seq2SeqLms.load(OracleReference.resource("/oracle/" + name), LoadOptions.mapped())) {
            int[] ids = {30, 987, 486, 470, 1};
            int[] padded = Arrays.copyOf(ids, ids.length + 3);
            Arrays.fill(padded, ids.length, padded.length, model.padTokenId());
            boolean[] mask = new boolean[padded.length];
            Arrays.fill(mask, 0, ids.length, true);
            EncoderOutput plain = model.encode(ids, null);
            EncoderOutput masked = model.encode(padded, mask);
            int d = model.hiddenSize();
            OracleReference.assertClose(name + " real rows", Arrays.copyOf(masked.hidden(), ids.length * d), plain.hidden());
            int[] target = {model.decoderStartTokenId(), 14, 600};
            OracleReference.assertClose(name + " logits", model.decode(target, model.newDecoderState(masked), true),
                    model.decode(target, model.newDecoderState(plain), true));
        }
    }

    @Test
    void aForkedStateContinuesIndependently() throws Exception {
        try (Seq2SeqLm model = Seq2SeqLms.load(OracleReference.resource("/oracle/t5"), LoadOptions.mapped())) {
            EncoderOutput encoded = model.encode(new int[] {30, 987, 486, 1}, null);
            DecoderState state = model.newDecoderState(encoded);
            model.decode(new int[] {0, 14}, state, false);
            DecoderState fork = state.fork();
            float[] viaFork = model.decode(new int[] {600}, fork, false);
            float[] other = model.decode(new int[] {302}, state, false);
            assertThat(fork.length()).isEqualTo(3);
            assertThat(state.length()).isEqualTo(3);
            float[] full = model.decode(new int[] {0, 14, 600}, model.newDecoderState(encoded), false);
            float[] fullOther = model.decode(new int[] {0, 14, 302}, model.newDecoderState(encoded), false);
            OracleReference.assertClose("fork", viaFork, full);
            OracleReference.assertClose("original after fork", other, fullOther);
        }
    }

    @Test
    void anUnknownModelTypeIsRefusedByName(@TempDir Path dir) throws Exception {
        Path source = OracleReference.resource("/oracle/t5");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        Files.copy(source.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        assertThatThrownBy(() -> Seq2SeqLms.load(dir, LoadOptions.mapped()))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("gpt2");
    }
}
