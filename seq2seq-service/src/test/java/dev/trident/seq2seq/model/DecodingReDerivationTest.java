package dev.trident.seq2seq.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.testing.OracleReference;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy and beam search with processors on the oracle models and the default model, against a re-derivation written
 * here straight from HF's Python (no KV-cache reuse, no forks, no shared code with the searches: every candidate's
 * logits come from decoding its whole prefix on a fresh state; n-gram bans and eos bans done with sets and counts).
 * The oracle's own beam output repeats one token ten times, so no_repeat_ngram has to change it.
 */
class DecodingReDerivationTest {

    static Stream<Arguments> beamCases() {
        return Stream.of(
                // model, beams, new tokens, length penalty, early stopping, ngram, min new tokens, use eos, return
                Arguments.of("/oracle/t5", 3, 10, 1.0, EarlyStopping.FALSE, 2, 0, false, 3),
                Arguments.of("/oracle/t5-gated-gelu", 3, 8, 1.0, EarlyStopping.FALSE, 3, 0, false, 2),
                Arguments.of("/oracle/bart", 3, 8, 0.5, EarlyStopping.FALSE, 2, 0, true, 3),
                Arguments.of("/oracle/marian", 4, 8, 2.0, EarlyStopping.NEVER, 2, 3, true, 2),
                Arguments.of("/oracle/t5", 3, 10, 1.0, EarlyStopping.TRUE, 1, 4, true, 1),
                Arguments.of("/models/t5-numbers-en-fr", 4, 23, 1.0, EarlyStopping.FALSE, 2, 0, true, 4),
                Arguments.of("/models/t5-numbers-en-fr", 4, 23, -1.0, EarlyStopping.NEVER, 3, 6, true, 2),
                Arguments.of("/models/t5-numbers-en-fr", 3, 23, 2.0, EarlyStopping.NEVER, 0, 12, true, 3),
                Arguments.of("/models/t5-numbers-en-fr", 2, 23, 1.0, EarlyStopping.TRUE, 2, 0, true, 2));
    }

    private static final int[] T5_NUMBERS_INPUT = {6, 16, 7, 9, 15, 14, 11, 6, 19, 10, 8, 21, 5, 44, 3, 60, 1};
    private static final int[] ORACLE_INPUT = {30, 987, 486, 470, 563, 718, 1};

    private static Path dir(String resource) throws Exception {
        return resource.startsWith("/models")
                ? Path.of(DecodingReDerivationTest.class.getResource(resource + "/config.json").toURI()).getParent()
                : OracleReference.resource(resource);
    }

    private static int[] input(String resource) {
        return resource.startsWith("/models") ? T5_NUMBERS_INPUT : ORACLE_INPUT;
    }

    @ParameterizedTest
    @MethodSource("beamCases")
    void beamSearchWithProcessorsEqualsTheReDerivation(String resource, int beams, int maxNew, double lengthPenalty,
                                                      EarlyStopping early, int ngram, int minNew, boolean useEos,
                                                      int returned) throws Exception {
        try (Seq2SeqLm model = Seq2SeqLms.load(dir(resource), LoadOptions.mapped())) {
            int eos = useEos ? model.eosTokenId() : -1;
            EncoderOutput encoded = model.encode(input(resource), null);
            DecodingOptions options = new DecodingOptions(maxNew, minNew, 0, beams, returned, lengthPenalty, early,
                    ngram, false, 1.0, 50, 1.0, 0L, eos);
            List<Generation.Hypothesis> found = Generation.generate(model, encoded, options);
            List<Generation.Hypothesis> expected = referenceBeam(model, encoded, options);
            assertThat(found).hasSize(returned);
            for (int i = 0; i < returned; i++) {
                assertThat(found.get(i).sequence()).as("%s hypothesis %d", resource, i)
                        .containsExactly(expected.get(i).sequence());
                assertThat(found.get(i).score()).as("%s score %d", resource, i)
                        .isCloseTo(expected.get(i).score(), within(1e-6f));
                assertNoRepeatedNgram(found.get(i).sequence(), ngram);
                if (eos >= 0 && endsWith(found.get(i).sequence(), eos)) {
                    assertThat(found.get(i).sequence().length - 1).isGreaterThanOrEqualTo(minNew);
                }
            }
        }
    }

