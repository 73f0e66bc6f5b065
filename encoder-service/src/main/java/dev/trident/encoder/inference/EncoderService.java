package dev.trident.encoder.inference;

import dev.trident.encoder.config.ServingSettings;
import dev.trident.encoder.inference.EncoderModel.Classification;
import dev.trident.encoder.inference.InferenceQueue.Outcome;
import dev.trident.encoder.inference.InferenceQueue.Sequence;
import dev.trident.encoder.inference.InferenceQueue.Timing;
import dev.trident.encoder.inference.NerAggregation.Entity;
import dev.trident.encoder.inference.NerAggregation.PreEntity;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import dev.trident.encoder.web.ApiException;
import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.kernels.tokenize.Tokenizer.Encoding;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the endpoints and batch jobs do, over the registry's models: validation and tokenization (truncation
 * included), the model work through each model's {@link InferenceQueue}, and the post-processing of each task.
 * Errors a client can fix are {@link ApiException}s with the status TEI gives them.
 */
@Service
public class EncoderService implements AutoCloseable {

    /** Zero-shot with an embedding model: the similarity scale sentence-transformers trains such models with. */
    public static final float ZERO_SHOT_SCALE = 20f;
    public static final String DEFAULT_HYPOTHESIS = "This text is about {}.";

    private final ModelRegistry registry;
    private final ServingSettings settings;
    private final Map<EncoderModel, InferenceQueue> queues = new IdentityHashMap<>();

    public EncoderService(ModelRegistry registry, ServingSettings settings, MeterRegistry meters) {
        this.registry = registry;
        this.settings = settings;
        for (String id : registry.ids()) {
            EncoderModel model = registry.get(id);
            queues.put(model, new InferenceQueue(id, model, settings.maxBatchTokens(), settings.maxBatchRequests(),
                    settings.maxConcurrentRequests(), settings.retryAfter(), meters));
        }
    }

    public ServingSettings settings() {
        return settings;
    }

    public ModelRegistry registry() {
        return registry;
    }

    /** The served model {@code id} names (the default for null); 404 when unknown. */
    public InferenceQueue model(String id) {
        return queues.get(registry.get(id));
    }

    // ---------------------------------------------------------------- results

    /** Outputs of one request with where its time went. */
    public record Result<T>(String model, T value, Timing timing) {
    }

    public record Label(String label, float score) {
    }

    public record Ranked(int index, float score, String text) {
    }

    public record Token(int id, String text, boolean special, Integer start, Integer stop) {
    }

    public record Fill(float score, int token, String tokenStr, String sequence) {
    }

    // ---------------------------------------------------------------- embeddings

    /**
     * Sentence embeddings with the model's pooling; {@code dimensions} keeps the first N (Matryoshka), and
     * {@code normalize} L2-normalises after that cut, so a shortened vector is a unit vector again.
     */
    public Result<float[][]> embed(String modelId, List<Input> inputs, boolean normalize, boolean truncate, Integer dimensions) {
        return embed(modelId, inputs, normalize, truncate, false, dimensions);
    }

    /** @param truncateLeft with {@code truncate}: cut the start of the content instead of its end (TEI's "left") */
    public Result<float[][]> embed(String modelId, List<Input> inputs, boolean normalize, boolean truncate,
                                   boolean truncateLeft, Integer dimensions) {
        InferenceQueue queue = model(modelId);
        EncoderModel model = queue.model();
        if (model.pooling().mode() == Pooling.Mode.NONE) {
            throw ApiException.badRequest("invalid_request", "model '" + queue.modelId() + "' has no pooling; use /embed_all");
        }
        if (dimensions != null && (dimensions < 1 || dimensions > model.hiddenSize())) {
            throw ApiException.badRequest("invalid_request", "dimensions must be between 1 and " + model.hiddenSize()
                    + " for model '" + queue.modelId() + "', got " + dimensions);
        }
        List<Sequence> sequences = sequences(queue, inputs, truncate, truncateLeft, settings.maxClientBatchSize());
        Outcome<float[]> outcome = queue.run(Operations.embed(new Pooling(model.pooling().mode(), false)), sequences);
        float[][] vectors = new float[inputs.size()][];
        for (int i = 0; i < vectors.length; i++) {
            float[] v = outcome.outputs().get(i);
            if (dimensions != null) {
                v = Arrays.copyOf(v, dimensions);
            }
            if (normalize) {
                Pooling.l2Normalize(v);
            }
            vectors[i] = v;
        }
        return new Result<>(queue.modelId(), vectors, outcome.timing());
    }

