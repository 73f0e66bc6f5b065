package dev.trident.encoder.batch;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a batch job does with each input text. */
public enum BatchTask {
    CLASSIFY("classify"),
    ZERO_SHOT("zero-shot"),
    EMBED("embed"),
    NER("ner");

    /** The spelling in requests and in the database. */
    public final String wireName;

    BatchTask(String wireName) {
        this.wireName = wireName;
    }

    public static BatchTask fromWire(String name) {
        for (BatchTask task : values()) {
            if (task.wireName.equals(name)) {
                return task;
            }
        }
        throw new IllegalArgumentException("unknown batch task '" + name + "'; known tasks: " + known());
    }

    public static String known() {
        return Arrays.stream(values()).map(t -> t.wireName).collect(Collectors.joining(", "));
    }
}
