package dev.trident.decoder.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** Prometheus counters of generation: prompt, generated and cache-reused tokens, and decode speed. */
@Component
public class GenerationMetrics {

    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final Counter cachedTokens;
    private final DistributionSummary tokensPerSecond;

    public GenerationMetrics(MeterRegistry meters, DecoderRegistry models) {
        io.micrometer.core.instrument.Gauge.builder("trident.decoder.batch.sequences", models,
                        registry -> registry.all().stream().mapToInt(DecoderModel::activeSequences).sum())
                .description("sequences in the current decode step (continuous batching), all models").register(meters);
        promptTokens = Counter.builder("trident.decoder.prompt.tokens").description("prompt tokens received").register(meters);
        generatedTokens = Counter.builder("trident.decoder.generated.tokens").description("tokens generated").register(meters);
        cachedTokens = Counter.builder("trident.decoder.cached.tokens")
                .description("prompt tokens whose keys and values came from a session cache").register(meters);
        tokensPerSecond = DistributionSummary.builder("trident.decoder.tokens.per.second")
                .description("generated tokens per second of a request").register(meters);
    }

    public void record(Generation generation, long nanos) {
        promptTokens.increment(generation.promptTokens());
        generatedTokens.increment(generation.completionTokens());
        cachedTokens.increment(generation.cachedTokens());
        if (nanos > 0 && generation.completionTokens() > 0) {
            tokensPerSecond.record(generation.completionTokens() / (nanos / 1e9));
        }
    }

    /** The choices of one request: the prompt counted once, the generated tokens of all choices. */
    public void record(java.util.List<Generation> choices, long nanos) {
        Generation first = choices.getFirst();
        promptTokens.increment(first.promptTokens());
        cachedTokens.increment(first.cachedTokens());
        int generated = 0;
        for (Generation choice : choices) {
            generated += choice.completionTokens();
        }
        generatedTokens.increment(generated);
        if (nanos > 0 && generated > 0) {
            tokensPerSecond.record(generated / (nanos / 1e9));
        }
    }
}