    /** The last hidden state of every token of every input. */
    public Result<List<float[][]>> embedAll(String modelId, List<Input> inputs, boolean truncate, boolean truncateLeft) {
        InferenceQueue queue = model(modelId);
        Outcome<float[][]> outcome = queue.run(Operations.HIDDEN_STATES,
                sequences(queue, inputs, truncate, truncateLeft, settings.maxClientBatchSize()));
        return new Result<>(queue.modelId(), outcome.outputs(), outcome.timing());
    }

    // ---------------------------------------------------------------- classification

    /**
     * Sequence classification; an input of two texts is a pair (segment A and B). Labels sorted by score;
     * {@code rawScores} gives logits instead of probabilities; {@code multiLabel} scores each label with a
     * sigmoid whatever the model's problem type.
     */
    public Result<List<List<Label>>> predict(String modelId, List<List<String>> inputs, boolean truncate,
                                             boolean rawScores, Boolean multiLabel, Integer topK) {
        InferenceQueue queue = model(modelId);
        EncoderModel model = queue.model();
        if (model.task() != EncoderTask.SEQUENCE_CLASSIFICATION) {
            throw ApiException.badRequest("invalid_request", "model '" + queue.modelId() + "' is not a classifier (it is "
                    + model.task().name().toLowerCase(Locale.ROOT) + ")");
        }
        checkBatch(inputs.size());
        List<Sequence> sequences = new ArrayList<>();
        for (List<String> input : inputs) {
            if (input.isEmpty() || input.size() > 2) {
                throw ApiException.badRequest("invalid_request", "each input is one text or a pair of two texts");
            }
            sequences.add(input.size() == 1 ? sequence(queue, Input.text(input.getFirst()), truncate)
                    : pair(queue, input.get(0), input.get(1), truncate));
        }
        Outcome<Classification> outcome = queue.run(Operations.CLASSIFY, sequences);
        List<List<Label>> out = new ArrayList<>();
        for (Classification c : outcome.outputs()) {
            float[] scores = rawScores ? c.logits()
                    : Boolean.TRUE.equals(multiLabel) ? EncoderModel.probabilities(c.logits(), EncoderModel.Scoring.SIGMOID)
                    : Boolean.FALSE.equals(multiLabel) ? EncoderModel.probabilities(c.logits(), EncoderModel.Scoring.SOFTMAX)
                    : c.probabilities();
            out.add(sorted(model.labels(), scores, topK));
        }
        return new Result<>(queue.modelId(), out, outcome.timing());
    }

