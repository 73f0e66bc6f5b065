package dev.trident.encoder.model;

import dev.trident.kernels.load.HfConfig;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code id2label} as PretrainedConfig reads it: keys are ids as strings; absent means {@code num_labels} (default 2) labels LABEL_i. */
final class Labels {

    private Labels() {
    }

    static List<String> id2label(HfConfig config) {
        JsonNode node = config.node("id2label");
        if (node == null) {
            int count = config.getInt("num_labels", 2);
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                labels.add("LABEL_" + i);
            }
            return List.copyOf(labels);
        }
        if (!node.isObject()) {
            throw config.invalid("id2label", "must be an object of id → label");
        }
        Map<Integer, String> byId = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asString());
            } catch (NumberFormatException ex) {
                throw config.invalid("id2label", "key '" + e.getKey() + "' is not an integer id");
            }
        }
        List<String> labels = new ArrayList<>(byId.values());
        int expected = 0;
        for (int id : byId.keySet()) {
            if (id != expected++) {
                throw config.invalid("id2label", "ids must run 0.." + (byId.size() - 1) + ", found " + byId.keySet());
            }
        }
        return List.copyOf(labels);
    }
}
