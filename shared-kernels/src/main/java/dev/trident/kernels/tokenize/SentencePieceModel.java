package dev.trident.kernels.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} (sentencepiece_model.proto) that encoding and decoding need, read
 * with a minimal protobuf wire-format reader: generated protobuf classes would be a large dependency for a dozen
 * fields. Unknown fields are skipped, as protobuf requires.
 */
record SentencePieceModel(
        List<Piece> pieces,
        int modelType,
        boolean byteFallback,
        int unkId,
        int bosId,
        int eosId,
        int padId,
        String unkSurface,
        boolean treatWhitespaceAsSuffix,
        String normalizerName,
        byte[] precompiledCharsmap,
        boolean addDummyPrefix,
        boolean removeExtraWhitespaces,
        boolean escapeWhitespaces) {

    static final int UNIGRAM = 1;
    static final int BPE = 2;

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    record Piece(String piece, float score, int type) {
    }

    static SentencePieceModel parse(byte[] bytes, String source) {
        List<Piece> pieces = new ArrayList<>();
        // Defaults from sentencepiece_model.proto.
        int modelType = UNIGRAM;
        boolean byteFallback = false;
        int unk = 0, bos = 1, eos = 2, pad = -1;
        String unkSurface = " \u2047 ";
        boolean suffix = false;
        String name = "nmt_nfkc";
        byte[] charsmap = new byte[0];
        boolean dummyPrefix = true, removeExtra = true, escape = true;

        Reader r = new Reader(bytes, 0, bytes.length, source);
        while (r.more()) {
            int tag = r.varint32();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                pieces.add(parsePiece(r.sub()));
            } else if (field == 2 && (tag & 7) == 2) {
                Reader t = r.sub();
                while (t.more()) {
                    int tt = t.varint32();
                    switch (tt >>> 3) {
                        case 3 -> modelType = t.varint32();
                        case 24 -> suffix = t.varint32() != 0;
                        case 35 -> byteFallback = t.varint32() != 0;
                        case 40 -> unk = t.varint32();
                        case 41 -> bos = t.varint32();
                        case 42 -> eos = t.varint32();
                        case 43 -> pad = t.varint32();
                        case 44 -> unkSurface = t.string();
                        default -> t.skip(tt);
                    }
                }
            } else if (field == 3 && (tag & 7) == 2) {
                Reader n = r.sub();
                while (n.more()) {
                    int nt = n.varint32();
                    switch (nt >>> 3) {
                        case 1 -> name = n.string();
                        case 2 -> charsmap = n.bytes();
                        case 3 -> dummyPrefix = n.varint32() != 0;
                        case 4 -> removeExtra = n.varint32() != 0;
                        case 5 -> escape = n.varint32() != 0;
                        default -> n.skip(nt);
                    }
                }
            } else {
                r.skip(tag);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException(source + ": not a SentencePiece model (no pieces)");
        }
        if (modelType != UNIGRAM && modelType != BPE) {
            throw new IllegalArgumentException(source + ": SentencePiece model_type " + modelType
                    + " is not supported (Trident reads UNIGRAM=1 and BPE=2)");
        }
        return new SentencePieceModel(List.copyOf(pieces), modelType, byteFallback, unk, bos, eos, pad, unkSurface,
                suffix, name, charsmap, dummyPrefix, removeExtra, escape);
    }

    private static Piece parsePiece(Reader p) {
        String piece = "";
        float score = 0f;
        int type = NORMAL;
        while (p.more()) {
            int tag = p.varint32();
            switch (tag >>> 3) {
                case 1 -> piece = p.string();
                case 2 -> score = Float.intBitsToFloat(p.fixed32());
                case 3 -> type = p.varint32();
                default -> p.skip(tag);
            }
        }
        return new Piece(piece, score, type);
    }

    /** Protobuf wire format over a byte range; every read is bounds-checked so a corrupt file fails loudly. */
    private static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;
        private final String source;

        Reader(byte[] b, int pos, int end, String source) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.source = source;
        }

        boolean more() {
            return pos < end;
        }

        private IllegalArgumentException corrupt(String what) {
            return new IllegalArgumentException(source + ": corrupt SentencePiece model (" + what + " at byte " + pos + ")");
        }

        long varint() {
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
        int varint32() {
            return (int) varint();
        }

        int fixed32() {
            if (end - pos < 4) {
                throw corrupt("truncated fixed32");
            }
            int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
            pos += 4;
            return v;
        }

        private int length() {
            long len = varint();
            if (len < 0 || len > end - pos) {
                throw corrupt("length " + len + " beyond the message");
            }
            return (int) len;
        }

        Reader sub() {
            int len = length();
            Reader r = new Reader(b, pos, pos + len, source);
            pos += len;
            return r;
        }

        byte[] bytes() {
            int len = length();
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + len);
            pos += len;
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> {
                    if (end - pos < 8) {
                        throw corrupt("truncated fixed64");
                    }
                    pos += 8;
                }
                case 2 -> {
                    int len = length(); // read before updating pos: pos += length() would add to the stale pos
                    pos += len;
                }
                case 5 -> fixed32();
                default -> throw corrupt("unsupported wire type " + (tag & 7));
            }
        }
    }
}