    @Test
    void noRepeatNgramChangesTheOraclesRepetitiveBeams() throws Exception {
        try (Seq2SeqLm model = Seq2SeqLms.load(dir("/oracle/t5"), LoadOptions.mapped())) {
            EncoderOutput encoded = model.encode(ORACLE_INPUT, null);
            int[] plain = Generation.beamSearch(model, encoded, new Generation.BeamOptions(3, 10, 1.0, false, -1, 1))
                    .getFirst().sequence();
            DecodingOptions banned = new DecodingOptions(10, 0, 0, 3, 1, 1.0, EarlyStopping.FALSE, 2, false, 1.0, 50,
                    1.0, 0L, -1);
            int[] constrained = Generation.generate(model, encoded, banned).getFirst().sequence();
            assertThat(plain).containsExactly(0, 228, 228, 228, 228, 228, 228, 228, 228, 228, 228);
            assertThat(constrained).isNotEqualTo(plain);
            assertNoRepeatedNgram(constrained, 2);
        }
    }

    @ParameterizedTest
    @MethodSource("greedyCases")
    void greedyWithProcessorsEqualsTheReDerivation(String resource, int ngram, int minNew, int minLength) throws Exception {
        try (Seq2SeqLm model = Seq2SeqLms.load(dir(resource), LoadOptions.mapped())) {
            EncoderOutput encoded = model.encode(input(resource), null);
            int eos = model.eosTokenId();
            DecodingOptions options = new DecodingOptions(15, minNew, minLength, 1, 1, 1.0, EarlyStopping.FALSE, ngram,
                    false, 1.0, 50, 1.0, 0L, eos);
            int[] found = Generation.generate(model, encoded, options).getFirst().sequence();
            List<Integer> seq = new ArrayList<>(List.of(model.decoderStartTokenId()));
            while (seq.size() < 16) {
                float[] logits = lastLogits(model, encoded, seq);
                ban(logits, seq, ngram, minNew, minLength, eos);
                int best = 0;
                for (int t = 1; t < logits.length; t++) {
                    if (logits[t] > logits[best]) {
                        best = t;
                    }
                }
                seq.add(best);
                if (best == eos) {
                    break;
                }
            }
            assertThat(found).containsExactly(seq.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    static Stream<Arguments> greedyCases() {
        return Stream.of(Arguments.of("/oracle/t5", 2, 0, 0), Arguments.of("/oracle/bart", 3, 5, 0),
                Arguments.of("/oracle/marian", 0, 0, 9), Arguments.of("/models/t5-numbers-en-fr", 0, 12, 0),
                Arguments.of("/models/t5-numbers-en-fr", 2, 0, 0));
    }

    /** The logits after {@code seq}, decoding the whole prefix one token at a time on a fresh state. */
    private static float[] lastLogits(Seq2SeqLm model, EncoderOutput encoded, List<Integer> seq) {
        DecoderState state = model.newDecoderState(encoded);
        float[] logits = null;
        for (int token : seq) {
            logits = model.decode(new int[] {token}, state, false);
        }
        return logits;
    }

    /** HF's bans, written plainly: n-grams as sets of lists, the eos while too short. */
    private static void ban(float[] scores, List<Integer> seq, int ngram, int minNew, int minLength, int eos) {
        if (ngram > 0 && seq.size() + 1 >= ngram) {
            List<Integer> tail = seq.subList(seq.size() - (ngram - 1), seq.size());
            for (int s = 0; s + ngram <= seq.size(); s++) {
                if (seq.subList(s, s + ngram - 1).equals(tail)) {
                    scores[seq.get(s + ngram - 1)] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        if (eos >= 0 && (seq.size() - 1 < minNew || seq.size() < minLength)) {
            scores[eos] = Float.NEGATIVE_INFINITY;
        }
    }

    private record Hyp(double score, int[] seq, int order) {
    }

    /** HF 4.39's {@code _beam_search} with {@code BeamSearchScorer}, transcribed. */
    private static List<Generation.Hypothesis> referenceBeam(Seq2SeqLm model, EncoderOutput encoded, DecodingOptions o) {
        int k = o.numBeams();
        int vocab = model.vocabSize();
        int eos = o.eosTokenId();
        List<List<Integer>> beams = new ArrayList<>();
        float[] beamScores = new float[k];
        for (int b = 0; b < k; b++) {
            beams.add(new ArrayList<>(List.of(model.decoderStartTokenId())));
            beamScores[b] = b == 0 ? 0 : -1e9f;
        }
        List<Hyp> hyps = new ArrayList<>();
        double[] worst = {1e9};
        boolean done = false;
        int curLen = 1;
        while (true) {
            float[] all = new float[k * vocab];
            for (int b = 0; b < k; b++) {
                float[] logits = lastLogits(model, encoded, beams.get(b));
                Generation.logSoftmax(logits, 0, all, b * vocab, vocab);
                float[] row = Arrays.copyOfRange(all, b * vocab, (b + 1) * vocab);
                ban(row, beams.get(b), o.noRepeatNgramSize(), o.minNewTokens(), o.minLength(), eos);
                for (int t = 0; t < vocab; t++) {
                    all[b * vocab + t] = row[t] + beamScores[b];
                }
            }
            Integer[] order = new Integer[all.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> all[x] != all[y] ? Float.compare(all[y], all[x]) : Integer.compare(x, y));
            List<List<Integer>> next = new ArrayList<>();
            float[] nextScores = new float[k];
            for (int rank = 0; rank < 2 * k && next.size() < k; rank++) {
                int beam = order[rank] / vocab;
                int token = order[rank] % vocab;
                if (token == eos) {
                    if (rank >= k) {
                        continue;
                    }
                    List<Integer> finished = new ArrayList<>(beams.get(beam));
                    finished.add(eos);
                    addHyp(hyps, worst, k, o.lengthPenalty(), finished, all[order[rank]], curLen);
                } else {
                    List<Integer> grown = new ArrayList<>(beams.get(beam));
                    grown.add(token);
                    nextScores[next.size()] = all[order[rank]];
                    next.add(grown);
                }
            }
            float best = all[order[0]];
            if (!done && hyps.size() >= k) {
                done = switch (o.earlyStopping()) {
                    case TRUE -> true;
                    case FALSE -> worst[0] >= best / Math.pow(curLen, o.lengthPenalty());
                    case NEVER -> worst[0] >= best / Math.pow(o.lengthPenalty() > 0 ? o.maxNewTokens() : curLen,
                            o.lengthPenalty());
                };
            }
            beams = next;
            beamScores = nextScores;
            curLen++;
            if (done || curLen >= o.maxNewTokens() + 1) {
                break;
            }
        }
        if (!done) {
            for (int b = 0; b < k; b++) {
                addHyp(hyps, worst, k, o.lengthPenalty(), beams.get(b), beamScores[b], beams.get(b).size() - 1);
            }
        }
        hyps.sort((x, y) -> x.score() != y.score() ? Double.compare(y.score(), x.score()) : Integer.compare(y.order(), x.order()));
        List<Generation.Hypothesis> out = new ArrayList<>();
        for (Hyp h : hyps) {
            out.add(new Generation.Hypothesis(h.seq(), (float) h.score()));
        }
        return out;
    }

    private static void addHyp(List<Hyp> hyps, double[] worst, int k, double lengthPenalty, List<Integer> seq,
                               float sum, int generatedLength) {
        double score = sum / Math.pow(generatedLength, lengthPenalty);
        if (hyps.size() < k || score > worst[0]) {
            hyps.add(new Hyp(score, seq.stream().mapToInt(Integer::intValue).toArray(), hyps.size() + 1000 * hyps.size()));
            if (hyps.size() > k) {
                Hyp lowest = hyps.stream().min((x, y) -> Double.compare(x.score(), y.score())).orElseThrow();
                hyps.remove(lowest);
                worst[0] = hyps.stream().mapToDouble(Hyp::score).min().orElseThrow();
            } else {
                worst[0] = Math.min(score, worst[0]);
            }
        }
    }

    private static boolean endsWith(int[] seq, int token) {
        return seq[seq.length - 1] == token;
    }

    private static void assertNoRepeatedNgram(int[] seq, int n) {
        if (n <= 0) {
            return;
        }
        Set<List<Integer>> seen = new HashSet<>();
        for (int s = 0; s + n <= seq.length; s++) {
            List<Integer> gram = Arrays.stream(seq, s, s + n).boxed().toList();
            assertThat(seen.add(gram)).as("%d-gram %s repeats in %s", n, gram, Arrays.toString(seq)).isTrue();
        }
    }
}
