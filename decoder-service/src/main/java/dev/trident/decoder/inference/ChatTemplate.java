package dev.trident.decoder.inference;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns chat messages into the prompt text the model was trained on: {@code tokenizer_config.json}'s
 * {@code chat_template} rendered with Jinjava (variables {@code messages}, {@code bos_token}, {@code eos_token},
 * {@code add_generation_prompt}, and {@code raise_exception(...)} as transformers provides them).
 *
 * <p>Models without a template (base models such as stories260K) use the documented plain fallback: each message
 * as {@code <role>: <content>} on its own line, and {@code assistant:} when a reply is wanted; the tokenizer then
 * adds its usual special tokens (BOS).
 */
public final class ChatTemplate {

    public record Message(String role, String content) {
    }

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    private ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(false).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
    }

    /** The template of a model folder, or the plain fallback when its tokenizer_config.json has none. */
    public static ChatTemplate of(Path modelDir) {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return new ChatTemplate(null, "", "");
        }
        try {
            JsonNode config = new ObjectMapper().readTree(Files.readString(file));
            JsonNode template = config.get("chat_template");
            String text = null;
            if (template != null && template.isString()) {
                text = template.asString();
            } else if (template != null && template.isArray()) {
                for (JsonNode named : template) {
                    if ("default".equals(named.path("name").asString())) {
                        text = named.path("template").asString();
                    }
                }
            }
            return new ChatTemplate(text, tokenText(config.get("bos_token")), tokenText(config.get("eos_token")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Whether the text already holds the special tokens (a real template) or the tokenizer must add them. */
    public boolean addsSpecialTokens() {
        return template != null;
    }

    public String render(List<Message> messages, boolean addGenerationPrompt) {
        if (template == null) {
            StringBuilder prompt = new StringBuilder();
            for (Message message : messages) {
                prompt.append(message.role()).append(": ").append(message.content()).append('\n');
            }
            if (addGenerationPrompt) {
                prompt.append("assistant:");
            }
            return prompt.toString();
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        try {
            return jinjava.render(template, context);
        } catch (FatalTemplateErrorsException e) {
            // Jinjava wraps what raise_exception threw; the template's own message is what the client must see.
            for (TemplateError error : e.getErrors()) {
                for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                    if (t instanceof TemplateRejection rejection) {
                        throw new IllegalArgumentException(rejection.getMessage());
                    }
                }
            }
            throw new IllegalArgumentException("chat template failed: " + e.getMessage());
        }
    }

    /** What {@code raise_exception} throws. */
    static final class TemplateRejection extends RuntimeException {
        TemplateRejection(String message) {
            super(message);
        }
    }

    /** {@code raise_exception} of transformers' template environment: templates use it to reject bad conversations. */
    public static String raiseException(String message) {
        throw new TemplateRejection(message);
    }

    private static String tokenText(JsonNode token) {
        if (token == null || token.isNull()) {
            return "";
        }
        return token.isString() ? token.asString() : token.path("content").asString("");
    }
}
