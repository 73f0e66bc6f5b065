package dev.trident.kernels.load;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {

    @TempDir
    Path tmp;

    private static final Path LLAMA = TestFiles.resource("oracle/llama");

    /** Writes the tensors {@code names} of {@code source} as a new safetensors file (same bytes). */
    private static void writeShard(Checkpoint source, List<String> names, Path file) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String name : names) {
            Tensor t = source.tensor(name);
            long begin = data.size();
            data.write(t.data().toArray(ValueLayout.JAVA_BYTE));
            header.append(",\"").append(name).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":")
                    .append(java.util.Arrays.toString(t.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]}");
        }
        TestFiles.write(file, header.append('}').toString(), data.toByteArray());
    }

    private Path shardedLlama() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("llama-sharded"));
        try (Checkpoint single = Checkpoint.open(LLAMA)) {
            List<String> names = new ArrayList<>(single.names());
            List<String> first = names.subList(0, names.size() / 2);
            List<String> second = names.subList(names.size() / 2, names.size());
            writeShard(single, first, dir.resolve("model-00001-of-00002.safetensors"));
            writeShard(single, second, dir.resolve("model-00002-of-00002.safetensors"));
            StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":0},\"weight_map\":{");
            for (String n : names) {
                index.append(index.charAt(index.length() - 1) == '{' ? "" : ",").append('"').append(n).append("\":\"")
                        .append(first.contains(n) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors")
                        .append('"');
            }
            Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index.append("}}"));
        }
        return dir;
    }

    @Test
    void shardedCheckpointReadsIdenticallyToTheSingleFile() throws IOException {
        Path dir = shardedLlama();
        try (Checkpoint single = Checkpoint.open(LLAMA); Checkpoint sharded = Checkpoint.open(dir)) {
            assertThat(sharded.names()).containsExactlyInAnyOrderElementsOf(single.names());
            assertThat(sharded.fileOf("lm_head.weight").getFileName().toString()).isEqualTo("model-00001-of-00002.safetensors");
            assertThat(sharded.fileOf("model.norm.weight").getFileName().toString()).isEqualTo("model-00002-of-00002.safetensors");
            for (String name : single.names()) {
                Tensor a = single.tensor(name);
                Tensor b = sharded.tensor(name);
                assertThat(b.shape()).as(name).isEqualTo(a.shape());
                assertThat(b.data().mismatch(a.data())).as(name).isEqualTo(-1L);
            }
        }
    }

    @Test
    void shardIndexErrors() throws IOException {
        Path dir = shardedLlama();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors' is missing");

        Path liar = Files.createDirectories(tmp.resolve("liar"));
        Files.copy(LLAMA.resolve("model.safetensors"), liar.resolve("a.safetensors"));
        Files.writeString(liar.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\":{\"ghost.weight\":\"a.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(liar)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'ghost.weight'").hasMessageContaining("does not contain it");

        Files.writeString(liar.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\":{\"x\":\"../a.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(liar)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a file in the model folder");

        Files.writeString(liar.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": ");
        assertThatThrownBy(() -> Checkpoint.open(liar)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(Checkpoint.INDEX_FILE).hasMessageContaining("not valid JSON");

        Files.writeString(liar.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{}}");
        assertThatThrownBy(() -> Checkpoint.open(liar)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("weight_map");
    }

    @Test
    void emptyOrMissingFolder() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> Checkpoint.open(empty)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(empty.toString()).hasMessageContaining("no model.safetensors");
        assertThatThrownBy(() -> Checkpoint.open(tmp.resolve("nowhere"))).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model folder not found");
    }

    @Test
    void typedGettersNameTheTensorAndBothShapes() {
        try (Checkpoint ck = Checkpoint.open(LLAMA)) {
            assertThat(ck.has("model.norm.weight")).isTrue();
            assertThat(ck.tensor("model.embed_tokens.weight", 1000, 32).dim(0)).isEqualTo(1000);
            assertThat(ck.tensor("model.norm.weight", DType.F32, 32).rank()).isEqualTo(1);
            assertThatThrownBy(() -> ck.tensor("model.embed_tokens.weight", 32, 1000))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'model.embed_tokens.weight'")
                    .hasMessageContaining("expected shape [32, 1000]")
                    .hasMessageContaining("has [1000, 32]");
            assertThatThrownBy(() -> ck.tensor("model.norm.weight", DType.BF16, 32))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'model.norm.weight'").hasMessageContaining("expected dtype BF16 but it is F32");
            assertThatThrownBy(() -> ck.tensor("layers.0.mlp.up_proj.weight"))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'layers.0.mlp.up_proj.weight'")
                    .hasMessageContaining(LLAMA.toString())
                    .hasMessageContaining("missing from the checkpoint")
                    .hasMessageContaining("did you mean 'model.layers.0.mlp.up_proj.weight'");
        }
    }

    @Test
    void singleFileCanBeOpenedDirectly() {
        try (Checkpoint ck = Checkpoint.open(LLAMA.resolve("model.safetensors"))) {
            assertThat(ck.names()).hasSize(21);
            assertThat(ck.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void q8_0AtLoadQuantizesMatricesButNotEmbeddingsOrNorms() {
        try (Checkpoint mapped = Checkpoint.open(LLAMA); Checkpoint q = Checkpoint.open(LLAMA, LoadOptions.q8_0())) {
            assertThat(q.quantizedNames())
                    .contains("lm_head.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.gate_proj.weight")
                    .doesNotContain("model.embed_tokens.weight", "model.norm.weight", "model.layers.0.input_layernorm.weight");
            // down_proj is [32, 64] and q_proj [32, 32]: all 7 matrices of both layers, plus lm_head.
            assertThat(q.quantizedNames()).hasSize(15);
            for (String name : q.names()) {
                Tensor a = mapped.tensor(name);
                Tensor b = q.tensor(name);
                assertThat(b.shape()).isEqualTo(a.shape());
                if (!q.quantizedNames().contains(name)) {
                    assertThat(b.dtype()).isEqualTo(DType.F32);
                    continue;
                }
                assertThat(b.dtype()).isEqualTo(DType.Q8_0);
                for (long blk = 0; blk < a.elementCount() / 32; blk++) {
                    float amax = 0;
                    for (int i = 0; i < 32; i++) {
                        amax = Math.max(amax, Math.abs(a.getFloat(blk * 32 + i)));
                    }
                    float bound = Q8_0.errorBound(amax);
                    for (int i = 0; i < 32; i++) {
                        long k = blk * 32 + i;
                        assertThat(Math.abs(b.getFloat(k) - a.getFloat(k))).as(name + "[" + k + "]").isLessThanOrEqualTo(bound);
                    }
                }
            }
            assertThatThrownBy(() -> q.tensor("lm_head.weight", DType.F32, 1000, 32))
                    .hasMessageContaining("quantized at load");
        }
    }

    @Test
    void aReleasedQuantizedCopyIsFreedAndMadeAgainWhenAskedFor() {
        try (Checkpoint q = Checkpoint.open(LLAMA, LoadOptions.q8_0())) {
            String name = "model.layers.0.mlp.down_proj.weight";
            Tensor before = q.tensor(name);
            byte[] bits = before.data().toArray(ValueLayout.JAVA_BYTE);
            q.release(name);
            assertThatThrownBy(() -> before.data().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
            Tensor again = q.tensor(name);
            assertThat(again.dtype()).isEqualTo(DType.Q8_0);
            assertThat(again.data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bits);
            assertThat(q.quantizedNames()).contains(name);
            // A mapped tensor has no copy to free: it stays readable.
            Tensor norm = q.tensor("model.norm.weight");
            q.release("model.norm.weight");
            assertThat(norm.getFloat(0)).isEqualTo(q.tensor("model.norm.weight").getFloat(0));
        }
    }

    @Test
    void q8_0WithACustomPredicate() {
        try (Checkpoint q = Checkpoint.open(LLAMA, LoadOptions.q8_0(name -> name.contains("embed_tokens")))) {
            assertThat(q.quantizedNames()).containsExactly("model.embed_tokens.weight");
        }
    }

    @Test
    void q8_0RefusesNonFiniteWeightsNamingThem() {
        Path f = TestFiles.write(tmp.resolve("nan.safetensors"),
                "{\"w.weight\":{\"dtype\":\"F32\",\"shape\":[1,32],\"data_offsets\":[0,128]}}",
                TestFiles.f32(new float[] {Float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        assertThatThrownBy(() -> Checkpoint.open(f, LoadOptions.q8_0()))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'w.weight'").hasMessageContaining("non-finite");
    }

    @Test
    void defaultPredicate() {
        var p = LoadOptions.MATRIX_WEIGHTS;
        assertThat(p.test("model.layers.3.self_attn.o_proj.weight")).isTrue();
        assertThat(p.test("encoder.block.0.layer.1.DenseReluDense.wi_0.weight")).isTrue();
        assertThat(p.test("bert.encoder.layer.0.attention.self.query.weight")).isTrue();
        assertThat(p.test("lm_head.weight")).isTrue();
        assertThat(p.test("model.embed_tokens.weight")).isFalse();
        assertThat(p.test("shared.weight")).isFalse();
        assertThat(p.test("transformer.wte.weight")).isFalse();
        assertThat(p.test("bert.embeddings.LayerNorm.weight")).isFalse();
        assertThat(p.test("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")).isFalse();
        assertThat(p.test("model.layers.0.self_attn.q_proj.bias")).isFalse();
    }
}
