package dev.trident.seq2seq.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trident.kernels.testing.OracleReference;
import dev.trident.kernels.tokenize.MarianTokenizer;
import dev.trident.seq2seq.config.Seq2SeqSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.env.MockEnvironment;

/**
 * A Marian folder with {@code source.spm} / {@code target.spm} + {@code vocab.json} and no tokenizer.json is served
 * with text, not ids-only: the oracle Marian weights with a SentencePiece model and vocabulary written here.
 */
class MarianFolderTest {

    @Test
    void marianSpmFilesGiveTheModelATokenizer(@TempDir Path dir) throws Exception {
        Path oracle = OracleReference.resource("/oracle/marian");
        Files.copy(oracle.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(oracle.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Path spm = Path.of(MarianFolderTest.class.getResource("/models/t5-numbers-en-fr/spiece.model").toURI());
        Files.copy(spm, dir.resolve("source.spm"));
        Files.copy(spm, dir.resolve("target.spm"));
        // Marian's layout: </s> 0 (the config's eos), <unk> 1, pieces, <pad> 999 (pad and decoder start).
        Files.writeString(dir.resolve("vocab.json"), "{\"</s>\": 0, \"<unk>\": 1, \"\u2581six\": 17, \"\u2581cent\": 230,"
                + " \"\u2581trente\": 411, \"-\": 5, \"quatre\": 902, \"<pad>\": 999}");
        MockEnvironment environment = new MockEnvironment().withProperty("model", dir.toString());
        try (Seq2SeqRegistry registry = new Seq2SeqRegistry(new Seq2SeqSettings(List.of()), environment)) {
            Seq2SeqModel model = registry.get(null);
            assertThat(model.tokenizer()).isInstanceOf(MarianTokenizer.class);
            int[] ids = model.tokenizer().encode("six cent trente-quatre", true).ids();
            assertThat(ids).containsExactly(17, 230, 411, 5, 902, 0);
            List<Seq2SeqModel.Output> out = model.generate(ids, model.options(1, 6, 1.0, false, 1));
            assertThat(out.getFirst().text()).isEqualTo(model.tokenizer().decode(out.getFirst().ids(), true));
        }
    }
}
