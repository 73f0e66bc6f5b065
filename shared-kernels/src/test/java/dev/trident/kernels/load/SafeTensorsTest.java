package dev.trident.kernels.load;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsTest {

    @TempDir
    Path tmp;

    /** One row of oracle/weights.tsv: written from reference.json's saved_tensors and the raw file bytes, in Python. */
    record Expected(String folder, String tensor, String dtype, int[] shape, double sum, double sumAbs, float first) {
    }

    static Map<String, List<Expected>> expectedByFolder() throws IOException {
        Map<String, List<Expected>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(TestFiles.resource("oracle/weights.tsv"))) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            int[] shape = Stream.of(f[3].split(",")).mapToInt(Integer::parseInt).toArray();
            out.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new Expected(f[0], f[1], f[2], shape,
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), (float) Double.parseDouble(f[6])));
        }
        return out;
    }

    static Stream<String> oracleFolders() throws IOException {
        return expectedByFolder().keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("oracleFolders")
    void everyOracleTensorReadsBackWithItsShapeAndValues(String folder) throws IOException {
        List<Expected> expected = expectedByFolder().get(folder);
        try (SafeTensors st = SafeTensors.open(TestFiles.resource("oracle/" + folder + "/model.safetensors"))) {
            assertThat(st.names()).containsExactlyInAnyOrderElementsOf(expected.stream().map(Expected::tensor).toList());
            assertThat(st.metadata()).containsEntry("format", "pt");
            for (Expected e : expected) {
                Tensor t = st.tensor(e.tensor());
                assertThat(t.dtype()).as(e.tensor()).isEqualTo(DType.fromSafetensors(e.dtype()));
                assertThat(t.shape()).as(e.tensor()).isEqualTo(e.shape());
                float[] values = t.toFloatArray();
                double sum = 0;
                double sumAbs = 0;
                for (float v : values) {
                    assertThat(Float.isFinite(v)).as(e.tensor()).isTrue();
                    sum += v;
                    sumAbs += Math.abs(v);
                }
                assertThat(values[0]).as(e.tensor()).isEqualTo(e.first());
                // Python's fsum is exact; a plain double sum of at most 10^5 floats is within ~1e-11 relative.
                assertThat(sum).as(e.tensor()).isCloseTo(e.sum(), org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, e.sumAbs())));
                assertThat(sumAbs).as(e.tensor()).isCloseTo(e.sumAbs(), org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, e.sumAbs())));
            }
        }
    }

    @Test
    void tensorsAreSlicesOfTheMappingNotCopies() {
        try (SafeTensors st = SafeTensors.open(TestFiles.resource("oracle/llama/model.safetensors"))) {
            Tensor t = st.tensor("model.norm.weight");
            assertThat(t.data().isMapped()).isTrue();
            assertThat(t.data().isReadOnly()).isTrue();
            SafeTensors.Entry e = st.entry("model.norm.weight");
            assertThat(t.data().address()).isEqualTo(st.mapping().address() + e.begin());
        }
    }

    @Test
    void readingAfterCloseFailsCleanly() {
        SafeTensors st = SafeTensors.open(TestFiles.resource("oracle/llama/model.safetensors"));
        Tensor t = st.tensor("model.norm.weight");
        st.close();
        assertThatThrownBy(() -> t.getFloat(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readsF16AndBF16() {
        short h = Float.floatToFloat16(1.5f);
        short b = (short) (Float.floatToIntBits(-2.25f) >>> 16);
        byte[] data = {(byte) h, (byte) (h >> 8), (byte) b, (byte) (b >> 8)};
        Path f = TestFiles.write(tmp.resolve("mixed.safetensors"),
                "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}", data);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.tensor("a").getFloat(0)).isEqualTo(1.5f);
            assertThat(st.tensor("b").getFloat(0)).isEqualTo(-2.25f);
            assertThat(st.metadata()).isEmpty();
        }
    }

    @Test
    void headerPaddedWithSpacesIsAccepted() {
        Path f = TestFiles.write(tmp.resolve("padded.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}      ", TestFiles.f32(1f, 2f));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.tensor("x").toFloatArray()).containsExactly(1f, 2f);
        }
    }

    // ---- malformed files: each must fail with a message naming the file and (where one is at fault) the tensor ----

    private void assertFails(Path file, String tensor, String... fragments) {
        assertThatThrownBy(() -> SafeTensors.open(file).close())
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.tensor()).isEqualTo(tensor);
                    assertThat(e.getMessage()).contains(file.toString());
                    if (tensor != null) {
                        assertThat(e.getMessage()).contains("'" + tensor + "'");
                    }
                    for (String fragment : fragments) {
                        assertThat(e.getMessage()).contains(fragment);
                    }
                });
    }

    @Test
    void truncatedOracleFile() throws IOException {
        byte[] all = Files.readAllBytes(TestFiles.resource("oracle/llama/model.safetensors"));
        Path f = tmp.resolve("truncated.safetensors");
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 1000));
        // The last tensor by offset is the first one to run off the end.
        assertThatThrownBy(() -> SafeTensors.open(f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("outside the data section");
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path f = Files.write(tmp.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
        assertFails(f, null, "shorter than the 8-byte header length");
        Path empty = Files.write(tmp.resolve("empty.safetensors"), new byte[0]);
        assertFails(empty, null, "0 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() {
        Path f = TestFiles.write(tmp.resolve("long.safetensors"), 1_000_000, "{}", new byte[0]);
        assertFails(f, null, "header length 1000000 runs past the end of the file");
        Path huge = TestFiles.write(tmp.resolve("huge.safetensors"), -1L, "{}", new byte[0]);
        assertFails(huge, null, "18446744073709551615");
    }

    @Test
    void headerNotJson() {
        assertFails(TestFiles.write(tmp.resolve("garbage.safetensors"), "this is not json", new byte[0]),
                null, "not valid JSON");
        assertFails(TestFiles.write(tmp.resolve("cut.safetensors"), "{\"x\":{\"dtype\":\"F32\"", new byte[0]),
                null, "not valid JSON");
        assertFails(TestFiles.write(tmp.resolve("array.safetensors"), "[1,2]", new byte[0]),
                null, "not a JSON object");
        assertFails(TestFiles.write(tmp.resolve("binary.safetensors"), 4, "\u0000\u0000\u0000\u0000", new byte[0]),
                null, "not valid JSON");
    }

    @Test
    void duplicateTensorNamesAreRejected() {
        Path f = TestFiles.write(tmp.resolve("dup.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", TestFiles.f32(1, 2));
        assertFails(f, null, "not valid JSON", "Duplicate");
    }

    @Test
    void offsetsBeyondTheData() {
        Path f = TestFiles.write(tmp.resolve("beyond.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", TestFiles.f32(1, 2));
        assertFails(f, "w", "outside the data section (8 bytes)");
    }

    @Test
    void overlappingOffsets() {
        Path f = TestFiles.write(tmp.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", TestFiles.f32(1, 2, 3));
        assertFails(f, "b", "overlap tensor 'a'");
    }

    @Test
    void outOfOrderOffsets() {
        Path f = TestFiles.write(tmp.resolve("reversed.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", TestFiles.f32(1, 2));
        assertFails(f, "a", "out of order");
    }

    @Test
    void holesAndTrailingBytes() {
        Path hole = TestFiles.write(tmp.resolve("hole.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", TestFiles.f32(1, 2, 3));
        assertFails(hole, "b", "hole of 4 bytes");
        Path trailing = TestFiles.write(tmp.resolve("trailing.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", TestFiles.f32(1, 2));
        assertFails(trailing, null, "4 bytes after the last tensor");
    }

    @Test
    void tensorsOutOfHeaderOrderAreFineWhenTheyTile() {
        Path f = TestFiles.write(tmp.resolve("order.safetensors"),
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", TestFiles.f32(1, 2));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertThat(st.tensor("a").getFloat(0)).isEqualTo(1f);
            assertThat(st.tensor("b").getFloat(0)).isEqualTo(2f);
        }
    }

    @Test
    void unknownDtypesNameTheSupportedOnes() {
        for (String dtype : List.of("F8_E4M3", "I64", "F64", "Q4_K")) {
            Path f = TestFiles.write(tmp.resolve(dtype + ".safetensors"),
                    "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
            assertFails(f, "w", "dtype " + dtype, "F32, F16 and BF16");
        }
    }

    @Test
    void shapeAndByteSizeMismatch() {
        Path f = TestFiles.write(tmp.resolve("mismatch.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", TestFiles.f32(1, 2, 3, 4));
        assertFails(f, "w", "holds 16 bytes but F32[2, 3] needs 24");
        Path bf = TestFiles.write(tmp.resolve("bf16.safetensors"),
                "{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,16]}}", TestFiles.f32(1, 2, 3, 4));
        assertFails(bf, "w", "BF16[4] needs 8");
    }

    @Test
    void badShapesAndEntries() {
        assertFails(TestFiles.write(tmp.resolve("neg.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "w", "invalid dimension");
        assertFails(TestFiles.write(tmp.resolve("frac.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]), "w", "invalid dimension");
        assertFails(TestFiles.write(tmp.resolve("nooff.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "w", "data_offsets");
        assertFails(TestFiles.write(tmp.resolve("nodtype.safetensors"),
                "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "w", "dtype");
        assertFails(TestFiles.write(tmp.resolve("meta.safetensors"),
                "{\"__metadata__\":{\"format\":1}}", new byte[0]), "__metadata__", "must be a string");
        assertFails(TestFiles.write(tmp.resolve("overflow.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}",
                new byte[4]), "w", "overflows");
    }

    @Test
    void missingTensorAndMissingFile() {
        try (SafeTensors st = SafeTensors.open(TestFiles.resource("oracle/llama/model.safetensors"))) {
            assertThatThrownBy(() -> st.tensor("nope")).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'nope'").hasMessageContaining("no such tensor");
        }
        assertFails(tmp.resolve("absent.safetensors"), null, "file not found");
    }
}
