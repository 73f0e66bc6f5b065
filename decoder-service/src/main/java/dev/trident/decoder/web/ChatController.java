package dev.trident.decoder.web;

import dev.trident.decoder.inference.ChatTemplate;
import dev.trident.decoder.inference.DecoderModel;
import dev.trident.decoder.inference.DecoderRegistry;
import dev.trident.decoder.inference.Generation;
import dev.trident.decoder.inference.GenerationMetrics;
import dev.trident.decoder.inference.SamplingParams;
import dev.trident.decoder.inference.SessionStore;
import dev.trident.decoder.inference.TokenLogprob;
import dev.trident.decoder.inference.TranscriptRepository;
import dev.trident.kernels.blocks.KVCache;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * OpenAI's {@code POST /v1/chat/completions}, with an optional session ({@code X-Session-Id} header or
 * {@code session_id} field) whose KV cache is reused by the next turn; and {@code GET}/{@code DELETE}
 * {@code /v1/sessions/{id}}.
 */
@RestController
public class ChatController {

    public static final String SESSION_HEADER = "X-Session-Id";

    private final DecoderRegistry models;
    private final SessionStore sessions;
    private final ObjectMapper json;
    private final GenerationMetrics metrics;
    private final TranscriptRepository transcripts;

    public ChatController(DecoderRegistry models, SessionStore sessions, ObjectMapper json, GenerationMetrics metrics,
                          TranscriptRepository transcripts) {
        this.transcripts = transcripts;
        this.models = models;
        this.sessions = sessions;
        this.json = json;
        this.metrics = metrics;
    }

    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Object chat(@RequestBody JsonNode request, @RequestHeader(name = SESSION_HEADER, required = false) String sessionHeader,
                       HttpServletResponse servletResponse) {
        if (!request.isObject()) {
            throw ApiException.invalid("request body must be a JSON object", null);
        }
        DecoderModel model = models.get(request.path("model").isString() ? request.path("model").asString() : null);
        if (model.tokenizer() == null) {
            throw ApiException.invalid("model '" + model.id() + "' has no tokenizer (ids-only mode): use /v1/completions with token ids", "messages");
        }
        List<ChatTemplate.Message> messages = messages(request.get("messages"));
        String text;
        try {
            text = model.chatTemplate().render(messages, true);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("the model's chat template refused the conversation: " + e.getMessage(), "messages");
        }
        int[] prompt = OpenAiRequests.truncated(model.tokenizer().encode(text, !model.chatTemplate().addsSpecialTokens()).ids(),
                request, model);
        if (prompt.length >= model.contextLength()) {
            throw ApiException.invalid("This model's maximum context length is " + model.contextLength()
                    + " tokens; the conversation has " + prompt.length + " tokens (send truncate_prompt_tokens to keep only the last ones).", "messages");
        }
        int n = OpenAiRequests.choices(request);
        int topLogprobs = OpenAiRequests.chatLogprobs(request);
        SamplingParams params = OpenAiRequests.sampling(request, model, model.contextLength());
        String sessionId = sessionHeader != null && !sessionHeader.isBlank() ? sessionHeader
                : request.path("session_id").isString() ? request.path("session_id").asString() : null;
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();

        if (!request.path("stream").asBoolean(false)) {
            List<Generation> generations = run(model, prompt, params, n, topLogprobs, sessionId, request.get("messages"), null);
            List<Map<String, Object>> choices = new ArrayList<>();
            for (int i = 0; i < generations.size(); i++) {
                Generation generation = generations.get(i);
                Map<String, Object> message = new LinkedHashMap<>();
                message.put("role", "assistant");
                message.put("content", generation.text());
                Map<String, Object> choice = new LinkedHashMap<>();
                choice.put("index", i);
                choice.put("message", message);
                choice.put("logprobs", generation.logprobs() == null ? null : OpenAiLogprobs.chat(generation.logprobs(), model.tokenizer()));
                choice.put("finish_reason", generation.finishReason());
                choices.add(choice);
            }
            Map<String, Object> body = envelope(id, "chat.completion", created, model.id(), choices);
            body.put("usage", usage(generations));
            if (sessionId != null) {
                servletResponse.setHeader(SESSION_HEADER, sessionId);
            }
            return body;
        }
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        StreamingResponseBody stream = out -> {
            for (int i = 0; i < n; i++) {
                if (!send(out, envelope(id, "chat.completion.chunk", created, model.id(),
                        List.of(delta(i, Map.of("role", "assistant", "content", ""), null, null))))) {
                    return;
                }
            }
            DecoderModel.ChoiceListener listener = new DecoderModel.ChoiceListener() {
                @Override
                public boolean onText(int index, String piece, int tokenId, List<TokenLogprob> tokens) {
                    return send(out, envelope(id, "chat.completion.chunk", created, model.id(), List.of(delta(index,
                            Map.of("content", piece), tokens == null ? null : OpenAiLogprobs.chat(tokens, model.tokenizer()), null))));
                }

                @Override
                public void onFinish(int index, String finishReason) {
                    // Each choice's finish as it happens; a cancelled one has no client left to tell.
                    if (!finishReason.equals("cancelled")) {
                        send(out, envelope(id, "chat.completion.chunk", created, model.id(), List.of(delta(index, Map.of(), null, finishReason))));
                    }
                }
            };
            List<Generation> generations = run(model, prompt, params, n, topLogprobs, sessionId, request.get("messages"), listener);
            if (OpenAiRequests.anyCancelled(generations)) {
                return;
            }
            if (includeUsage) {
                Map<String, Object> usageChunk = envelope(id, "chat.completion.chunk", created, model.id(), List.of());
                usageChunk.put("usage", usage(generations));
                send(out, usageChunk);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        };
        servletResponse.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        servletResponse.setCharacterEncoding("UTF-8");
        servletResponse.setHeader("Cache-Control", "no-cache");
        if (sessionId != null) {
            servletResponse.setHeader(SESSION_HEADER, sessionId);
        }
        return stream;
    }

    /**
     * One turn's {@code n} choices, through the session's cache when there is a session: choice 0 continues the
     * session (its cache is kept, its text goes to the transcript); the others decode in copies of the prefill.
     */
    private List<Generation> run(DecoderModel model, int[] prompt, SamplingParams params, int n, int topLogprobs,
                                 String sessionId, JsonNode messages, DecoderModel.ChoiceListener listener) {
        long start = System.nanoTime();
        if (sessionId == null) {
            List<Generation> generations = model.generate(prompt, params, n, topLogprobs, listener, model.newCache(), 0);
            metrics.record(generations, System.nanoTime() - start);
            return generations;
        }
        SessionStore.Lease lease = sessions.acquire(sessionId, model.id(), prompt, model::newCache);
        int[] kept = new int[0];
        Instant started = Instant.now();
        try {
            List<Generation> generations = model.generate(prompt, params, n, topLogprobs, listener, lease.cache(), lease.reusablePrefix());
            Generation generation = generations.getFirst();
            kept = generation.cachedSequence();
            metrics.record(generations, System.nanoTime() - start);
            if (!OpenAiRequests.anyCancelled(generations)) {
                transcripts.record(sessionId, model.id(), json.writeValueAsString(messages), generation, started, Instant.now());
            }
            return generations;
        } finally {
            KVCache cache = lease.cache();
            cache.truncate(kept.length);
            sessions.release(lease, model.id(), kept);
        }
    }

    /** The session's cache (when held) and its transcript (kept in PostgreSQL across restarts). */
    @GetMapping("/v1/sessions/{id}")
    public Map<String, Object> session(@PathVariable String id) {
        java.util.Optional<SessionStore.Session> cached = sessions.find(id);
        java.util.Optional<Map<String, Object>> stored = transcripts.session(id);
        if (cached.isEmpty() && stored.isEmpty()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "session_not_found", "no session " + id);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "session");
        body.put("model", cached.map(SessionStore.Session::model).orElseGet(() -> (String) stored.get().get("model")));
        body.put("tokens", cached.map(c -> c.cache().length()).orElse(0));
        body.put("bytes", cached.map(c -> c.cache().bytes()).orElse(0L));
        body.put("cached", cached.isPresent());
        body.put("turns", stored.map(row -> row.get("turns")).orElse(0));
        body.put("transcript", transcripts.turns(id));
        return body;
    }

