package dev.trident.kernels.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The protobuf wire format over a byte range, for the few protobuf files Trident reads (SentencePiece's
 * {@code ModelProto}, ONNX's {@code ModelProto}): generated protobuf classes would be a large dependency for a
 * dozen fields. Every read is bounds-checked, so a truncated or corrupt file fails loudly, naming the file, what
 * it was read as, and the byte offset.
 *
 * <p>Typical use: {@code while (r.more()) { int tag = r.tag(); switch (ProtobufReader.field(tag)) { ... default ->
 * r.skip(tag); } }}; unknown fields are skipped, as protobuf requires.
 */
public final class ProtobufReader {

    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LENGTH_DELIMITED = 2;
    public static final int FIXED32 = 5;

    private final byte[] b;
    private int pos;
    private final int end;
    private final String source;
    private final String format;

    /**
     * @param source names the file in errors
     * @param format what the bytes are read as, e.g. "SentencePiece model", "ONNX model"
     */
    public ProtobufReader(byte[] bytes, String source, String format) {
        this(bytes, 0, bytes.length, source, format);
    }

    private ProtobufReader(byte[] b, int pos, int end, String source, String format) {
        this.b = b;
        this.pos = pos;
        this.end = end;
        this.source = source;
        this.format = format;
    }

    /** The field number of a tag. */
    public static int field(int tag) {
        return tag >>> 3;
    }

    /** The wire type of a tag. */
    public static int wireType(int tag) {
        return tag & 7;
    }

    public boolean more() {
        return pos < end;
    }

    /** Absolute offset of the next byte in the underlying array. */
    public int position() {
        return pos;
    }

    public String source() {
        return source;
    }

    /** An error naming the file, the format and the current offset. */
    public IllegalArgumentException corrupt(String what) {
        return new IllegalArgumentException(source + ": corrupt " + format + " (" + what + " at byte " + pos + ")");
    }

    /** The next field's tag; field number 0 is invalid in every protobuf message. */
    public int tag() {
        int tag = varint32();
        if (field(tag) == 0) {
            throw corrupt("field number 0");
        }
        return tag;
    }

    public long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw corrupt("truncated varint");
            }
            byte x = b[pos++];
            result |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
        }
        throw corrupt("varint longer than 10 bytes");
    }

    /** int32 fields: negative values are sign-extended 10-byte varints; the low 32 bits are the value. */
    public int varint32() {
        return (int) varint();
    }

    public int fixed32() {
        if (end - pos < 4) {
            throw corrupt("truncated fixed32");
        }
        int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    public long fixed64() {
        long lo = fixed32() & 0xFFFFFFFFL;
        long hi = fixed32() & 0xFFFFFFFFL;
        return lo | hi << 32;
    }

    /** The length prefix of a length-delimited field, checked to lie inside this message. */
    public int length() {
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw corrupt("length " + len + " beyond the message");
        }
        return (int) len;
    }

    /** A reader over the next length-delimited field (an embedded message or a packed repeated field). */
    public ProtobufReader sub() {
        int len = length(); // read before using pos: it advances pos
        ProtobufReader r = new ProtobufReader(b, pos, pos + len, source, format);
        pos += len;
        return r;
    }

    public byte[] bytes() {
        int len = length();
        byte[] out = Arrays.copyOfRange(b, pos, pos + len);
        pos += len;
        return out;
    }

    /**
     * Skips the next length-delimited field and returns its absolute offset in the underlying array, for large
     * payloads the caller copies once to where they belong (its length is {@link #position()} minus the offset).
     */
    public int skipBytes() {
        int len = length();
        int start = pos;
        pos += len;
        return start;
    }

    /** The underlying array, for reading a payload located by {@link #skipBytes()} without another copy. */
    public byte[] array() {
        return b;
    }

    public String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** Skips the value of a field whose tag was just read. */
    public void skip(int tag) {
        switch (wireType(tag)) {
            case VARINT -> varint();
            case FIXED64 -> {
                if (end - pos < 8) {
                    throw corrupt("truncated fixed64");
                }
                pos += 8;
            }
            case LENGTH_DELIMITED -> {
                int len = length(); // read before updating pos: pos += length() would add to the stale pos
                pos += len;
            }
            case FIXED32 -> fixed32();
            default -> throw corrupt("unsupported wire type " + wireType(tag));
        }
    }
}
