package dev.trident.kernels.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helpers: resources on disk and hand-made safetensors files. */
final class TestFiles {

    private TestFiles() {
    }

    /** A folder or file under src/test/resources. */
    static Path resource(String path) {
        try {
            return Path.of(TestFiles.class.getClassLoader().getResource(path).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path + " is missing", e);
        }
    }

    /** Writes {@code 8-byte length + header + data} to {@code file}, with exactly the header text given. */
    static Path write(Path file, String header, byte[] data) {
        return write(file, header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }

    /** Like {@link #write(Path, String, byte[])} with a declared header length that may lie. */
    static Path write(Path file, long declaredLength, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredLength).put(h).put(data);
        try {
            Files.write(file, buf.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Little-endian float32 bytes. */
    static byte[] f32(float... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }
}
