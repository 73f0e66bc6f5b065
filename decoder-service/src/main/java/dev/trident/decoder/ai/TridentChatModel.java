package dev.trident.decoder.ai;

import dev.trident.decoder.inference.ChatTemplate;
import dev.trident.decoder.inference.DecoderModel;
import dev.trident.decoder.inference.DecoderRegistry;
import dev.trident.decoder.inference.SamplingParams;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Spring AI's {@link ChatModel} (and so {@code StreamingChatModel}) over the engine, for Spring code that runs in the
 * decoder service itself; remote apps use Spring AI's OpenAI client against {@code /v1}. Options map onto the same
 * sampling as the HTTP API; unset ones take OpenAI's defaults.
 */
@Component
public class TridentChatModel implements ChatModel {

    private final DecoderRegistry models;

    public TridentChatModel(DecoderRegistry models) {
        this.models = models;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        Turn turn = turn(prompt);
        dev.trident.decoder.inference.Generation generation = turn.model().generate(turn.ids(), turn.params(), null);
        return response(generation.text(), generation.finishReason());
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        Turn turn = turn(prompt);
        return Flux.create(sink -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            sink.onDispose(() -> cancelled.set(true));
            Thread.ofVirtual().name("trident-chat-stream").start(() -> run(turn, sink, cancelled));
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    private static void run(Turn turn, FluxSink<ChatResponse> sink, AtomicBoolean cancelled) {
        try {
            dev.trident.decoder.inference.Generation generation = turn.model().generate(turn.ids(), turn.params(), (delta, id) -> {
                if (cancelled.get()) {
                    return false;
                }
                sink.next(response(delta, null));
                return true;
            });
            if (!cancelled.get()) {
                sink.next(response("", generation.finishReason()));
                sink.complete();
            }
        } catch (RuntimeException e) {
            sink.error(e);
        }
    }

    private record Turn(DecoderModel model, int[] ids, SamplingParams params) {
    }

    private Turn turn(Prompt prompt) {
        ChatOptions options = prompt.getOptions();
        DecoderModel model = models.get(options == null ? null : options.getModel());
        if (model.tokenizer() == null) {
            throw new IllegalArgumentException("model '" + model.id() + "' has no tokenizer: chat needs text");
        }
        List<ChatTemplate.Message> messages = prompt.getInstructions().stream()
                .map(TridentChatModel::message).toList();
        String text = model.chatTemplate().render(messages, true);
        int[] ids = model.tokenizer().encode(text, !model.chatTemplate().addsSpecialTokens()).ids();
        SamplingParams params = new SamplingParams(
                options != null && options.getMaxTokens() != null ? options.getMaxTokens() : model.contextLength(),
                options != null && options.getTemperature() != null ? options.getTemperature() : 1.0,
                options != null && options.getTopP() != null ? options.getTopP() : 1.0,
                options != null && options.getTopK() != null ? options.getTopK() : 0,
                0.0, 1.0,
                options != null && options.getPresencePenalty() != null ? options.getPresencePenalty() : 0.0,
                options != null && options.getFrequencyPenalty() != null ? options.getFrequencyPenalty() : 0.0,
                null,
                options != null && options.getStopSequences() != null ? options.getStopSequences() : List.of(),
                model.stopTokenIds());
        return new Turn(model, ids, params);
    }

    private static ChatTemplate.Message message(Message message) {
        return new ChatTemplate.Message(message.getMessageType().getValue(), message.getText() == null ? "" : message.getText());
    }

    private static ChatResponse response(String text, String finishReason) {
        ChatGenerationMetadata metadata = finishReason == null ? ChatGenerationMetadata.NULL
                : ChatGenerationMetadata.builder().finishReason(finishReason).build();
        return new ChatResponse(List.of(new Generation(new AssistantMessage(text), metadata)));
    }
}
