package dev.trident.decoder.inference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatTemplateTest {

    private static final List<ChatTemplate.Message> CONVERSATION = List.of(
            new ChatTemplate.Message("system", "Be brief."),
            new ChatTemplate.Message("user", "Hi!"));

    @Test
    void rendersAChatMlTemplateFromTokenizerConfig(@TempDir Path dir) throws Exception {
        // Qwen2-style ChatML, as it appears in tokenizer_config.json.
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": null, "eos_token": "<|im_end|>",
                 "chat_template": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\\\n' + message['content'] + '<|im_end|>' + '\\\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\\\n' }}{% endif %}"}
                """);
        ChatTemplate template = ChatTemplate.of(dir);
        assertThat(template.addsSpecialTokens()).isTrue();
        assertThat(template.render(CONVERSATION, true)).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void templatesCanRejectAConversationWithRaiseException(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{{ bos_token }}"}
                """);
        assertThatThrownBy(() -> ChatTemplate.of(dir).render(CONVERSATION, true)).hasMessageContaining("System role not supported");
    }

    @Test
    void modelsWithoutATemplateUseThePlainFallback(@TempDir Path dir) {
        ChatTemplate template = ChatTemplate.of(dir);
        assertThat(template.addsSpecialTokens()).isFalse();
        assertThat(template.render(CONVERSATION, true)).isEqualTo("system: Be brief.\nuser: Hi!\nassistant:");
    }
}
