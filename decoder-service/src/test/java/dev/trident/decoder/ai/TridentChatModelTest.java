package dev.trident.decoder.ai;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring AI's ChatModel contract on the real engine: a call and a stream of the same prompt say the same thing. */
@SpringBootTest
class TridentChatModelTest {

    @Autowired
    ChatModel chat;

    @Test
    void callAndStreamAgree() {
        Prompt prompt = new Prompt(List.of(new UserMessage("Once upon a time")),
                ChatOptions.builder().temperature(0.0).maxTokens(30).build());
        ChatResponse response = chat.call(prompt);
        String called = response.getResult().getOutput().getText();
        assertThat(called).isNotBlank();
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("length");

        List<ChatResponse> chunks = chat.stream(prompt).collectList().block();
        StringBuilder streamed = new StringBuilder();
        chunks.forEach(chunk -> streamed.append(chunk.getResult().getOutput().getText()));
        assertThat(streamed.toString()).isEqualTo(called);
        assertThat(chunks.getLast().getResult().getMetadata().getFinishReason()).isEqualTo("length");
    }
}