    /**
     * Zero-shot classification of each text over {@code labels}. With an NLI classifier (a label starting with
     * "entail"): HF's zero-shot pipeline (each label put through {@code template} as the hypothesis; softmax of
     * the entailment logits over labels, or per label softmax of contradiction vs entailment when
     * {@code multiLabel} or a single label). With an embedding model: cosine similarity of the text to each
     * hypothesis; softmax over labels of {@code 20 × cos} (20: the scale of sentence-transformers' contrastive
     * loss these models are trained with), or, with {@code multiLabel}, each label's {@code (cos + 1) / 2}.
     */
    public Result<List<List<Label>>> zeroShot(String modelId, List<String> texts, List<String> labels, String template,
                                              boolean multiLabel, Integer topK, boolean truncate) {
        InferenceQueue queue = model(modelId);
        EncoderModel model = queue.model();
        checkBatch(texts.size());
        if (labels.isEmpty() || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
            throw ApiException.badRequest("invalid_request", "'labels' must be a non-empty list of non-empty labels");
        }
        String hypothesisTemplate = template == null ? DEFAULT_HYPOTHESIS : template;
        if (!hypothesisTemplate.contains("{}")) {
            throw ApiException.badRequest("invalid_request", "hypothesis_template must contain {} where the label goes");
        }
        List<String> hypotheses = labels.stream().map(l -> hypothesisTemplate.replace("{}", l)).toList();
        int entailment = entailmentId(model);
        List<List<Label>> out = new ArrayList<>();
        if (model.task() == EncoderTask.SEQUENCE_CLASSIFICATION && entailment >= 0) {
            int contradiction = entailment == 0 ? model.labels().size() - 1 : 0;
            List<Sequence> pairs = new ArrayList<>();
            for (String text : texts) {
                for (String hypothesis : hypotheses) {
                    pairs.add(pair(queue, text, hypothesis, truncate));
                }
            }
            Outcome<Classification> outcome = queue.run(Operations.CLASSIFY, pairs);
            for (int t = 0; t < texts.size(); t++) {
                float[] scores = new float[labels.size()];
                for (int l = 0; l < labels.size(); l++) {
                    float[] logits = outcome.outputs().get(t * labels.size() + l).logits();
                    if (multiLabel || labels.size() == 1) {
                        float[] two = EncoderModel.probabilities(new float[] {logits[contradiction], logits[entailment]},
                                EncoderModel.Scoring.SOFTMAX);
                        scores[l] = two[1];
                    } else {
                        scores[l] = logits[entailment];
                    }
                }
                if (!(multiLabel || labels.size() == 1)) {
                    scores = EncoderModel.probabilities(scores, EncoderModel.Scoring.SOFTMAX);
                }
                out.add(sorted(labels, scores, topK));
            }
            return new Result<>(queue.modelId(), out, outcome.timing());
        }
        if (model.task() != EncoderTask.EMBEDDING) {
            throw ApiException.badRequest("invalid_request", "zero-shot needs an embedding model or an NLI classifier "
                    + "(a label 'entailment'); model '" + queue.modelId() + "' is neither");
        }
        List<Input> all = new ArrayList<>();
        texts.forEach(t -> all.add(Input.text(t)));
        hypotheses.forEach(h -> all.add(Input.text(h)));
        List<Sequence> sequences = sequences(queue, all, truncate, Integer.MAX_VALUE);
        Outcome<float[]> outcome = queue.run(Operations.embed(new Pooling(model.pooling().mode() == Pooling.Mode.NONE
                ? Pooling.Mode.MEAN : model.pooling().mode(), true)), sequences);
        for (int t = 0; t < texts.size(); t++) {
            float[] scores = new float[labels.size()];
            for (int l = 0; l < labels.size(); l++) {
                float cos = dot(outcome.outputs().get(t), outcome.outputs().get(texts.size() + l));
                scores[l] = multiLabel ? (cos + 1) / 2 : cos * ZERO_SHOT_SCALE;
            }
            if (!multiLabel) {
                scores = EncoderModel.probabilities(scores, EncoderModel.Scoring.SOFTMAX);
            }
            out.add(sorted(labels, scores, topK));
        }
        return new Result<>(queue.modelId(), out, outcome.timing());
    }

