package dev.trident.decoder.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Models committed in this service's resources. Weights are memory-mapped from files, and inside an executable jar
 * a resource is no file, so a built-in model is copied once into the temp directory (keyed by name and size).
 */
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
        try {
            long size = 0;
            for (String file : FILES) {
                try (InputStream in = open(name, file)) {
                    size += in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
            Path target = Path.of(System.getProperty("java.io.tmpdir"), "trident-models", name + "-" + size);
            if (Files.isRegularFile(target.resolve("model.safetensors"))) {
                return target;
            }
            Path staging = Files.createDirectories(target.getParent()).resolve(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.createDirectories(staging);
            for (String file : FILES) {
                try (InputStream in = open(name, file)) {
                    Files.copy(in, staging.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isRegularFile(target.resolve("model.safetensors"))) {
                    throw raced;
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the built-in model " + name, e);
        }
    }

    private static InputStream open(String name, String file) throws IOException {
        InputStream in = BuiltinModels.class.getResourceAsStream("/models/" + name + "/" + file);
        if (in == null) {
            throw new IOException("resource /models/" + name + "/" + file + " is missing from the service");
        }
        return in;
    }
}
