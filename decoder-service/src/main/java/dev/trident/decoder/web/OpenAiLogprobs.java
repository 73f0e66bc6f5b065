package dev.trident.decoder.web;

import dev.trident.decoder.inference.TokenLogprob;
import dev.trident.kernels.tokenize.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Log-probabilities in OpenAI's two shapes: chat's {@code logprobs.content[]} of {@code {token, logprob, bytes,
 * top_logprobs[]}}, and legacy completions' parallel lists {@code tokens}, {@code token_logprobs},
 * {@code top_logprobs} (token → logprob maps) and {@code text_offset}. A token's text is its own decoding (special
 * tokens kept); a model without a tokenizer names tokens {@code token_id:N}, as vLLM does.
 */
final class OpenAiLogprobs {

    private OpenAiLogprobs() {
    }

    /** Chat: {@code {"content": [...]}} for {@code tokens}. */
    static Map<String, Object> chat(List<TokenLogprob> tokens, Tokenizer tokenizer) {
        List<Map<String, Object>> content = new ArrayList<>();
        for (TokenLogprob token : tokens) {
            Map<String, Object> entry = chatEntry(text(token.tokenId(), tokenizer), token.logprob());
            List<Map<String, Object>> top = new ArrayList<>();
            for (int i = 0; i < token.topIds().length; i++) {
                top.add(chatEntry(text(token.topIds()[i], tokenizer), token.topLogprobs()[i]));
            }
            entry.put("top_logprobs", top);
            content.add(entry);
        }
        Map<String, Object> logprobs = new LinkedHashMap<>();
        logprobs.put("content", content);
        return logprobs;
    }

    private static Map<String, Object> chatEntry(String token, float logprob) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("token", token);
        entry.put("logprob", logprob);
        byte[] utf8 = token.getBytes(StandardCharsets.UTF_8);
        List<Integer> bytes = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            bytes.add(b & 0xff);
        }
        entry.put("bytes", bytes);
        return entry;
    }

    /**
     * Completions: the four lists for {@code tokens}; {@code text_offset} counts characters of the completion from
     * {@code startOffset} (the text of earlier chunks when streaming). Each {@code top_logprobs} map holds the
     * {@code k} most likely tokens and always the sampled one (so up to {@code k + 1} entries, as vLLM).
     *
     * @return the lists, and in {@code offset[0]} the offset after the last token
     */
    static Map<String, Object> completion(List<TokenLogprob> tokens, Tokenizer tokenizer, int[] offset) {
        List<String> texts = new ArrayList<>();
        List<Float> logprobs = new ArrayList<>();
        List<Map<String, Float>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (TokenLogprob token : tokens) {
            String text = text(token.tokenId(), tokenizer);
            texts.add(text);
            logprobs.add(token.logprob());
            Map<String, Float> top = new LinkedHashMap<>();
            for (int i = 0; i < token.topIds().length; i++) {
                top.put(text(token.topIds()[i], tokenizer), token.topLogprobs()[i]);
            }
            top.putIfAbsent(text, token.logprob());
            tops.add(top);
            offsets.add(offset[0]);
            offset[0] += text.length();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tokens", texts);
        body.put("token_logprobs", logprobs);
        body.put("top_logprobs", tops);
        body.put("text_offset", offsets);
        return body;
    }

    private static String text(int id, Tokenizer tokenizer) {
        return tokenizer == null ? "token_id:" + id : tokenizer.decode(new int[] {id}, false);
    }
}
