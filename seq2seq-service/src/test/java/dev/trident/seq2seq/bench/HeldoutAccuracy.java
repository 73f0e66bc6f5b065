package dev.trident.seq2seq.bench;

import dev.trident.kernels.load.BundledModel;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.seq2seq.inference.Seq2SeqModel;
import dev.trident.seq2seq.model.Seq2SeqLms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Exact-match accuracy of the default model over {@code heldout.tsv} (40 000 {@code input<TAB>expected} pairs, both
 * directions), greedy and optionally beam 4, to compare with the accuracy its reference.json reports.
 * Run with {@code ops/bench/seq2seq-heldout [PATH_TO_heldout.tsv] [--beam]}; the line goes to
 * {@code ops/bench/results/seq2seq-heldout-<mode>-<date>.txt} too.
 */
public final class HeldoutAccuracy {

    public static void main(String[] args) throws Exception {
        Path heldout = Path.of("../shared/models/t5-numbers-en-fr/heldout.tsv");
        boolean beam = false;
        for (String arg : args) {
            if (arg.equals("--beam")) {
                beam = true;
            } else {
                heldout = Path.of(arg);
            }
        }
        Path dir = BundledModel.unpack("/models/t5-numbers-en-fr", List.of("config.json", "generation_config.json",
                "model.safetensors", "spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
                HeldoutAccuracy.class);
        Tokenizer tokenizer = HfTokenizer.open(dir);
        try (Seq2SeqModel model = new Seq2SeqModel("t5-numbers-en-fr", Seq2SeqLms.load(dir, LoadOptions.mapped()), tokenizer,
                List.of(), null, 128, dev.trident.seq2seq.inference.GenerationDefaults.HF)) {
            List<String> lines = Files.readAllLines(heldout);
            int[][] hits = new int[2][2]; // [direction en-fr / fr-en][total, correct]
            long start = System.nanoTime();
            for (String line : lines) {
                int tab = line.indexOf('\t');
                String input = line.substring(0, tab);
                String expected = line.substring(tab + 1);
                int direction = input.startsWith("translate English to French") ? 0 : 1;
                int[] ids = tokenizer.encode(input, true).ids();
                String got = model.generate(ids, model.options(beam ? 4 : 1, 23, 1.0, false, 1)).getFirst().text();
                hits[direction][0]++;
                if (got.equals(expected)) {
                    hits[direction][1]++;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String result = String.format("%s over %d pairs in %.0f s: English->French %.3f %% (%d/%d), French->English %.3f %% (%d/%d)",
                    beam ? "beam 4" : "greedy", lines.size(), seconds,
                    100.0 * hits[0][1] / hits[0][0], hits[0][1], hits[0][0], 100.0 * hits[1][1] / hits[1][0], hits[1][1], hits[1][0]);
            System.out.println(result);
            Path out = Path.of("ops/bench/results/seq2seq-heldout-" + (beam ? "beam4-" : "greedy-")
                    + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm")) + ".txt");
            if (Files.isDirectory(Path.of("ops/bench/results"))) {
                Files.writeString(out, result + System.lineSeparator());
                System.out.println("written to " + out);
            }
        }
    }
}
