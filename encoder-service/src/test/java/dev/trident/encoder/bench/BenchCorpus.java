package dev.trident.encoder.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * The bench's fixed corpus, generated from a seed instead of stored: English-like sentences drawn from a word list
 * (common words, longer words that split into several word pieces, numbers, a few names), in three length classes:
 * short (3–10 words, 70%), medium (12–30 words, 25%) and long (50–150 words, 5%), each cut to at most
 * {@link #MAX_TOKENS} tokens with the model's own tokenizer. The same seed gives the same sentences on every machine.
 */
public final class BenchCorpus {

    public static final long SEED = 20260404L;
    public static final int SIZE = 2000;
    public static final int MAX_TOKENS = 200;

    private static final String[] WORDS = ("""
            the of and to in is was for on that with as by at from it this be are or an which have has not but
            had were they their one all more also can new other first after two time would there been its when
            who most people year years some only over many such into may these city made between under during
            world state system first part called through three well while where since work each both against
            however school group found known number history company government during several because later
            team music family water house small large river music early high second national century market
            information research development university international community production performance energy
            language computer network software hardware database transformer attention embedding tokenizer
            language sentence paragraph document question answer search semantic similarity vector matrix
            throughput latency benchmark parallel thread memory cache bandwidth processor instruction compiler
            photosynthesis mitochondria electromagnetic thermodynamics antidisestablishmentarianism
            incomprehensibility internationalization characteristically counterrevolutionary
            quick brown fox jumps lazy dog man woman child eating food riding horse playing guitar drums
            morning evening night rain snow wind sun moon star mountain valley forest ocean island bridge
            train station airport library museum hospital restaurant kitchen garden window door table chair
            happy sad angry calm bright dark old young fast slow heavy light warm cold deep shallow
            walks runs reads writes builds breaks opens closes finds loses carries throws catches sings
            Paris London Tokyo Berlin Madrid Toronto Nairobi Mumbai Sydney Lisbon Oslo Cairo
            Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert
            1 2 3 7 12 42 100 365 1024 2026 3.14 99.9 1,000 50%
            """).trim().split("\\s+");

    private static final String[] JOINERS = {",", ",", ";", "and", "but", "because", "while", ":"};
    private static final String[] ENDS = {".", ".", ".", ".", "?", "!"};

    private BenchCorpus() {
    }

    /** {@link #SIZE} sentences from {@link #SEED}, each at most {@link #MAX_TOKENS} tokens by {@code tokenCount}. */
    public static List<String> sentences(ToIntFunction<String> tokenCount) {
        return sentences(SEED, SIZE, tokenCount);
    }

    public static List<String> sentences(long seed, int size, ToIntFunction<String> tokenCount) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            double kind = random.nextDouble();
            int words = kind < 0.70 ? random.nextInt(3, 11)
                    : kind < 0.95 ? random.nextInt(12, 31)
                    : random.nextInt(50, 151);
            List<String> parts = new ArrayList<>(words);
            for (int w = 0; w < words; w++) {
                String word = WORDS[random.nextInt(WORDS.length)];
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                } else if (w % 11 == 10 && random.nextInt(3) == 0) {
                    word = JOINERS[random.nextInt(JOINERS.length)] + " " + word;
                }
                parts.add(word);
            }
            String end = ENDS[random.nextInt(ENDS.length)];
            String sentence = join(parts, end);
            while (tokenCount != null && tokenCount.applyAsInt(sentence) > MAX_TOKENS) {
                // over the cap: drop a tenth of the words and try again (each cut is deterministic too)
                parts = parts.subList(0, Math.max(1, parts.size() * 9 / 10));
                sentence = join(parts, end);
            }
            out.add(sentence);
        }
        return List.copyOf(out);
    }

    private static String join(List<String> parts, String end) {
        return (String.join(" ", parts) + end).replace(" ,", ",").replace(" ;", ";").replace(" :", ":");
    }
}
