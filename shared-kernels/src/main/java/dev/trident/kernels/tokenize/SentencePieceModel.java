package dev.trident.kernels.tokenize;

import dev.trident.kernels.load.ProtobufReader;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} (sentencepiece_model.proto) that encoding and decoding need, read
 * with the minimal protobuf wire-format {@link ProtobufReader}: generated protobuf classes would be a large
 * dependency for a dozen fields. Unknown fields are skipped, as protobuf requires.
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

        ProtobufReader r = new ProtobufReader(bytes, source, "SentencePiece model");
        while (r.more()) {
            int tag = r.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                pieces.add(parsePiece(r.sub()));
            } else if (field == 2 && (tag & 7) == 2) {
                ProtobufReader t = r.sub();
                while (t.more()) {
                    int tt = t.tag();
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
                ProtobufReader n = r.sub();
                while (n.more()) {
                    int nt = n.tag();
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

    private static Piece parsePiece(ProtobufReader p) {
        String piece = "";
        float score = 0f;
        int type = NORMAL;
        while (p.more()) {
            int tag = p.tag();
            switch (tag >>> 3) {
                case 1 -> piece = p.string();
                case 2 -> score = Float.intBitsToFloat(p.fixed32());
                case 3 -> type = p.varint32();
                default -> p.skip(tag);
            }
        }
        return new Piece(piece, score, type);
    }
}
