package dev.trident.kernels.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A model folder shipped as classpath resources (a service's default model). Weights are memory-mapped from files,
 * and inside an executable jar a resource is no file, so the folder is copied once into the temp directory, keyed
 * by its name and total size, and opened from there.
 */
public final class BundledModel {

    private BundledModel() {
    }

    /**
     * @param resourceFolder classpath folder, e.g. {@code /models/stories260K}
     * @param files          the files it holds (resources cannot be listed portably)
     * @param anchor         a class whose class loader sees the resources
     */
    public static Path unpack(String resourceFolder, List<String> files, Class<?> anchor) {
        String name = resourceFolder.substring(resourceFolder.lastIndexOf('/') + 1);
        try {
            long size = 0;
            for (String file : files) {
                try (InputStream in = open(anchor, resourceFolder, file)) {
                    size += in.transferTo(OutputStream.nullOutputStream());
                }
            }
            Path target = Path.of(System.getProperty("java.io.tmpdir"), "trident-models", name + "-" + size);
            if (files.stream().allMatch(file -> Files.isRegularFile(target.resolve(file)))) {
                return target;
            }
            Files.createDirectories(target.getParent());
            Path staging = Files.createTempDirectory(target.getParent(), name + ".staging-");
            for (String file : files) {
                try (InputStream in = open(anchor, resourceFolder, file)) {
                    Files.copy(in, staging.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isRegularFile(target.resolve(files.getFirst()))) {
                    throw raced; // not another process having unpacked the same model first
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the bundled model " + resourceFolder, e);
        }
    }

    private static InputStream open(Class<?> anchor, String folder, String file) throws IOException {
        InputStream in = anchor.getResourceAsStream(folder + "/" + file);
        if (in == null) {
            throw new IOException("resource " + folder + "/" + file + " is missing");
        }
        return in;
    }
}
