package dev.trident.encoder.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * HF transformers' token-classification post-processing ({@code pipelines/token_classification.py}): per-token
 * label scores become entities, with the pipeline's aggregation strategies.
 *
 * <ul>
 *   <li>{@code none}: one entity per token ({@code entity} = its best label).</li>
 *   <li>{@code simple}: tokens as in {@code none}, then grouped: a token joins the previous group when it has the
 *       same tag and is not a {@code B-} tag ({@code I-X} after {@code B-X}/{@code I-X}, or a bare label after the
 *       same bare label).</li>
 *   <li>{@code first}, {@code average}, {@code max}: tokens are first merged into words (a word is a token that
 *       is not a subword, plus the subword tokens after it); a word's scores are its first token's, the mean of its
 *       tokens', or those of its token with the highest score; then words are grouped as in {@code simple}.</li>
 * </ul>
 * Entities whose label (or group) is in {@code ignoreLabels} are dropped at the end.
 */
public final class NerAggregation {

    public enum Strategy {
        NONE, SIMPLE, FIRST, AVERAGE, MAX;

        public static Strategy of(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("aggregation_strategy must be one of none, simple, first, average, max; got '" + name + "'");
            }
        }
    }

    /**
     * One non-special token: its id, vocabulary spelling, character range in the text, whether it continues the
     * previous word, and its score for every label.
     */
    public record PreEntity(int index, int id, String token, int start, int end, boolean subword, float[] scores) {
    }

    /**
     * An output entity. {@code entity} is set for {@code none} (the token's label, e.g. {@code B-PER}),
     * {@code entityGroup} otherwise (the tag without its {@code B-}/{@code I-} prefix). {@code index} only for
     * {@code none}.
     */
    public record Entity(String entity, String entityGroup, float score, Integer index, String word, int start, int end) {
    }

    private record Scored(String label, float score, int index, List<PreEntity> tokens) {
    }

    private NerAggregation() {
    }

    /**
     * @param words how tokens spell a word ({@code tokenizer.convert_tokens_to_string}: e.g. WordPiece's
     *              {@code ##} pieces joined)
     */
    public static List<Entity> aggregate(List<PreEntity> tokens, List<String> labels, Strategy strategy,
                                         Set<String> ignoreLabels, Function<List<PreEntity>, String> words) {
        List<Scored> scored = new ArrayList<>();
        if (strategy == Strategy.NONE || strategy == Strategy.SIMPLE) {
            for (PreEntity token : tokens) {
                int best = argmax(token.scores());
                scored.add(new Scored(labels.get(best), token.scores()[best], token.index(), List.of(token)));
            }
        } else {
            for (List<PreEntity> word : splitWords(tokens)) {
                scored.add(aggregateWord(word, labels, strategy));
            }
        }
        List<Entity> out = new ArrayList<>();
        if (strategy == Strategy.NONE) {
            for (Scored s : scored) {
                PreEntity t = s.tokens().getFirst();
                out.add(new Entity(s.label(), null, s.score(), s.index(), t.token(), t.start(), t.end()));
            }
        } else {
            out.addAll(group(scored, words));
        }
        out.removeIf(e -> ignoreLabels.contains(e.entity() != null ? e.entity() : e.entityGroup()));
        return out;
    }

    private static List<List<PreEntity>> splitWords(List<PreEntity> tokens) {
        List<List<PreEntity>> words = new ArrayList<>();
        for (PreEntity token : tokens) {
            if (words.isEmpty() || !token.subword()) {
                words.add(new ArrayList<>());
            }
            words.getLast().add(token);
        }
        return words;
    }

    private static Scored aggregateWord(List<PreEntity> word, List<String> labels, Strategy strategy) {
        float[] scores;
        switch (strategy) {
            case FIRST -> scores = word.getFirst().scores();
            case MAX -> {
                PreEntity best = word.getFirst();
                for (PreEntity t : word) {
                    if (max(t.scores()) > max(best.scores())) {
                        best = t;
                    }
                }
                scores = best.scores();
            }
            case AVERAGE -> {
                scores = new float[labels.size()];
                for (PreEntity t : word) {
                    for (int i = 0; i < scores.length; i++) {
                        scores[i] += t.scores()[i];
                    }
                }
                for (int i = 0; i < scores.length; i++) {
                    scores[i] /= word.size();
                }
            }
            default -> throw new IllegalArgumentException(strategy + " does not aggregate words");
        }
        int best = argmax(scores);
        return new Scored(labels.get(best), scores[best], word.getFirst().index(), word);
    }

    /** {@code group_entities}: consecutive entities of one tag, a {@code B-} starting a new one. */
    private static List<Entity> group(List<Scored> entities, Function<List<PreEntity>, String> words) {
        List<Entity> groups = new ArrayList<>();
        List<Scored> current = new ArrayList<>();
        for (Scored entity : entities) {
            if (!current.isEmpty()) {
                String[] tag = tag(entity.label());
                String[] last = tag(current.getLast().label());
                if (!(tag[1].equals(last[1]) && !tag[0].equals("B"))) {
                    groups.add(groupOf(current, words));
                    current = new ArrayList<>();
                }
            }
            current.add(entity);
        }
        if (!current.isEmpty()) {
            groups.add(groupOf(current, words));
        }
        return groups;
    }

    private static Entity groupOf(List<Scored> members, Function<List<PreEntity>, String> words) {
        String label = members.getFirst().label();
        int dash = label.indexOf('-');
        String group = dash >= 0 ? label.substring(dash + 1) : label;
        double sum = 0;
        List<PreEntity> tokens = new ArrayList<>();
        for (Scored m : members) {
            sum += m.score();
            tokens.addAll(m.tokens());
        }
        return new Entity(null, group, (float) (sum / members.size()), null, words.apply(tokens),
                tokens.getFirst().start(), tokens.getLast().end());
    }

    /** {@code get_tag}: ("B", X) for B-X, ("I", X) for I-X, and ("I", label) for a label with neither prefix. */
    static String[] tag(String label) {
        if (label.startsWith("B-")) {
            return new String[] {"B", label.substring(2)};
        }
        if (label.startsWith("I-")) {
            return new String[] {"I", label.substring(2)};
        }
        return new String[] {"I", label};
    }

    /** WordPiece's {@code convert_tokens_to_string}: {@code " ".join(tokens).replace(" ##", "")}. */
    public static String joinWordPieces(List<PreEntity> tokens) {
        StringBuilder out = new StringBuilder();
        for (PreEntity t : tokens) {
            if (t.token().startsWith("##") && !out.isEmpty()) { // a leading ## stays, as in HF's join
                out.append(t.token(), 2, t.token().length());
            } else {
                if (!out.isEmpty()) {
                    out.append(' ');
                }
                out.append(t.token());
            }
        }
        return out.toString();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static float max(float[] v) {
        return v[argmax(v)];
    }
}
