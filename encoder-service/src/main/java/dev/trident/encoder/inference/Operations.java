package dev.trident.encoder.inference;

import dev.trident.encoder.inference.EncoderModel.Classification;
import dev.trident.encoder.inference.InferenceQueue.Operation;
import dev.trident.encoder.model.Pooling;

import java.util.List;

/** The model work the endpoints queue; requests for the same operation share forward passes. */
final class Operations {

    private Operations() {
    }

    static Operation<float[]> embed(Pooling pooling) {
        return new Operation<>() {
            public String key() {
                return "embed/" + pooling.mode() + "/" + pooling.normalize();
            }

            public List<float[]> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
                return java.util.Arrays.asList(model.embed(ids, types, pooling));
            }
        };
    }

    static final Operation<float[][]> HIDDEN_STATES = new Operation<>() {
        public String key() {
            return "hidden";
        }

        public List<float[][]> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
            return model.hiddenStates(ids, types);
        }
    };

    static final Operation<Classification> CLASSIFY = new Operation<>() {
        public String key() {
            return "classify";
        }

        public List<Classification> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
            return model.classify(ids, types);
        }
    };

    static final Operation<List<Classification>> TOKEN_LOGITS = new Operation<>() {
        public String key() {
            return "tokens";
        }

        public List<List<Classification>> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
            return model.tokenLogits(ids, types);
        }
    };

    static final Operation<float[][]> MASKED_LM = new Operation<>() {
        public String key() {
            return "mlm";
        }

        public List<float[][]> run(EncoderModel model, List<int[]> ids, List<int[]> types) {
            return model.maskedLmLogits(ids, types);
        }
    };
}
