package dev.trident.encoder.inference;

/** One request input: a text, or token ids the client tokenized itself (used as given: no special tokens added). */
public record Input(String text, int[] ids) {

    public static Input text(String text) {
        return new Input(text, null);
    }

    public static Input ids(int[] ids) {
        return new Input(null, ids);
    }

    public boolean isText() {
        return text != null;
    }
}