    /** Frees the session's cache and deletes its transcript. */
    @DeleteMapping("/v1/sessions/{id}")
    public Map<String, Object> deleteSession(@PathVariable String id) {
        boolean freed = sessions.delete(id);
        boolean forgotten = transcripts.delete(id);
        return Map.of("id", id, "object", "session", "deleted", freed || forgotten);
    }

    /** OpenAI's usage of {@code n} choices: the prompt once, the completion tokens of all choices summed. */
    private static Map<String, Object> usage(List<Generation> generations) {
        Generation first = generations.getFirst();
        Map<String, Object> usage = OpenAiRequests.usage(first.promptTokens(), OpenAiRequests.completionTokens(generations));
        usage.put("prompt_tokens_details", Map.of("cached_tokens", first.cachedTokens()));
        return usage;
    }

    private static Map<String, Object> delta(int index, Map<String, Object> delta, Map<String, Object> logprobs, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put("delta", delta);
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        return choice;
    }

    private static Map<String, Object> envelope(String id, String object, long created, String model, List<Map<String, Object>> choices) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", model);
        body.put("choices", choices);
        return body;
    }

    private boolean send(OutputStream out, Map<String, Object> event) {
        try {
            out.write(("data: " + json.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException clientGone) {
            return false;
        }
    }

    private static List<ChatTemplate.Message> messages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("'messages' must be a non-empty array", "messages");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asString("");
            if (!List.of("system", "developer", "user", "assistant", "tool").contains(role)) {
                throw ApiException.invalid("messages[" + i + "].role must be system, user, assistant or tool", "messages");
            }
            JsonNode content = message.get("content");
            String text;
            if (content != null && content.isString()) {
                text = content.asString();
            } else if (content != null && content.isArray()) {
                StringBuilder parts = new StringBuilder();
                for (JsonNode part : content) {
                    if (!"text".equals(part.path("type").asString())) {
                        throw ApiException.invalid("messages[" + i + "]: only text content parts are supported", "messages");
                    }
                    parts.append(part.path("text").asString());
                }
                text = parts.toString();
            } else if (content == null || content.isNull()) {
                text = "";
            } else {
                throw ApiException.invalid("messages[" + i + "].content must be a string or a list of text parts", "messages");
            }
            out.add(new ChatTemplate.Message(role, text));
        }
        return out;
    }
}
