package dev.trident.kernels.load;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfConfigTest {

    private static LlamaConfig parse(String json) {
        return LlamaConfig.from(HfConfig.parse(json, Path.of("test-config.json")));
    }

    @Test
    void defaultsAreTransformersDefaults() {
        LlamaConfig d = LlamaConfig.defaults();
        assertThat(d).isEqualTo(new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 128, "silu", 2048, 0.02, 1e-6,
                null, 1, List.of(2), 1, false, 10000.0, null, false, 0.0, false));
    }

    @Test
    void oracleLlama() {
        HfConfig raw = HfConfig.read(TestFiles.resource("oracle/llama"));
        assertThat(raw.modelType()).isEqualTo("llama");
        assertThat(raw.architectures()).containsExactly("LlamaForCausalLM");
        LlamaConfig c = LlamaConfig.from(raw);
        assertThat(c.vocabSize()).isEqualTo(1000);
        assertThat(c.hiddenSize()).isEqualTo(32);
        assertThat(c.intermediateSize()).isEqualTo(64);
        assertThat(c.numHiddenLayers()).isEqualTo(2);
        assertThat(c.numAttentionHeads()).isEqualTo(4);
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(8);
        assertThat(c.padTokenId()).isEqualTo(0);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.ropeScaling()).isNull();
        // The shapes the config implies are exactly the checkpoint's.
        try (Checkpoint ck = Checkpoint.open(TestFiles.resource("oracle/llama"))) {
            int kv = c.numKeyValueHeads() * c.headDim();
            for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
                String p = "model.layers." + layer + ".";
                ck.tensor(p + "self_attn.q_proj.weight", c.numAttentionHeads() * c.headDim(), c.hiddenSize());
                ck.tensor(p + "self_attn.k_proj.weight", kv, c.hiddenSize());
                ck.tensor(p + "self_attn.v_proj.weight", kv, c.hiddenSize());
                ck.tensor(p + "mlp.down_proj.weight", c.hiddenSize(), c.intermediateSize());
            }
            ck.tensor("lm_head.weight", c.vocabSize(), c.hiddenSize());
        }
        assertThat(LlamaConfig.read(TestFiles.resource("oracle/llama-tied")).tieWordEmbeddings()).isTrue();
    }

    @Test
    void stories260K() {
        LlamaConfig c = LlamaConfig.read(TestFiles.resource("models/stories260K/config.json"));
        assertThat(c.hiddenSize()).isEqualTo(64);
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(8);
        assertThat(c.rmsNormEps()).isEqualTo(1e-5);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.padTokenId()).isNull();
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
    }

    @Test
    void kvHeadsHeadDimAndEosVariants() {
        LlamaConfig c = parse("{\"num_attention_heads\":8,\"hidden_size\":512,\"eos_token_id\":[128001,128009],"
                + "\"bos_token_id\":null,\"rope_theta\":500000}");
        assertThat(c.numKeyValueHeads()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.eosTokenIds()).containsExactly(128001, 128009);
        assertThat(c.bosTokenId()).isNull();
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(parse("{\"head_dim\":128,\"hidden_size\":3072,\"num_attention_heads\":32}").headDim()).isEqualTo(128);
    }

    @Test
    void ropeScaling() {
        LlamaConfig l3 = parse("{\"rope_scaling\":{\"factor\":32.0,\"high_freq_factor\":4.0,\"low_freq_factor\":1.0,"
                + "\"original_max_position_embeddings\":8192,\"rope_type\":\"llama3\"}}");
        assertThat(l3.ropeScaling()).isEqualTo(new LlamaConfig.RopeScaling("llama3", 32.0, 1.0, 4.0, 8192));
        LlamaConfig linear = parse("{\"rope_scaling\":{\"type\":\"linear\",\"factor\":2}}");
        assertThat(linear.ropeScaling()).isEqualTo(new LlamaConfig.RopeScaling("linear", 2.0, null, null, null));
        assertThatThrownBy(() -> parse("{\"rope_scaling\":{\"type\":\"yarn\",\"factor\":4}}"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("'yarn' is not supported");
        assertThatThrownBy(() -> parse("{\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8}}"))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("low_freq_factor");
    }

    @Test
    void wrongTypesAndImpossibleHeadsFailNamingFileAndKey() {
        assertThatThrownBy(() -> parse("{\"hidden_size\":\"64\"}")).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("test-config.json").hasMessageContaining("'hidden_size'").hasMessageContaining("an integer");
        assertThatThrownBy(() -> parse("{\"num_hidden_layers\":2.5}")).hasMessageContaining("'num_hidden_layers'");
        assertThatThrownBy(() -> parse("{\"tie_word_embeddings\":1}")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> parse("{\"num_attention_heads\":8,\"num_key_value_heads\":3}"))
                .hasMessageContaining("'num_key_value_heads'").hasMessageContaining("must divide");
        assertThatThrownBy(() -> parse("{\"hidden_size\":100,\"num_attention_heads\":8}"))
                .hasMessageContaining("not a multiple");
        assertThatThrownBy(() -> HfConfig.parse("{oops", Path.of("bad.json"))).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("bad.json").hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> HfConfig.parse("{}", Path.of("c.json")).modelType()).hasMessageContaining("'model_type'");
    }
}
