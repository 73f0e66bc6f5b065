package dev.trident.encoder.model;

/** What an encoder checkpoint was trained to output, i.e. which head it carries on top of the base model. */
public enum EncoderTask {
    /** The base model: hidden states (and a pooler where it has one), pooled into sentence embeddings. */
    EMBEDDING,
    /** One set of logits per sequence ({@code *ForSequenceClassification}). */
    SEQUENCE_CLASSIFICATION,
    /** One set of logits per token ({@code *ForTokenClassification}, e.g. NER). */
    TOKEN_CLASSIFICATION,
    /** Vocabulary logits per token ({@code *ForMaskedLM}, fill-mask). */
    MASKED_LM;

    /** The task an HF {@code architectures} entry names, or null for a base model or an unknown class. */
    static EncoderTask fromArchitecture(String architecture) {
        if (architecture.endsWith("ForSequenceClassification")) {
            return SEQUENCE_CLASSIFICATION;
        }
        if (architecture.endsWith("ForTokenClassification")) {
            return TOKEN_CLASSIFICATION;
        }
        if (architecture.endsWith("ForMaskedLM")) {
            return MASKED_LM;
        }
        if (architecture.endsWith("Model")) {
            return EMBEDDING;
        }
        return null;
    }
}
