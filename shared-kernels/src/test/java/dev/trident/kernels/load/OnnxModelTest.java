package dev.trident.kernels.load;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OnnxModel} and {@link ProtobufReader} on ONNX files built here byte by byte (field numbers from onnx.proto),
 * so each encoding an exporter may choose is covered: raw_data, float_data packed and unpacked, 16-bit values in
 * int32_data, packed and unpacked dims. The real all-MiniLM-L6-v2 export is read in encoder-service's tests.
 */
class OnnxModelTest {

    @Test
    void readsNodesGraphInputsOutputsAndFloatInitializers() {
        OnnxModel model = OnnxModel.parse(tinyModel(), "tiny.onnx");

        assertThat(model.irVersion()).isEqualTo(6);
        assertThat(model.producerName()).isEqualTo("hand");
        assertThat(model.opsets()).containsEntry("", 11L);
        assertThat(model.inputs()).containsExactly(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, List.of("batch", "3")));
        assertThat(model.outputs()).extracting(OnnxModel.ValueInfo::name).containsExactly("y");
        assertThat(model.nodes()).extracting(OnnxModel.Node::opType).containsExactly("MatMul", "Add");
        OnnxModel.Node matMul = model.nodes().getFirst();
        assertThat(matMul.inputs()).containsExactly("x", "onnx::MatMul_1");
        assertThat(model.consumers(matMul.outputs().getFirst())).extracting(OnnxModel.Node::name).containsExactly("add");

        Tensor w = model.tensor("onnx::MatMul_1");
        assertThat(w.dtype()).isEqualTo(DType.F32);
        assertThat(w.shape()).containsExactly(3, 2);
        assertThat(w.toFloatArray()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
        assertThat(model.tensor("packed").toFloatArray()).containsExactly(0.5f, -1.5f);
        assertThat(model.tensor("unpacked").toFloatArray()).containsExactly(7f, 8f);
        Tensor half = model.tensor("half");
        assertThat(half.dtype()).isEqualTo(DType.F16);
        assertThat(half.toFloatArray()).containsExactly(1f, -2f);
        Tensor brain = model.tensor("brain");
        assertThat(brain.dtype()).isEqualTo(DType.BF16);
        assertThat(brain.toFloatArray()).containsExactly(3f, 0.25f);
        assertThat(model.initializerNames()).containsExactly("onnx::MatMul_1", "packed", "unpacked", "half", "brain", "shape");
    }

    @Test
    void otherDataTypesAreListedButRefusedAsWeights() {
        OnnxModel model = OnnxModel.parse(tinyModel(), "tiny.onnx");
        assertThat(model.initializer("shape").typeName()).isEqualTo("INT64");
        assertThatThrownBy(() -> model.tensor("shape"))
                .hasMessageContaining("tiny.onnx").hasMessageContaining("'shape'").hasMessageContaining("INT64");
        assertThatThrownBy(() -> model.tensor("nope")).hasMessageContaining("no initializer 'nope'");
    }

    @Test
    void everyTruncationFailsLoudly() {
        byte[] full = tinyModel();
        for (int cut = 1; cut < full.length; cut++) {
            byte[] truncated = Arrays.copyOf(full, cut);
            int at = cut;
            try {
                OnnxModel.parse(truncated, "cut.onnx");
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as("cut at %d", at).startsWith("cut.onnx: ");
                continue;
            }
            throw new AssertionError("cut at " + at + " parsed without error");
        }
    }

    @Test
    void rawDataOfTheWrongSizeIsCorrupt() {
        byte[] tensor = concat(dims(2, 2), varintField(2, OnnxModel.FLOAT), stringField(8, "w"), bytesField(9, new byte[12]));
        assertThatThrownBy(() -> OnnxModel.parse(model(graph(bytesField(5, tensor))), "bad.onnx"))
                .hasMessageContaining("bad.onnx: corrupt ONNX model").hasMessageContaining("needs 16 bytes of raw_data, found 12");
    }

    @Test
    void externalDataIsRefused() {
        byte[] location = concat(stringField(1, "location"), stringField(2, "weights.bin"));
        byte[] tensor = concat(dims(2), varintField(2, OnnxModel.FLOAT), stringField(8, "w"), bytesField(13, location),
                varintField(14, 1));
        assertThatThrownBy(() -> OnnxModel.parse(model(graph(bytesField(5, tensor))), "ext.onnx"))
                .hasMessageContaining("ext.onnx").hasMessageContaining("'w'").hasMessageContaining("external");
    }

    @Test
    void notAModelAndGarbageAreRefused() {
        assertThatThrownBy(() -> OnnxModel.parse(varintField(1, 7), "empty.onnx")).hasMessageContaining("no graph");
        assertThatThrownBy(() -> OnnxModel.parse(bytesField(7, new byte[0]), "noopset.onnx")).hasMessageContaining("no opset_import");
        assertThatThrownBy(() -> OnnxModel.parse(new byte[] {(byte) 0x3A, (byte) 0xFF, 0x7F}, "junk.onnx"))
                .hasMessageContaining("junk.onnx: corrupt ONNX model").hasMessageContaining("beyond the message");
        assertThatThrownBy(() -> OnnxModel.parse(new byte[] {0x1F}, "wire.onnx")).hasMessageContaining("unsupported wire type 7");
    }

