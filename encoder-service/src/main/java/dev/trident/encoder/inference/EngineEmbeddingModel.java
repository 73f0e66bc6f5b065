package dev.trident.encoder.inference;

import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * Spring AI's {@link EmbeddingModel} over this service's engine, for code in this JVM (e.g. a vector store):
 * the same queue and the same vectors as {@code POST /embed} (normalised; long texts truncated). The options'
 * {@code model} picks a served model (default: the first) and {@code dimensions} shortens the vectors.
 */
@Component
public class EngineEmbeddingModel implements EmbeddingModel {

    private final EncoderService service;

    public EngineEmbeddingModel(EncoderService service) {
        this.service = service;
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        EmbeddingOptions options = request.getOptions();
        String model = options == null ? null : options.getModel();
        Integer dimensions = options == null ? null : options.getDimensions();
        List<Input> inputs = request.getInstructions().stream().map(Input::text).toList();
        List<Embedding> embeddings = new ArrayList<>();
        String served = null;
        // The engine's per-request limit applies here too: large requests go in slices.
        int slice = service.settings().maxClientBatchSize();
        for (int from = 0; from < inputs.size(); from += slice) {
            EncoderService.Result<float[][]> result = service.embed(model,
                    inputs.subList(from, Math.min(inputs.size(), from + slice)), true, true, dimensions);
            served = result.model();
            for (float[] v : result.value()) {
                embeddings.add(new Embedding(v, embeddings.size()));
            }
        }
        EmbeddingResponseMetadata metadata = new EmbeddingResponseMetadata();
        metadata.setModel(served == null ? service.model(model).modelId() : served);
        return new EmbeddingResponse(embeddings, metadata);
    }

    @Override
    public float[] embed(Document document) {
        return embed(document.getText());
    }

    @Override
    public int dimensions() {
        return service.model(null).model().hiddenSize();
    }
}
