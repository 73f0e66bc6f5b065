package dev.trident.kernels.load;

import java.nio.file.Path;

/**
 * A checkpoint (safetensors file, shard index, config.json) that cannot be loaded as it stands. The message always
 * names the file and, where one is involved, the tensor or config key, because a load failure in a service log is only
 * actionable when it says exactly which weight is wrong.
 */
public class CheckpointException extends RuntimeException {

    private final Path file;
    private final String tensor;

    public CheckpointException(Path file, String tensor, String message) {
        this(file, tensor, message, null);
    }

    public CheckpointException(Path file, String tensor, String message, Throwable cause) {
        super(compose(file, tensor, message), cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file at fault (a safetensors shard, an index, a config.json or the model folder). */
    public Path file() {
        return file;
    }

    /** The tensor (or config key) at fault, or null when the whole file is. */
    public String tensor() {
        return tensor;
    }

    private static String compose(Path file, String tensor, String message) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<no file>" : file.toString());
        if (tensor != null) {
            sb.append(": tensor '").append(tensor).append('\'');
        }
        return sb.append(": ").append(message).toString();
    }
}