    @Test
    void protobufReaderDecodesVarintsFixedAndSkipsUnknownFields() {
        byte[] bytes = concat(varintField(1, -1), fixed32Field(2, Float.floatToIntBits(1.25f)), stringField(3, "é"),
                varintField(4, 300));
        ProtobufReader r = new ProtobufReader(bytes, "m", "test message");
        int tag = r.tag();
        assertThat(ProtobufReader.field(tag)).isEqualTo(1);
        assertThat(r.varint32()).isEqualTo(-1);
        tag = r.tag();
        assertThat(ProtobufReader.wireType(tag)).isEqualTo(ProtobufReader.FIXED32);
        assertThat(Float.intBitsToFloat(r.fixed32())).isEqualTo(1.25f);
        r.skip(r.tag());
        assertThat(ProtobufReader.field(r.tag())).isEqualTo(4);
        assertThat(r.varint()).isEqualTo(300);
        assertThat(r.more()).isFalse();
        assertThatThrownBy(() -> new ProtobufReader(new byte[] {(byte) 0x80}, "m", "test message").varint())
                .hasMessage("m: corrupt test message (truncated varint at byte 1)");
    }

    // --- a tiny ONNX writer: y = x · W + b, with a few extra initializers in each encoding ---

    private static byte[] tinyModel() {
        byte[] matMul = concat(stringField(1, "x"), stringField(1, "onnx::MatMul_1"), stringField(2, "xw"),
                stringField(3, "matmul"), stringField(4, "MatMul"));
        byte[] add = concat(stringField(1, "b"), stringField(1, "xw"), stringField(2, "y"), stringField(3, "add"),
                stringField(4, "Add"));
        byte[] w = concat(dims(3, 2), varintField(2, OnnxModel.FLOAT), stringField(8, "onnx::MatMul_1"),
                bytesField(9, f32(1, 2, 3, 4, 5, 6)));
        // packed dims and packed float_data
        byte[] packed = concat(bytesField(1, varint(2)), varintField(2, OnnxModel.FLOAT),
                bytesField(4, f32(0.5f, -1.5f)), stringField(8, "packed"));
        byte[] unpacked = concat(dims(2), varintField(2, OnnxModel.FLOAT), fixed32Field(4, Float.floatToIntBits(7f)),
                fixed32Field(4, Float.floatToIntBits(8f)), stringField(8, "unpacked"));
        byte[] half = concat(dims(2), varintField(2, OnnxModel.FLOAT16), stringField(8, "half"),
                bytesField(9, i16(Float.floatToFloat16(1f), Float.floatToFloat16(-2f))));
        byte[] brain = concat(dims(2), varintField(2, OnnxModel.BFLOAT16), stringField(8, "brain"),
                varintField(5, Tensor.floatToBf16(3f) & 0xFFFF), varintField(5, Tensor.floatToBf16(0.25f) & 0xFFFF));
        byte[] shape = concat(dims(1), varintField(2, 7), stringField(8, "shape"), bytesField(9, new byte[8]));
        byte[] graph = graph(bytesField(1, matMul), bytesField(1, add), stringField(2, "g"), bytesField(5, w),
                bytesField(5, packed), bytesField(5, unpacked), bytesField(5, half), bytesField(5, brain),
                bytesField(5, shape), bytesField(11, valueInfo("x", "batch", 3)), bytesField(12, valueInfo("y", "batch", 2)));
        return model(graph);
    }

    private static byte[] graph(byte[]... fields) {
        return concat(fields);
    }

    private static byte[] model(byte[] graph) {
        byte[] opset = concat(stringField(1, ""), varintField(2, 11));
        return concat(varintField(1, 6), stringField(2, "hand"), stringField(99, "an unknown field, skipped"),
                bytesField(7, graph), bytesField(8, opset));
    }

    private static byte[] valueInfo(String name, String symbolic, int fixed) {
        byte[] shape = concat(bytesField(1, stringField(2, symbolic)), bytesField(1, varintField(1, fixed)));
        byte[] tensorType = concat(varintField(1, OnnxModel.FLOAT), bytesField(2, shape));
        return concat(stringField(1, name), bytesField(2, bytesField(1, tensorType)));
    }

    private static byte[] dims(long... dims) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long d : dims) {
            out.writeBytes(varintField(1, d));
        }
        return out.toByteArray();
    }

    private static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] i16(short... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    private static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] varintField(int field, long value) {
        return concat(varint((long) field << 3), varint(value));
    }

    private static byte[] fixed32Field(int field, int bits) {
        return concat(varint((long) field << 3 | 5), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bits).array());
    }

    private static byte[] bytesField(int field, byte[] payload) {
        return concat(varint((long) field << 3 | 2), varint(payload.length), payload);
    }

    private static byte[] stringField(int field, String s) {
        return bytesField(field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