    private static int entailmentId(EncoderModel model) {
        List<String> labels = model.labels();
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).toLowerCase(Locale.ROOT).startsWith("entail")) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- rerank

    /**
     * Texts ranked by relevance to {@code query}, best first. A cross-encoder (a classifier with one label) reads
     * each (query, text) pair; its score is the sigmoid of the logit, or the logit with {@code rawScores}. Any
     * other model ranks by cosine similarity of the embeddings.
     */
    public Result<List<Ranked>> rerank(String modelId, String query, List<String> texts, boolean truncate,
                                       boolean rawScores, boolean returnText) {
        InferenceQueue queue = model(modelId);
        EncoderModel model = queue.model();
        checkBatch(texts.size());
        if (texts.isEmpty()) {
            throw ApiException.badRequest("empty_input", "'texts' must not be empty");
        }
        float[] scores = new float[texts.size()];
        Timing timing;
        if (model.task() == EncoderTask.SEQUENCE_CLASSIFICATION && model.labels().size() == 1) {
            List<Sequence> pairs = new ArrayList<>();
            for (String text : texts) {
                pairs.add(pair(queue, query, text, truncate));
            }
            Outcome<Classification> outcome = queue.run(Operations.CLASSIFY, pairs);
            for (int i = 0; i < scores.length; i++) {
                float logit = outcome.outputs().get(i).logits()[0];
                scores[i] = rawScores ? logit : (float) (1 / (1 + Math.exp(-logit)));
            }
            timing = outcome.timing();
        } else {
            List<Input> all = new ArrayList<>();
            all.add(Input.text(query));
            texts.forEach(t -> all.add(Input.text(t)));
            Result<float[][]> embedded = embedUnchecked(queue, all, truncate);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = dot(embedded.value()[0], embedded.value()[i + 1]);
            }
            timing = embedded.timing();
        }
        List<Ranked> ranked = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            ranked.add(new Ranked(i, scores[i], returnText ? texts.get(i) : null));
        }
        ranked.sort(Comparator.comparingDouble(Ranked::score).reversed());
        return new Result<>(queue.modelId(), ranked, timing);
    }

    /** Normalised embeddings of inputs that are not limited by the client batch size (the query and its texts). */
    private Result<float[][]> embedUnchecked(InferenceQueue queue, List<Input> inputs, boolean truncate) {
        EncoderModel model = queue.model();
        Pooling.Mode mode = model.pooling().mode() == Pooling.Mode.NONE ? Pooling.Mode.MEAN : model.pooling().mode();
        Outcome<float[]> outcome = queue.run(Operations.embed(new Pooling(mode, true)),
                sequences(queue, inputs, truncate, Integer.MAX_VALUE));
        return new Result<>(queue.modelId(), outcome.outputs().toArray(float[][]::new), outcome.timing());
    }

    // ---------------------------------------------------------------- token classification

    /** Named entities per text, with HF's aggregation strategies; offsets are UTF-16 indices into the text. */
    public Result<List<List<Entity>>> ner(String modelId, List<String> texts, NerAggregation.Strategy strategy,
                                          Set<String> ignoreLabels, boolean truncate) {
        InferenceQueue queue = model(modelId);
        EncoderModel model = queue.model();
        if (model.task() != EncoderTask.TOKEN_CLASSIFICATION) {
            throw ApiException.badRequest("invalid_request", "model '" + queue.modelId() + "' is not a token classifier");
        }
        Tokenizer tokenizer = requireTokenizer(queue);
        checkBatch(texts.size());
        List<Encoding> encodings = new ArrayList<>();
        List<Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Encoding encoding = encode(queue, texts.get(i), truncate, i);
            encodings.add(encoding);
            sequences.add(new Sequence(encoding.ids()));
        }
        Outcome<List<Classification>> outcome = queue.run(Operations.TOKEN_LOGITS, sequences);
        boolean wordPiece = tokenizer.tokenToId("##s").isPresent();
        Integer unk = tokenizer.specialTokens().unk();
        List<List<Entity>> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            Encoding e = encodings.get(i);
            List<PreEntity> tokens = new ArrayList<>();
            for (int t = 0; t < e.size(); t++) {
                if (e.special()[t] || e.starts()[t] < 0) {
                    continue;
                }
                int start = e.starts()[t];
                String span = text.substring(start, e.ends()[t]);
                String piece = tokenizer.idToToken(e.ids()[t]);
                // HF's gather_pre_entities: with a continuing-subword prefix (WordPiece's ##) a token is a subword
                // when its spelling is longer than its span; otherwise when no space is next to its start. An
                // unknown token is its own word, spelled as in the text.
                boolean subword = wordPiece ? piece.length() != span.length()
                        : start > 0 && text.charAt(start - 1) != ' ' && text.charAt(start) != ' ';
                if (unk != null && e.ids()[t] == unk) {
                    piece = span;
                    subword = false;
                }
                tokens.add(new PreEntity(t, e.ids()[t], wordPiece ? piece : span, start, e.ends()[t], subword,
                        outcome.outputs().get(i).get(t).probabilities()));
            }
            out.add(NerAggregation.aggregate(tokens, model.labels(), strategy, ignoreLabels,
                    group -> tokenizer.decode(group.stream().mapToInt(PreEntity::id).toArray(), true)));
        }
        return new Result<>(queue.modelId(), out, outcome.timing());
    }

    // ---------------------------------------------------------------- fill-mask

    /** Per text, per mask token: the {@code topK} most likely fillers, best first. */
    public Result<List<List<List<Fill>>>> fillMask(String modelId, List<String> texts, int topK, boolean truncate) {
        InferenceQueue queue = model(modelId);
        EncoderModel model = queue.model();
        if (model.task() != EncoderTask.MASKED_LM) {
            throw ApiException.badRequest("invalid_request", "model '" + queue.modelId() + "' is not a masked language model");
        }
        Tokenizer tokenizer = requireTokenizer(queue);
        Integer mask = tokenizer.specialTokens().mask();
        if (mask == null) {
            throw ApiException.badRequest("invalid_request", "the tokenizer of '" + queue.modelId() + "' has no mask token");
        }
        if (topK < 1) {
            throw ApiException.badRequest("invalid_request", "top_k must be at least 1");
        }
        checkBatch(texts.size());
        String maskToken = tokenizer.idToToken(mask);
        List<Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = encode(queue, texts.get(i), truncate, i).ids();
            if (Arrays.stream(ids).noneMatch(id -> id == mask)) {
                throw ApiException.badRequest("no_mask_token", "input " + i + " has no mask token " + maskToken);
            }
            sequences.add(new Sequence(ids));
        }
        Outcome<float[][]> outcome = queue.run(Operations.MASKED_LM, sequences);
        List<List<List<Fill>>> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = sequences.get(i).ids();
            List<List<Fill>> perMask = new ArrayList<>();
            for (int t = 0; t < ids.length; t++) {
                if (ids[t] != mask) {
                    continue;
                }
                float[] p = EncoderModel.probabilities(outcome.outputs().get(i)[t], EncoderModel.Scoring.SOFTMAX);
                List<Fill> fills = new ArrayList<>();
                for (int id : top(p, Math.min(topK, p.length))) {
                    int[] filled = ids.clone();
                    filled[t] = id;
                    fills.add(new Fill(p[id], id, tokenizer.decode(new int[] {id}, false), tokenizer.decode(filled, true)));
                }
                perMask.add(fills);
            }
            out.add(perMask);
        }
        return new Result<>(queue.modelId(), out, outcome.timing());
    }

    // ---------------------------------------------------------------- tokenizer

    /** TEI's /tokenize: every token with its text (the covered span, or the token for special ones) and offsets. */
    public List<List<Token>> tokenize(String modelId, List<String> texts, boolean addSpecialTokens) {
        InferenceQueue queue = model(modelId);
        Tokenizer tokenizer = requireTokenizer(queue);
        checkBatch(texts.size());
        List<List<Token>> out = new ArrayList<>();
        for (String text : texts) {
            Encoding e = tokenizer.encode(text, addSpecialTokens);
            List<Token> tokens = new ArrayList<>();
            for (int t = 0; t < e.size(); t++) {
                boolean covered = e.starts()[t] >= 0;
                tokens.add(new Token(e.ids()[t], covered ? text.substring(e.starts()[t], e.ends()[t]) : tokenizer.idToToken(e.ids()[t]),
                        e.special()[t], covered ? e.starts()[t] : null, covered ? e.ends()[t] : null));
            }
            out.add(tokens);
        }
        return out;
    }

    public List<String> decode(String modelId, List<int[]> ids, boolean skipSpecialTokens) {
        InferenceQueue queue = model(modelId);
        Tokenizer tokenizer = requireTokenizer(queue);
        checkBatch(ids.size());
        List<String> out = new ArrayList<>();
        for (int[] row : ids) {
            checkIds(queue, row, out.size());
            out.add(tokenizer.decode(row, skipSpecialTokens));
        }
        return out;
    }

    // ---------------------------------------------------------------- inputs

    /** Tokenized (or checked) inputs, in order; TEI's limits: not empty, at most max-client-batch-size. */
    private List<Sequence> sequences(InferenceQueue queue, List<Input> inputs, boolean truncate, int maxInputs) {
        return sequences(queue, inputs, truncate, false, maxInputs);
    }

    private List<Sequence> sequences(InferenceQueue queue, List<Input> inputs, boolean truncate, boolean left, int maxInputs) {
        if (inputs.isEmpty()) {
            throw ApiException.badRequest("empty_input", "'inputs' must not be empty");
        }
        if (inputs.size() > maxInputs) {
            checkBatch(inputs.size());
        }
        List<Sequence> out = new ArrayList<>(inputs.size());
        for (Input input : inputs) {
            out.add(sequence(queue, input, truncate, left, out.size()));
        }
        return out;
    }

    private Sequence sequence(InferenceQueue queue, Input input, boolean truncate) {
        return sequence(queue, input, truncate, false, 0);
    }

    private Sequence sequence(InferenceQueue queue, Input input, boolean truncate, boolean left, int index) {
        if (input.isText()) {
            return new Sequence(encode(queue, input.text(), truncate, left, index).ids());
        }
        int[] ids = input.ids();
        if (ids.length == 0) {
            throw ApiException.badRequest("empty_input", "input " + index + " has no token ids");
        }
        checkIds(queue, ids, index);
        EncoderModel model = queue.model();
        int max = model.maxSequenceLength();
        if (ids.length > max) {
            if (!truncate) {
                throw tooLong(queue, index, ids.length);
            }
            Tokenizer tokenizer = model.tokenizer();
            // Keep the special tokens the client put around the content ([CLS] … [SEP]), as for texts.
            boolean[] special = new boolean[ids.length];
            for (int i = 0; tokenizer != null && i < ids.length; i++) {
                special[i] = tokenizer.isSpecial(ids[i]);
            }
            ids = truncated(new Encoding(ids, new int[ids.length], new int[ids.length], special), max, left).ids();
        }
        return new Sequence(ids);
    }

    /**
     * {@code text} with the model's special tokens. Longer than the model: with {@code truncate}, the content is
     * cut and the trailing special tokens ([SEP], {@code </s>}) kept, as HF's tokenizers truncate; else 413.
     */
    Encoding encode(InferenceQueue queue, String text, boolean truncate, int index) {
        return encode(queue, text, truncate, false, index);
    }

    Encoding encode(InferenceQueue queue, String text, boolean truncate, boolean left, int index) {
        if (text == null || text.isEmpty()) {
            throw ApiException.badRequest("empty_input", "input " + index + " is empty");
        }
        Tokenizer tokenizer = requireTokenizer(queue);
        Encoding e = tokenizer.encode(text, true);
        int max = queue.model().maxSequenceLength();
        if (e.size() <= max) {
            return e;
        }
        if (!truncate) {
            throw tooLong(queue, index, e.size());
        }
        return truncated(e, max, left);
    }

    /**
     * {@code max} tokens of {@code e}: the leading and trailing special tokens kept, the content between them cut
     * at its end (or, with {@code left}, at its start).
     */
    static Encoding truncated(Encoding e, int max, boolean left) {
        int n = e.size();
        int suffix = 0;
        while (suffix < n && e.special()[n - 1 - suffix]) {
            suffix++;
        }
        suffix = Math.min(suffix, max - 1);
        int prefix = 0;
        while (prefix < n - suffix && e.special()[prefix]) {
            prefix++;
        }
        prefix = Math.min(prefix, max - suffix - 1);
        int content = max - prefix - suffix;
        int contentFrom = left ? n - suffix - content : prefix;
        int[] ids = new int[max], starts = new int[max], ends = new int[max];
        boolean[] special = new boolean[max];
        for (int i = 0; i < max; i++) {
            int from = i < prefix ? i : i < prefix + content ? contentFrom + (i - prefix) : n - (max - i);
            ids[i] = e.ids()[from];
            starts[i] = e.starts()[from];
            ends[i] = e.ends()[from];
            special[i] = e.special()[from];
        }
        return new Encoding(ids, starts, ends, special);
    }

    /**
     * A (first, second) pair as HF's tokenizers build it: BERT {@code [CLS] a [SEP] b [SEP]} with token types 0/1;
     * RoBERTa {@code <s> a </s></s> b </s>} (no token types). With {@code truncate} the second text is cut.
     */
    private Sequence pair(InferenceQueue queue, String first, String second, boolean truncate) {
        Encoding a = encode(queue, first, false, 0);
        Encoding b = encode(queue, second, truncate, 1); // a long document is cut here, then again below for the pair
        EncoderModel model = queue.model();
        boolean roberta = model.summary().modelType().contains("roberta");
        int lead = 0;
        while (lead < b.size() && b.special()[lead]) {
            lead++;
        }
        int[] tail = Arrays.copyOfRange(b.ids(), roberta ? Math.max(0, lead - 1) : lead, b.size());
        if (roberta && lead > 0) {
            tail[0] = a.ids()[a.size() - 1]; // the second </s> between the texts
        }
        int max = model.maxSequenceLength();
        int total = a.size() + tail.length;
        if (total > max) {
            if (!truncate || a.size() + 2 > max) {
                throw tooLong(queue, 0, total);
            }
            int[] cut = Arrays.copyOf(tail, max - a.size());
            cut[cut.length - 1] = tail[tail.length - 1]; // the final [SEP] stays
            tail = cut;
        }
        int[] ids = new int[a.size() + tail.length];
        System.arraycopy(a.ids(), 0, ids, 0, a.size());
        System.arraycopy(tail, 0, ids, a.size(), tail.length);
        int[] types = new int[ids.length];
        if ("bert".equals(model.summary().modelType())) { // DistilBERT and RoBERTa take no segment ids
            Arrays.fill(types, a.size(), ids.length, 1);
        }
        return new Sequence(ids, types);
    }

    private void checkBatch(int inputs) {
        if (inputs == 0) {
            throw ApiException.badRequest("empty_input", "'inputs' must not be empty");
        }
        if (inputs > settings.maxClientBatchSize()) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "batch_too_large", "batch size " + inputs
                    + " > maximum allowed batch size " + settings.maxClientBatchSize());
        }
    }

    private static void checkIds(InferenceQueue queue, int[] ids, int index) {
        int vocab = queue.model().architecture().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw ApiException.badRequest("invalid_request", "input " + index + ": token id " + id
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    private static ApiException tooLong(InferenceQueue queue, int index, int tokens) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "input_too_long", "input " + index + " has " + tokens
                + " tokens; model '" + queue.modelId() + "' takes at most " + queue.model().maxSequenceLength()
                + " (send truncate: true to cut it)");
    }

    private static Tokenizer requireTokenizer(InferenceQueue queue) {
        Tokenizer tokenizer = queue.model().tokenizer();
        if (tokenizer == null) {
            throw ApiException.badRequest("no_tokenizer", "model '" + queue.modelId()
                    + "' has no tokenizer (ids-only mode): send token ids instead of text");
        }
        return tokenizer;
    }

    // ---------------------------------------------------------------- helpers

    static List<Label> sorted(List<String> labels, float[] scores, Integer topK) {
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            out.add(new Label(labels.get(i), scores[i]));
        }
        out.sort(Comparator.comparingDouble(Label::score).reversed());
        return topK == null || topK >= out.size() ? out : out.subList(0, Math.max(0, topK));
    }

    private static int[] top(float[] p, int k) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Float.compare(p[y], p[x]));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }

    static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    /** Each served model's summary and queue, for /info. */
    public Map<String, EncoderModel.Summary> summaries() {
        Map<String, EncoderModel.Summary> out = new LinkedHashMap<>();
        for (String id : registry.ids()) {
            out.put(id, registry.get(id).summary());
        }
        return out;
    }

    @Override
    public void close() {
        queues.values().forEach(InferenceQueue::close);
    }
}
