package dev.trident.kernels.testing;

import tools.jackson.databind.JsonNode;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading the oracle's reference.json arrays and comparing with its tolerance. Shared with the services' golden
 * tests through shared-kernels' test jar.
 */
public final class OracleReference {

    private OracleReference() {
    }

    /** A classpath folder holding a {@code config.json} (test resources are files, so a path). */
    public static Path resource(String folder) throws URISyntaxException {
        return Path.of(OracleReference.class.getResource(folder + "/config.json").toURI()).getParent();
    }

    public static float[] floats(JsonNode data) {
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }

    public static int[] ints(JsonNode data) {
        int[] out = new int[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get(i).asInt();
        }
        return out;
    }

    /** {@code max|x - ref| <= 1e-4 · max(1, max|ref|)}, elementwise (the oracle README's tolerance). */
    public static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what + " size").hasSameSizeAs(expected);
        float maxRef = 0;
        for (float e : expected) {
            maxRef = Math.max(maxRef, Math.abs(e));
        }
        float tolerance = 1e-4f * Math.max(1f, maxRef);
        float worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as("%s: max |x - ref| (tolerance %s)", what, tolerance).isLessThanOrEqualTo(tolerance);
    }
}
