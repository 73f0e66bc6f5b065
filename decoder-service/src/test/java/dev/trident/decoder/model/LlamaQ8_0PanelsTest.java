package dev.trident.decoder.model;

import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Q8_0Panels;
import dev.trident.kernels.tensor.Tensor;
import dev.trident.kernels.testing.OracleReference;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Q8_0 Llama whose projections run from column panels gives the checkpoint back every row-major copy the panels
 * replace (the memory Q8_0 was chosen to save) and keeps the tied embeddings, which are still read by rows; the
 * model then decodes from the panels alone.
 */
class LlamaQ8_0PanelsTest {

    @Test
    void releasesEveryProjectionButNotTiedEmbeddingsAndStillDecodes() throws Exception {
        assumeTrue(Q8_0Panels.supported(), "Q8_0 panels are used on 512- and 256-bit vectors only");
        for (String name : List.of("llama", "llama-tied")) {
            Path dir = OracleReference.resource("/oracle/" + name);
            try (Checkpoint checkpoint = Checkpoint.open(dir, LoadOptions.q8_0())) {
                Recording weights = new Recording(checkpoint);
                LlamaModel model = new LlamaModel(LlamaConfig.from(HfConfig.read(dir)), weights, null);
                List<String> expected = new ArrayList<>(checkpoint.quantizedNames());
                assertThat(weights.released).as(name).containsExactlyInAnyOrderElementsOf(expected);
                float[] logits = model.forward(new int[] {1, 2, 3}, model.newCache(), false);
                assertThat(logits).hasSize(model.vocabSize());
                for (float logit : logits) {
                    assertThat(Float.isFinite(logit)).isTrue();
                }
            }
        }
    }

    /** The checkpoint, recording which names the model releases. */
    private static final class Recording implements WeightSource {
        private final Checkpoint checkpoint;
        private final List<String> released = new ArrayList<>();

        Recording(Checkpoint checkpoint) {
            this.checkpoint = checkpoint;
        }

        @Override
        public SequencedSet<String> names() {
            return checkpoint.names();
        }

        @Override
        public boolean has(String name) {
            return checkpoint.has(name);
        }

        @Override
        public Tensor tensor(String name) {
            return checkpoint.tensor(name);
        }

        @Override
        public Tensor tensor(String name, int... expectedShape) {
            return checkpoint.tensor(name, expectedShape);
        }

        @Override
        public void release(String name) {
            released.add(name);
            checkpoint.release(name);
        }
    }
}
