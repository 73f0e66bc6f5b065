package dev.trident.decoder.inference;

import dev.trident.kernels.load.BundledModel;

import java.nio.file.Path;
import java.util.List;

/** Models committed in this service's resources: stories260K, the default. */
public final class BuiltinModels {

    public static final String STORIES_260K = "stories260K";
    private static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json");

    private BuiltinModels() {
    }

    public static Path folder(String name) {
        if (!STORIES_260K.equals(name)) {
            throw new IllegalArgumentException("unknown built-in decoder '" + name + "'; built in: " + STORIES_260K);
        }
        return BundledModel.unpack("/models/" + name, FILES, BuiltinModels.class);
    }
}
