package dev.trident.encoder.inference;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model folders built from the oracle checkpoints (vocabulary 1000, no tokenizer) for the task tests: a small
 * WordPiece tokenizer.json whose ids fit those checkpoints, a NER model (bert-tokcls with NER labels) and a masked
 * LM (bert-model plus a head whose output is known in closed form).
 */
public final class TestModels {

    public static final Path ORACLE = Path.of("src/test/resources/oracle");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestModels() {
    }

    /** Specials 0–4 ([PAD] [UNK] [CLS] [SEP] [MASK]), then whole words, then letters and ## letters. */
    public static List<String> vocabulary() {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(List.of("paris", "london", "is", "the", "capital", "of", "france", "john", "lives", "in", "new",
                "york", "hugging", "face", "wolfgang", "berlin", ".", ",", "!", "?", "##s", "##ing", "##gang"));
        for (char c = 'a'; c <= 'z'; c++) {
            if (!vocab.contains(String.valueOf(c))) {
                vocab.add(String.valueOf(c));
            }
            vocab.add("##" + c);
        }
        return vocab;
    }

    public static int id(String token) {
        return vocabulary().indexOf(token);
    }

    public static void writeTokenizer(Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> vocab = vocabulary();
        for (int i = 0; i < 5; i++) {
            added.addObject().put("id", i).put("content", vocab.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        special(single, "[CLS]", 0);
        sequence(single, "A", 0);
        special(single, "[SEP]", 0);
        ArrayNode pair = post.putArray("pair");
        special(pair, "[CLS]", 0);
        sequence(pair, "A", 0);
        special(pair, "[SEP]", 0);
        sequence(pair, "B", 1);
        special(pair, "[SEP]", 1);
        ObjectNode specials = post.putObject("special_tokens");
        for (String s : List.of("[CLS]", "[SEP]")) {
            ObjectNode t = specials.putObject(s);
            t.put("id", s);
            t.putArray("ids").add(vocab.indexOf(s));
            t.putArray("tokens").add(s);
        }
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    }

    private static void special(ArrayNode template, String token, int type) {
        template.addObject().putObject("SpecialToken").put("id", token).put("type_id", type);
    }

    private static void sequence(ArrayNode template, String id, int type) {
        template.addObject().putObject("Sequence").put("id", id).put("type_id", type);
    }

    /** bert-tokcls with labels O, B-PER, I-PER, B-LOC, I-LOC and the tokenizer. */
    public static Path nerModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(ORACLE.resolve("bert-tokcls/config.json")));
        List<String> labels = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
        ObjectNode id2label = config.putObject("id2label");
        ObjectNode label2id = config.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(String.valueOf(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        Files.copy(ORACLE.resolve("bert-tokcls/model.safetensors"), dir.resolve("model.safetensors"));
        writeTokenizer(dir);
        return dir;
    }

    /**
     * bert-model with a masked-LM head that ignores its input: dense weights, biases and the LayerNorm shift are
     * zero, so the transform outputs zeros and the logits are the decoder bias: {@code logits[v] = bias[v]}.
     */
    public static Path maskedLm(Path dir, Map<String, Float> bias) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(ORACLE.resolve("bert-model/config.json")));
        config.putArray("architectures").add("BertForMaskedLM");
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        int hidden = config.get("hidden_size").asInt(), vocab = config.get("vocab_size").asInt();
        float[] decoderBias = new float[vocab];
        bias.forEach((token, value) -> decoderBias[id(token)] = value);
        float[] ones = new float[hidden];
        java.util.Arrays.fill(ones, 1f);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        tensors.put("cls.predictions.transform.dense.weight", new float[hidden * hidden]);
        shapes.put("cls.predictions.transform.dense.weight", new int[] {hidden, hidden});
        tensors.put("cls.predictions.transform.dense.bias", new float[hidden]);
        tensors.put("cls.predictions.transform.LayerNorm.weight", ones);
        tensors.put("cls.predictions.transform.LayerNorm.bias", new float[hidden]);
        tensors.put("cls.predictions.bias", decoderBias);
        overlay(ORACLE.resolve("bert-model"), dir, tensors, shapes);
        return dir;
    }

    /** bert-seqcls relabelled as an NLI model: contradiction, neutral, entailment. */
    public static Path nliModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(ORACLE.resolve("bert-seqcls/config.json")));
        List<String> labels = List.of("contradiction", "neutral", "entailment");
        ObjectNode id2label = config.putObject("id2label");
        ObjectNode label2id = config.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(String.valueOf(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        Files.copy(ORACLE.resolve("bert-seqcls/model.safetensors"), dir.resolve("model.safetensors"));
        writeTokenizer(dir);
        return dir;
    }

    /** bert-seqcls with a one-logit classifier (the first row of its own): a cross-encoder. */
    public static Path crossEncoder(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(ORACLE.resolve("bert-seqcls/config.json")));
        config.putObject("id2label").put("0", "LABEL_0");
        config.putObject("label2id").put("LABEL_0", 0);
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        int hidden = config.get("hidden_size").asInt();
        float[] weight, bias;
        try (var st = dev.trident.kernels.load.SafeTensors.open(ORACLE.resolve("bert-seqcls/model.safetensors"))) {
            weight = java.util.Arrays.copyOf(st.tensor("classifier.weight").toFloatArray(), hidden);
            bias = java.util.Arrays.copyOf(st.tensor("classifier.bias").toFloatArray(), 1);
        }
        Map<String, float[]> tensors = new LinkedHashMap<>();
        tensors.put("classifier.weight", weight);
        tensors.put("classifier.bias", bias);
        overlay(ORACLE.resolve("bert-seqcls"), dir, tensors, Map.of("classifier.weight", new int[] {1, hidden}));
        return dir;
    }

    /** {@code src}'s weights, with {@code tensors} added or replacing its own, as a two-shard checkpoint. */
    private static void overlay(Path src, Path dir, Map<String, float[]> tensors, Map<String, int[]> shapes) throws IOException {
        String base = "model-00001-of-00002.safetensors", head = "model-00002-of-00002.safetensors";
        Files.copy(src.resolve("model.safetensors"), dir.resolve(base));
        writeSafetensors(dir.resolve(head), tensors, shapes);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata");
        ObjectNode map = index.putObject("weight_map");
        try (var st = dev.trident.kernels.load.SafeTensors.open(src.resolve("model.safetensors"))) {
            st.names().forEach(n -> map.put(n, base));
        }
        tensors.keySet().forEach(n -> map.put(n, head));
        Files.writeString(dir.resolve("model.safetensors.index.json"), JSON.writeValueAsString(index));
        writeTokenizer(dir);
    }

    private static void writeSafetensors(Path file, Map<String, float[]> tensors, Map<String, int[]> shapes) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (int d : shapes.getOrDefault(e.getKey(), new int[] {e.getValue().length})) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        tensors.values().forEach(v -> {
            for (float f : v) {
                out.putFloat(f);
            }
        });
        Files.write(file, out.array());
    }
}
