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

    public GenerationMetrics(MeterRegistry meters) {
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
}
